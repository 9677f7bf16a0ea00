// Third-party group apps (docs/bots.md "Group apps"): the consent screen
// an app sends a group's owner to (/apps/authorize?app=…&group=…&scopes=…&
// redirect_uri=…&state=…), and the owner's "Apps in this group" list with
// revoke. Like the OAuth screen it stands alone, outside the tabs.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { appTarget, parseAppRequest } from "../lib/appauth";
import { consentCard, settled } from "./oauth";
import { avatar, busy, confirmBox, empty, errorText, header, row, section, toastError } from "./widgets";
import type { View } from "./shell";

export const APPS_AUTHORIZE_PATH = "/apps/authorize";

const scopeText = (s: string) => {
  switch (s) {
    case "groups:read":
      return t("ba_scope_groups");
    case "profiles:read":
      return t("ba_scope_profiles");
    case "messages:read":
      return t("ba_scope_messages_read");
    case "messages:send":
      return t("ba_scope_messages_send");
    case "apps:write":
      return t("ba_scope_apps");
    default:
      return s;
  }
};

export function appConsentScreen(): View {
  const { el, body, fail, leave } = consentCard("app-consent", t("ba_title"), "app");
  const r = parseAppRequest(location.search);
  if (!r) {
    fail(t("oauth_bad_request"));
    return { el };
  }
  const load = async () => {
    replace(body, h("p", "hint", t("loading")));
    try {
      const a = await settled(() => app.conn.call("botAppGet", { bot: r.app }, "botApp"));
      const name = a.bot?.name ?? "";
      const group = app.store?.groupTitle(r.group) ?? String(r.group);
      const allowBtn = h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { appConsent: "allow" } }, t("oauth_allow"));
      const denyBtn = h("button", { class: "btn wide", attrs: { type: "button" }, data: { appConsent: "deny" } }, t("oauth_deny"));
      allowBtn.addEventListener("click", () =>
        void busy(allowBtn, async () => {
          try {
            const c = await app.conn.call("botAppAuthorize", { app: r.app, group: r.group, scopes: r.scopes, redirectUri: r.redirect.href, codeChallenge: r.challenge }, "botAppCode");
            leave(appTarget(r, c.code), "allow");
          } catch (e) {
            fail(errorText(e));
          }
        }),
      );
      denyBtn.addEventListener("click", () => leave(appTarget(r, ""), "deny"));
      replace(
        body,
        h("div", "oauth-account", avatar(name, "", "l"), h("p", { class: "oauth-name", data: { appName: String(r.app) } }, name)),
        a.description ? h("p", "hint", a.description) : null,
        h("p", null, t("ba_asks", group)),
        h("ul", "oauth-grants", ...r.scopes.map((s) => h("li", { data: { scope: s } }, scopeText(s)))),
        h("p", "hint", t("ba_note")),
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

// groupBots lists the apps and bots granted scopes in a group I own, each
// with a revoke button.
export function groupBots(group: bigint): View {
  const list = h("div", { data: { groupBots: "" } });
  const load = async () => {
    try {
      await app.conn.ready();
      const l = await app.conn.call("botGroupApps", { group }, "botGroupApps");
      if (!l.apps.length) {
        replace(list, empty(t("ba_none")));
        return;
      }
      replace(
        list,
        section(
          null,
          ...l.apps.map((a) => {
            const name = a.bot?.name ?? "";
            const revoke = h("button", { class: "btn danger", attrs: { type: "button" }, data: { revoke: String(a.bot?.id ?? "") } }, t("ba_revoke"));
            revoke.addEventListener("click", () =>
              void busy(revoke, async () => {
                if (!(await confirmBox(t("ba_revoke_confirm", name), t("ba_revoke"), true))) return;
                try {
                  await app.conn.done("botAppRevoke", { group, bot: a.bot!.id });
                  await load();
                } catch (e) {
                  toastError(e);
                }
              }),
            );
            return row({
              icon: avatar(name, "", "s"),
              title: name,
              sub: (a.app ? "" : t("ba_bot") + " · ") + a.scopes.map(scopeText).join(", "),
              right: revoke,
              data: { groupBot: String(a.bot?.id ?? "") },
            });
          }),
        ),
      );
    } catch (e) {
      toastError(e);
    }
  };
  void load();
  const el = h(
    "div",
    { class: "pane", data: { screen: "group-bots" } },
    header({ title: t("ba_list_title"), back: `/chat/g/${group}/info` }),
    h("div", "pane-body padded", h("p", "hint", t("ba_list_hint")), list),
  );
  return { el };
}
