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

// Upload sizes, as the command-line client uses them: content up to
// SINGLE_MAX bytes goes in one request; larger content through the
// server's resumable uploads (POST /media/uploads, then PATCH chunks of
// CHUNK bytes), which a dropped connection or a reload resumes from the
// offset the server has.
export const SINGLE_MAX = 8 << 20;
export const CHUNK = 2 << 20;

export interface UploadOptions {
  durationMs?: number;
  // Bytes sent so far, as they go.
  onProgress?: (sent: number, total: number) => void;
  // Aborting stops the upload (ApiError "cancelled").
  signal?: AbortSignal;
  // A resumable upload already started for this content, and where to
  // remember a new one (so that a retry, or a reload, resumes it).
  resumeId?: string;
  onStarted?: (id: string) => void | Promise<void>;
}

export async function upload(body: Blob, kind: UploadKind, name: string, opt: UploadOptions = {}): Promise<Uploaded> {
  const total = body.size;
  const progress = (n: number) => opt.onProgress?.(Math.min(n, total), total);
  let u: Uploaded;
  if (total <= SINGLE_MAX) {
    const q = new URLSearchParams({ kind, name });
    if (opt.durationMs) q.set("duration_ms", String(Math.round(opt.durationMs)));
    u = (await request("POST", `/media?${q}`, body, {}, progress, opt.signal)).json as Uploaded;
  } else {
    u = await resumable(body, kind, name, opt, progress);
  }
  progress(total);
  if (!u || !idRe.test(u.id)) throw new ApiError("internal", "bad media id");
  return u;
}

interface UploadState {
  id: string;
  offset: number;
  size: number;
  media?: Uploaded;
}

async function resumable(body: Blob, kind: UploadKind, name: string, opt: UploadOptions, progress: (n: number) => void): Promise<Uploaded> {
  const total = body.size;
  let id = opt.resumeId && idRe.test(opt.resumeId) ? opt.resumeId : "";
  let offset = 0;
  if (id) {
    try {
      offset = await serverOffset(id, opt.signal);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== "not_found") throw e;
      id = ""; // expired or lost: start again
    }
  }
  if (!id) {
    const start = JSON.stringify({ kind, name, size: total, duration_ms: Math.round(opt.durationMs ?? 0) });
    const st = (await request("POST", "/media/uploads", start, { "Content-Type": "application/json" }, undefined, opt.signal)).json as UploadState;
    if (!st || !idRe.test(st.id)) throw new ApiError("internal", "bad upload id");
    id = st.id;
    offset = st.offset;
    await opt.onStarted?.(id);
  }
  progress(offset);
  for (;;) {
    const chunk = body.slice(offset, Math.min(total, offset + CHUNK));
    let st: UploadState;
    try {
      const at = offset;
      st = (await request("PATCH", `/media/uploads/${id}`, chunk, { "Upload-Offset": String(offset) }, (n) => progress(at + n), opt.signal)).json as UploadState;
    } catch (e) {
      // The server is elsewhere (a chunk whose answer was lost): ask it.
      if (e instanceof ApiError && e.code === "failed_precondition") {
        offset = await serverOffset(id, opt.signal);
        continue;
      }
      throw e;
    }
    if (st.media) return st.media;
    offset = st.offset;
    progress(offset);
    // offset === total without media: the last answer was lost; the
    // empty chunk at the end returns the media.
  }
}

async function serverOffset(id: string, signal?: AbortSignal): Promise<number> {
  const r = await request("HEAD", `/media/uploads/${id}`, null, {}, undefined, signal);
  const off = Number(r.header("Upload-Offset"));
  if (!Number.isSafeInteger(off) || off < 0) throw new ApiError("internal", "bad upload offset");
  return off;
}

interface Answer {
  json: unknown;
  header: (name: string) => string | null;
}

// request sends an authenticated media request with XMLHttpRequest, the
// one browser API that reports upload progress. Errors are ApiErrors:
// the server's {code, message}, "unavailable" when the network failed,
// "cancelled" when aborted.
function request(method: string, url: string, body: Blob | string | null, headers: Record<string, string>, onSent?: (n: number) => void, signal?: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ApiError("cancelled", "cancelled"));
    const x = new XMLHttpRequest();
    x.open(method, url);
    x.setRequestHeader("Authorization", `Bearer ${token}`);
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    if (onSent) x.upload.onprogress = (e) => onSent(e.loaded);
    const onAbort = () => x.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => signal?.removeEventListener("abort", onAbort);
    x.onabort = () => (done(), reject(new ApiError("cancelled", "cancelled")));
    x.onerror = x.ontimeout = () => (done(), reject(new ApiError("unavailable", "offline")));
    x.onload = () => {
      done();
      let json: unknown = null;
      try {
        json = x.responseText ? JSON.parse(x.responseText) : null;
      } catch {
        /* not JSON */
      }
      const header = (n: string) => x.getResponseHeader(n);
      if (x.status >= 200 && x.status < 300) return resolve({ json, header });
      // Errors are JSON {code, message}; a server without media answers 404.
      const j = (json ?? {}) as { code?: string; message?: string; reason?: string };
      let code = j.code ?? "";
      if (!code && method !== "HEAD" && (x.status === 404 || x.status === 405 || x.status === 501)) return reject(new ApiError("unimplemented", "media upload is not available on this server"));
      if (!code) code = x.status === 404 ? "not_found" : x.status === 409 ? "failed_precondition" : x.status === 413 ? "too_large" : x.status >= 500 ? "unavailable" : "invalid_argument";
      reject(new ApiError(code, j.message || `upload failed (${x.status})`, j.reason ?? ""));
    };
    x.send(body);
  });
}

const cache = new Map<string, Promise<string>>();
const MAX = 300;

// blobURL fetches /media/{id} (or its thumbnail) and returns a blob: URL.
export function blobURL(id: string, thumb = false): Promise<string> {
  if (!idRe.test(id)) return Promise.reject(new Error("bad media id"));
  return cached(thumb ? id + "/thumb" : id);
}

// oaMediaURL fetches an official account's temporary media file (a
// follower's voice clip or video) for the account's operators
// (/media/oa/{account}/{id}) and returns a blob: URL.
export function oaMediaURL(account: bigint, id: string): Promise<string> {
  if (!idRe.test(id)) return Promise.reject(new Error("bad media id"));
  return cached(`oa/${account}/${id}`);
}

function cached(k: string): Promise<string> {
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
