// The OAuth2 web authorization screen (/oauth/authorize?appid=…&
// redirect_uri=…&response_type=code&scope=…&state=…), where the developer
// API's /connect/oauth2/authorize sends browsers. snsapi_base authorizes
// at once and goes back to the account's page; snsapi_userinfo asks the
// user first. Allow returns to redirect_uri with code and state, Deny with
// the state alone, as WeChat does. It stands alone, outside the tabs: the
// page is on its way somewhere else.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { parseRequest, target } from "../lib/oauth";
import { ApiError } from "../lib/conn";
import { avatar, busy, errorText } from "./widgets";
import type { View } from "./shell";

export const OAUTH_PATH = "/oauth/authorize";

// settled runs a request once the connection is set up, again when the
// socket was replaced under it (just after signing in the client drops the
// signed-out socket and opens an authenticated one).
export async function settled<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    await app.conn.soon();
    try {
      return await fn();
    } catch (e) {
      if (i >= 2 || !(e instanceof ApiError) || e.code !== "unavailable") throw e;
    }
  }
}

// consentCard is the frame of a consent screen (this one, and a group
// app's in botapps.ts): its body, how it fails (data-PREFIX-error) and how
// it leaves for the requester's page (data-PREFIX-leaving).
export function consentCard(screen: string, title: string, prefix: string) {
  const body = h("div", { class: "oauth-body", attrs: { "aria-live": "polite" } });
  const el = h("div", { class: "auth oauth", data: { screen } }, h("main", { class: "auth-card oauth-card" }, h("h1", "oauth-title", title), body));
  const fail = (text: string) => replace(body, h("p", { class: "empty", attrs: { role: "alert" }, data: { [`${prefix}Error`]: "" } }, text));
  const leave = (href: string, how: string) => {
    replace(body, h("p", { class: "hint", data: { [`${prefix}Leaving`]: how } }, t("oauth_returning")));
    location.replace(href);
  };
  return { el, body, fail, leave };
}

export function oauthScreen(): View {
  const { el, body, fail, leave } = consentCard("oauth", t("oauth_title"), "oauth");
  const r = parseRequest(location.search);
  if (!r) {
    fail(t("oauth_bad_request"));
    return { el };
  }
  const allow = async () => {
    const a = await settled(() => app.conn.call("oaAuthorize", { appid: r.appid, scope: r.scope, redirectUri: r.redirect.href }, "oaAuthorization"));
    leave(target(r, a.code), "allow");
  };
  const load = async () => {
    replace(body, h("p", "hint", t("loading")));
    try {
      if (r.scope === "snsapi_base") return await allow();
      const p = await settled(() => app.conn.call("oaProfile", { ref: r.appid }, "oaProfile"));
      const a = p.account!;
      const allowBtn = h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { oauth: "allow" } }, t("oauth_allow"));
      const denyBtn = h("button", { class: "btn wide", attrs: { type: "button" }, data: { oauth: "deny" } }, t("oauth_deny"));
      allowBtn.addEventListener("click", () => void busy(allowBtn, allow));
      denyBtn.addEventListener("click", () => leave(target(r, ""), "deny"));
      replace(
        body,
        h("div", "oauth-account", avatar(a.name, a.avatar, "l"), h("p", { class: "oauth-name", data: { oauthAccount: a.appid } }, a.name)),
        h("p", null, t("oauth_asks")),
        h("ul", "oauth-grants", h("li", null, t("oauth_grant_profile"))),
        h("p", "hint", t("oauth_note")),
        h("div", "oauth-actions", allowBtn, denyBtn),
      );
      allowBtn.focus();
    } catch (e) {
      fail(errorText(e));
    }
  };
  void load();
  return { el };
}
