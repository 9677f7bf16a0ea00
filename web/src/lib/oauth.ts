// OAuth2 authorize requests as the consent screen reads them: the query
// of /oauth/authorize, checked as the server checks it (internal/oaapi
// checkAuthorize), and where the user agent goes afterwards.

export interface AuthRequest {
  appid: string;
  redirect: URL;
  scope: "snsapi_base" | "snsapi_userinfo";
  state: string;
}

// parseRequest checks the query as the server does (internal/oaapi
// checkAuthorize); the redirect must be http(s), never a script URL.
export function parseRequest(search: string): AuthRequest | undefined {
  if (search.length > 4096) return undefined;
  const q = new URLSearchParams(search);
  const appid = q.get("appid") ?? "";
  const scope = q.get("scope") ?? "";
  const state = q.get("state") ?? "";
  const raw = q.get("redirect_uri") ?? "";
  if (!appid || appid.length > 64 || q.get("response_type") !== "code") return undefined;
  if (scope !== "snsapi_base" && scope !== "snsapi_userinfo") return undefined;
  if (new TextEncoder().encode(state).length > 128) return undefined;
  let redirect: URL;
  try {
    redirect = new URL(raw);
  } catch {
    return undefined;
  }
  if ((redirect.protocol !== "http:" && redirect.protocol !== "https:") || !redirect.host || redirect.username || redirect.password) return undefined;
  return { appid, redirect, scope, state };
}

// target is where the user agent goes: redirect_uri with code (when
// allowed) and state (internal/oaapi AuthRequest.Redirect).
export function target(r: AuthRequest, code: string): string {
  const u = new URL(r.redirect.href);
  if (code) u.searchParams.set("code", code);
  u.searchParams.set("state", r.state);
  u.hash = "";
  return u.href;
}
