// Outreach: a broadcast to the contacts carrying a customer tag, and the
// people who are in several of my groups.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { newClientId } from "../lib/outbox";
import { busy, empty, header, row, section, toastError } from "./widgets";
import type { View } from "./shell";

// tagBroadcast sends one message to each contact carrying a tag.
export function tagBroadcast(): View {
  const st = app.store!;
  const tag = h("input", { attrs: { name: "tag", maxlength: 32, required: true, "aria-label": t("or_tag"), placeholder: t("or_tag") } });
  const text = h("textarea", { attrs: { name: "text", rows: 4, maxlength: 4000, required: true, "aria-label": t("message"), placeholder: t("message") } });
  const result = h("div", "results");
  const send = h("button", { class: "btn primary", attrs: { type: "submit" }, data: { action: "send" } }, t("send"));
  const form = h("form", { class: "dialog-form", data: { form: "tag-broadcast" } }, h("label", null, t("or_tag"), tag), text, send);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(send, async () => {
      if (!tag.value.trim() || !text.value.trim()) return;
      try {
        const r = await app.conn.call("tagBroadcast", { tag: tag.value.trim(), text: text.value.trim(), clientId: newClientId().slice(0, 40) }, "broadcast");
        const failed = r.results.filter((x) => x.error);
        replace(result, h("p", "hint", t("broadcast_done", r.results.length - failed.length, failed.length)), ...failed.map((f) => h("p", "form-error", `${st.name(f.peer)}: ${f.error?.message ?? ""}`)));
        text.value = "";
      } catch (err) {
        toastError(err);
      }
    });
  });
  const el = h("div", { class: "pane", data: { screen: "tag-broadcast" } }, header({ title: t("or_tag_broadcast"), back: "/discover" }), h("div", "pane-body padded", h("p", "hint", t("or_tag_hint")), form, result));
  return { el };
}

// commonMembers lists the people who share at least two of my groups.
export function commonMembers(): View {
  const st = app.store!;
  const list = h("div", { data: { common: "" } });
  const min = h("select", { attrs: { name: "min", "aria-label": t("or_min") } }, ...[2, 3, 4, 5].map((n) => h("option", { attrs: { value: String(n) } }, t("or_min_n", n))));
  const load = async () => {
    try {
      await app.conn.ready();
      const r = await app.conn.call("commonMembers", { minShared: Number(min.value) || 2, limit: 200 }, "commonMembers");
      replace(list, r.people.length
        ? section(null, ...r.people.map((p) => row({ title: st.name(p.user), sub: p.groups.map((g) => st.groupTitle(g)).join(t("list_sep")), right: t("or_groups_n", p.groups.length), data: { commonUser: String(p.user) }, onClick: () => router.go(`/contacts/u/${p.user}`) })))
        : empty(t("or_none")));
    } catch (err) {
      toastError(err);
    }
  };
  min.addEventListener("change", () => void load());
  void load();
  const el = h("div", { class: "pane", data: { screen: "common-members" } }, header({ title: t("or_common"), back: "/contacts" }), h("div", "pane-body padded", h("p", "hint", t("or_common_hint")), h("label", null, t("or_min"), min), list));
  return { el };
}
