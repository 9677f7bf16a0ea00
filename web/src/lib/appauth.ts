// Third-party group apps' consent requests as the consent screen reads
// them: the query of /apps/authorize (docs/bots.md "Group apps"), checked
// as the server checks it, and where the browser goes afterwards.

export interface AppAuthRequest {
  app: bigint;
  group: bigint;
  scopes: string[];
  redirect: URL;
  state: string;
  challenge: string;
}

// The scopes an app may ask for (internal/bot AppScopes).
export const APP_SCOPES = ["groups:read", "profiles:read", "messages:read", "messages:send", "apps:write"];

const ID = /^[1-9][0-9]{0,18}$/;

// parseAppRequest checks the query; the redirect must be http(s), never a
// script URL. Undefined: the request is malformed.
export function parseAppRequest(search: string): AppAuthRequest | undefined {
  if (search.length > 4096) return undefined;
  const q = new URLSearchParams(search);
  const app = q.get("app") ?? "";
  const group = q.get("group") ?? "";
  const state = q.get("state") ?? "";
  const challenge = q.get("code_challenge") ?? "";
  const scopes = (q.get("scopes") ?? "").split(",").map((s) => s.trim()).filter((s) => s);
  if (!ID.test(app) || !ID.test(group)) return undefined;
  if (!scopes.length || scopes.some((s) => !APP_SCOPES.includes(s))) return undefined;
  if (new TextEncoder().encode(state).length > 128 || challenge.length > 128) return undefined;
  let redirect: URL;
  try {
    redirect = new URL(q.get("redirect_uri") ?? "");
  } catch {
    return undefined;
  }
  if ((redirect.protocol !== "http:" && redirect.protocol !== "https:") || !redirect.host || redirect.username || redirect.password || redirect.hash) return undefined;
  return { app: BigInt(app), group: BigInt(group), scopes: [...new Set(scopes)], redirect, state, challenge };
}

// appTarget is where the browser goes: redirect_uri with code and state
// when allowed, with error=access_denied and state when declined.
export function appTarget(r: AppAuthRequest, code: string): string {
  const u = new URL(r.redirect.href);
  if (code) u.searchParams.set("code", code);
  else u.searchParams.set("error", "access_denied");
  u.searchParams.set("state", r.state);
  return u.href;
}
