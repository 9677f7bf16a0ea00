// Outreach: a broadcast to the contacts carrying a customer tag, and the
// people who are in several of my groups.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { newClientId } from "../lib/outbox";
import { key } from "../lib/store";
import { GroupRole, type Message } from "../lib/proto";
import { ApiError } from "../lib/conn";
import { busy, empty, errorText, header, modal, row, section, toastError } from "./widgets";
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

// The most groups one forward reaches (the server's limit).
const maxForwardGroups = 20;

// forwardToGroups forwards a group's text message m to groups I own or
// administer, through the Group Guard, and says per group whether it was
// sent or why not (the hourly limit, no Guard there).
export function forwardToGroups(m: Message): void {
  const st = app.store!;
  const groups = [...st.groups.values()]
    .filter((g) => g.id !== m.group && !g.dissolved && (g.role === GroupRole.OWNER || g.role === GroupRole.ADMIN))
    .sort((a, b) => st.groupTitle(a.id).localeCompare(st.groupTitle(b.id)));
  const chosen = new Set<string>();
  const filter = h("input", { attrs: { type: "search", name: "filter", placeholder: t("search"), "aria-label": t("search") } });
  const count = h("p", { class: "hint", attrs: { "aria-live": "polite" } }, t("or_forward_pick", maxForwardGroups));
  const send = h("button", { class: "btn primary", attrs: { type: "button" }, props: { disabled: true }, data: { action: "forward-groups-send" } }, t("or_forward_send"));
  const boxes = groups.map((g) => {
    const title = st.groupTitle(g.id);
    const box = h("input", { attrs: { type: "checkbox", "aria-label": title } });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(key(g.id));
      else chosen.delete(key(g.id));
      for (const b of boxes) if (!b.box.checked) b.box.disabled = chosen.size >= maxForwardGroups;
      send.disabled = chosen.size === 0;
      send.textContent = chosen.size ? `${t("or_forward_send")} (${chosen.size})` : t("or_forward_send");
    });
    return { g, title, box, el: h("label", { class: "row", data: { forwardGroup: title } }, box, h("span", "row-main", h("span", "row-title", title))) };
  });
  const list = h("div", "pick-list", ...boxes.map((b) => b.el));
  if (!groups.length) list.appendChild(empty(t("or_forward_none")));
  filter.addEventListener("input", () => {
    const q = filter.value.trim().toLowerCase();
    for (const b of boxes) b.el.hidden = !!q && !b.title.toLowerCase().includes(q);
  });
  const results = h("div", { class: "results", attrs: { "aria-live": "polite" }, data: { forwardResults: "" } });
  const outcome = (code: string, message: string): string =>
    !code ? t("or_forward_sent")
    : code === "rate_limited" ? t("or_forward_limited")
    : code === "permission_denied" || code === "not_found" ? t("or_forward_no_guard")
    : t("or_forward_failed", errorText(new ApiError(code, message)));
  send.addEventListener("click", () => void busy(send, async () => {
    const to = groups.filter((g) => chosen.has(key(g.id))).map((g) => g.id);
    if (!to.length) return;
    try {
      const r = await app.conn.call("groupForward", { fromGroup: m.group, seq: m.seq, toGroups: to }, "groupToolResults");
      const failed = r.results.filter((x) => x.errorCode).length;
      replace(
        results,
        h("p", { class: "hint", data: { forwardDone: "" } }, t("or_forward_done", r.results.length - failed, failed)),
        ...r.results.map((x) => h("p", { class: x.errorCode ? "form-error" : "hint", data: { forwardResult: x.errorCode || "sent" } }, `${st.groupTitle(x.group)}: ${outcome(x.errorCode, x.errorMessage)}`)),
      );
    } catch (err) {
      toastError(err);
    }
  }));
  modal(h("div", { class: "picker", data: { screen: "forward-groups" } }, h("h2", null, t("or_forward_title")), h("p", "hint", t("or_forward_hint")), filter, count, list, h("div", "dialog-actions", send), results));
}
