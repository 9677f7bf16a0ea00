// The Group Guard's screen: a group's rules (owner and admins), adding the
// Guard's bot to the group (owner), and the log with undo.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import type { GuardAction, GuardRules } from "../gen/hongyan/v1/guard_pb.js";
import { busy, empty, header, row, section, toast, toastError } from "./widgets";
import { pickContacts } from "./pickers";
import type { View } from "./shell";

const guardScopes = ["messages:send", "groups:read", "members:manage"];

// guard shows group's Group Guard.
export function guard(group: bigint): View {
  const st = app.store!;
  const body = h("div", "pane-body padded");
  const el = h("div", { class: "pane", data: { screen: "guard" } }, header({ title: t("gd_title"), back: `/chat/g/${group}/info` }), body);
  const check = (name: string, label: string, on: boolean) => {
    const input = h("input", { attrs: { type: "checkbox", name }, props: { checked: on } });
    return { input, el: h("label", "row toggle", h("span", "row-main", h("span", "row-title", label)), input) };
  };
  const who = (u: bigint) => st.name(u, group);
  const actionRow = (a: GuardAction): HTMLElement => {
    const what = t(`gd_did_${a.did}` as "gd_did_warn", who(a.user));
    const why = a.rule ? t(`gd_rule_${a.rule}` as "gd_rule_link") + (a.detail ? ` · ${a.detail}` : "") : "";
    const sub = [why, a.error ? t("gd_failed", a.error) : "", new Date(Number(a.at)).toLocaleString()].filter(Boolean).join(" · ");
    let right: HTMLElement | string = "";
    if (a.undone) {
      right = t("gd_undone");
    } else if (a.did === "remove_member" || a.did === "warn") {
      const b = h("button", { class: "btn small", attrs: { type: "button" }, data: { undo: String(a.id) } }, t("gd_undo"));
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        void busy(b, async () => {
          try {
            await app.conn.call("guardUndo", { action: a.id }, "guardAction");
            void loadLog();
          } catch (err) {
            toastError(err);
          }
        });
      });
      right = b;
    } else if (a.did === "remove_message") {
      right = h("span", { class: "hint", attrs: { title: t("gd_undo_msg") } }, "—");
    }
    return row({ title: what, sub, right, data: { guardAction: String(a.id) } });
  };
  const log = h("div", { data: { guardLog: "" } });
  const loadLog = async () => {
    try {
      const l = await app.conn.call("guardLog", { group, limit: 50 }, "guardLog");
      replace(log, l.actions.length ? section(t("gd_log"), ...l.actions.map(actionRow)) : section(t("gd_log"), empty(t("gd_log_none"))));
    } catch (err) {
      toastError(err);
    }
  };
  const render = (r: GuardRules) => {
    const enabled = check("enabled", t("gd_enabled"), r.enabled);
    const links = check("links", t("gd_links"), r.links);
    const qr = check("qr_images", t("gd_qr"), r.qrImages);
    const newLinks = check("new_member_links", t("gd_new_links"), r.newMemberLinks);
    const rmMsg = check("remove_message", t("gd_remove_message"), r.removeMessage);
    const rmMember = check("remove_member", t("gd_remove_member"), r.removeMember);
    const keywords = h("textarea", { attrs: { name: "keywords", rows: 4, maxlength: 2000, "aria-label": t("gd_keywords") }, props: { value: r.keywords.join("\n") } });
    const hours = h("input", { attrs: { name: "new_member_hours", type: "number", min: 1, max: 720, "aria-label": t("gd_new_hours") }, props: { value: String(r.newMemberHours || 24) } });
    const warnings = h("input", { attrs: { name: "warnings", type: "number", min: 0, max: 10, "aria-label": t("gd_warnings") }, props: { value: String(r.warnings) } });
    const save = h("button", { class: "btn primary", attrs: { type: "submit" } }, t("gd_save"));
    const form = h("form", { class: "dialog-form", data: { form: "guard" } },
      enabled.el,
      h("h2", null, t("gd_match")),
      h("label", null, t("gd_keywords"), keywords),
      links.el, qr.el, newLinks.el,
      h("label", null, t("gd_new_hours"), hours),
      h("h2", null, t("gd_action")),
      rmMsg.el, rmMember.el,
      h("label", null, t("gd_warnings"), warnings),
      save,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void busy(save, async () => {
        try {
          const got = await app.conn.call("guardSet", {
            group, enabled: enabled.input.checked, links: links.input.checked, qrImages: qr.input.checked, newMemberLinks: newLinks.input.checked,
            removeMessage: rmMsg.input.checked, removeMember: rmMember.input.checked,
            keywords: keywords.value.split(/[\n,，]/).map((k) => k.trim()).filter(Boolean),
            newMemberHours: Number(hours.value) || 0, warnings: Number(warnings.value) || 0,
          }, "guardRules");
          toast(t("gd_saved"));
          render(got);
        } catch (err) {
          toastError(err);
        }
      });
    });
    const add = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "guard-add" } }, t("gd_add"));
    add.addEventListener("click", () => void busy(add, async () => {
      try {
        await app.conn.done("botAddToGroup", { group, bot: r.bot, scopes: guardScopes });
        toast(t("gd_added"));
      } catch (err) {
        toastError(err);
      }
    }));
    const invite = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "guard-invite" } }, t("or_invite_batch"));
    invite.addEventListener("click", () => void busy(invite, async () => {
      const users = await pickContacts(t("or_invite_batch"), [], 1);
      if (!users) return;
      try {
        const res = await app.conn.call("groupInviteBatch", { group, users: users.slice(0, 100) }, "groupToolResults");
        const failed = res.results.filter((x) => x.errorCode);
        toast(t("or_invited", res.results.length - failed.length, failed.length));
      } catch (err) {
        toastError(err);
      }
    }));
    replace(body, h("p", "hint", t("gd_hint")), add, invite, form, log);
    void loadLog();
  };
  app.conn.ready().then(() => app.conn.call("guardGet", { group }, "guardRules")).then(render, (err) => {
    replace(body, empty(t("group_not_found")));
    toastError(err);
  });
  return { el };
}
