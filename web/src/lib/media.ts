// Media on this server: uploads (POST /media) and downloads (/media/{id},
// /media/{id}/thumb), both with the session token as bearer. Downloads are
// shown through blob: URLs, so no media URL ever carries the token.
import { ApiError } from "./conn";

export type UploadKind = "image" | "voice" | "video" | "file" | "sticker";

export interface Uploaded {
  id: string;
  type: string;
  size: number;
  width: number;
  height: number;
  duration_ms: number;
  name: string;
  thumbnail: boolean;
  poster: string;
}

let token = "";
export function setMediaToken(t: string): void {
  token = t;
  for (const u of cache.values()) u.then((x) => URL.revokeObjectURL(x)).catch(() => {});
  cache.clear();
}

const idRe = /^[A-Za-z0-9_-]{1,128}$/;

export async function upload(body: Blob, kind: UploadKind, name: string, durationMs = 0): Promise<Uploaded> {
  const q = new URLSearchParams({ kind, name });
  if (durationMs) q.set("duration_ms", String(Math.round(durationMs)));
  let r: Response;
  try {
    r = await fetch(`/media?${q}`, { method: "POST", body, headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError("unavailable", "offline");
  }
  if (!r.ok) {
    // Errors are JSON {code, message}; a server without media answers 404.
    let code = "";
    let message = "";
    let reason = "";
    try {
      const j = (await r.json()) as { code?: string; message?: string; reason?: string };
      code = j.code ?? "";
      message = j.message ?? "";
      reason = j.reason ?? "";
    } catch {
      /* not JSON */
    }
    if (!code && (r.status === 404 || r.status === 405 || r.status === 501)) throw new ApiError("unimplemented", "media upload is not available on this server");
    if (!code) code = r.status === 413 ? "too_large" : r.status >= 500 ? "unavailable" : "invalid_argument";
    throw new ApiError(code, message || `upload failed (${r.status})`, reason);
  }
  const u = (await r.json()) as Uploaded;
  if (!idRe.test(u.id)) throw new ApiError("internal", "bad media id");
  return u;
}

const cache = new Map<string, Promise<string>>();
const MAX = 300;

// blobURL fetches /media/{id} (or its thumbnail) and returns a blob: URL.
export function blobURL(id: string, thumb = false): Promise<string> {
  if (!idRe.test(id)) return Promise.reject(new Error("bad media id"));
  const k = thumb ? id + "/thumb" : id;
  let p = cache.get(k);
  if (p) {
    cache.delete(k);
    cache.set(k, p);
    return p;
  }
  p = fetch(`/media/${k}`, { headers: { Authorization: `Bearer ${token}` } }).then(async (r) => {
    if (!r.ok) throw new Error(`media ${r.status}`);
    return URL.createObjectURL(await r.blob());
  });
  p.catch(() => cache.delete(k));
  cache.set(k, p);
  while (cache.size > MAX) {
    const [old, v] = cache.entries().next().value as [string, Promise<string>];
    cache.delete(old);
    v.then((u) => URL.revokeObjectURL(u)).catch(() => {});
  }
  return p;
}

export async function download(id: string, name: string): Promise<void> {
  const url = await blobURL(id);
  const a = document.createElement("a");
  a.href = url;
  a.download = name || "file";
  document.body.appendChild(a);
  a.click();
  a.remove();
}

// imageSize reads an image's dimensions locally (for previews).
export function localURL(b: Blob): string {
  return URL.createObjectURL(b);
}
