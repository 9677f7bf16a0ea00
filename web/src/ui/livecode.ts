// Live codes (活码): a group owner's list and details, and the screen a
// scanned live code opens.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { key } from "../lib/store";
import type { LiveCodeDay } from "../gen/hongyan/v1/livecode_pb.js";
import { busy, empty, header, row, section, toastError } from "./widgets";
import type { View } from "./shell";
import { barChart } from "./chart";

// liveCodes lists my live codes of group, with a form for a new one.
export function liveCodes(group: bigint): View {
  const st = app.store!;
  const list = h("div", { data: { liveCodes: "" } });
  const name = h("input", { attrs: { name: "name", maxlength: 26, required: true, "aria-label": t("lc_name") }, props: { value: st.groupTitle(group).slice(0, 26) } });
  const max = h("input", { attrs: { name: "max", type: "number", min: 2, max: 500, "aria-label": t("lc_max") }, props: { value: "500" } });
  const submit = h("button", { class: "btn primary", attrs: { type: "submit" } }, t("lc_create"));
  const form = h("form", { class: "dialog-form", data: { form: "livecode" } }, h("h2", null, t("lc_new")), h("label", null, t("lc_name"), name), h("label", null, t("lc_max"), max), submit);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(submit, async () => {
      try {
        const c = await app.conn.call("livecodeCreate", { name: name.value.trim(), template: group, maxMembers: Number(max.value) || 0 }, "liveCode");
        router.go(`/livecode/${c.id}`);
      } catch (err) {
        toastError(err);
      }
    });
  });
  const load = async () => {
    try {
      await app.conn.ready();
      const l = await app.conn.call("livecodeList", {}, "liveCodes");
      const mine = l.codes.filter((c) => c.template === group);
      replace(list, mine.length ? section(null, ...mine.map((c) => row({ title: c.name, sub: c.url, data: { liveCode: String(c.id) }, onClick: () => router.go(`/livecode/${c.id}`) }))) : empty(t("lc_none")));
    } catch (err) {
      toastError(err);
    }
  };
  void load();
  const el = h("div", { class: "pane", data: { screen: "livecodes" } }, header({ title: t("lc_title"), back: `/chat/g/${group}/info` }), h("div", "pane-body padded", h("p", "hint", t("lc_hint")), list, form));
  return { el };
}

// liveCode shows one of my live codes: its QR code, its groups, its scans.
export function liveCode(id: bigint): View {
  const body = h("div", "pane-body padded");
  const el = h("div", { class: "pane", data: { screen: "livecode" } }, header({ title: t("lc_title"), back: "/chats" }), body);
  // Opened by a link or a reload, the page may still be connecting.
  app.conn.ready().then(() => app.conn.call("livecodeGet", { id }, "liveCode")).then(
    (c) => {
      const token = c.url.slice(c.url.lastIndexOf("/l/") + 3);
      replace(
        body,
        h("div", { class: "qr-box", data: { liveCodeUrl: c.url } },
          h("h2", null, c.name),
          h("img", { class: "qr-img", attrs: { src: `/qr/livecode/${encodeURIComponent(token)}.svg`, alt: t("lc_title"), width: 240, height: 240 } }),
          h("code", "qr-url", c.url),
          h("p", "hint", t("lc_groups_n", c.groups.length, Number(c.scans))),
        ),
        section(null, ...c.groups.map((g, i) => row({
          title: t("lc_group_row", i + 1),
          sub: t("lc_scans_n", Number(g.scans)),
          right: g.full ? t("lc_full") : "",
          data: { liveCodeGroup: String(g.group) },
          onClick: g.group ? () => router.go(`/chat/g/${g.group}`) : undefined,
        }))),
        section(t("lc_days"), c.days.length ? bars(c.days) : empty(t("lc_no_scans"))),
      );
    },
    (err) => {
      replace(body, empty(t("group_not_found")));
      toastError(err);
    },
  );
  return { el };
}

// bars draws scans per day.
function bars(days: LiveCodeDay[]): SVGSVGElement {
  return barChart(days.map((d) => d.day), [days.map((d) => Number(d.scans))], t("lc_days"), { maxBar: 48 });
}

// liveCodeJoin is what a scanned live code (/l/{token}) opens.
export function liveCodeJoin(token: string): View {
  const st = app.store!;
  const btn = h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "livecode-join" } }, t("lc_join"));
  const status = h("p", { class: "hint", attrs: { role: "status" } });
  btn.addEventListener("click", () =>
    busy(btn, async () => {
      status.textContent = t("lc_joining");
      try {
        const r = await app.conn.call("livecodeScan", { token }, "liveCodeScanned");
        const g = await app.conn.call("getGroup", { group: r.group }, "group");
        st.groups.set(key(g.id), g);
        await st.putOne("groups", g.id, g, "groups");
        router.go(`/chat/g/${g.id}`, true);
      } catch (err) {
        status.textContent = "";
        toastError(err);
      }
    }),
  );
  const el = h("div", { class: "pane", data: { screen: "livecode-join" } }, header({ title: t("lc_join_title"), back: "/contacts" }), h("div", "pane-body padded", h("p", null, t("lc_join_hint")), btn, status));
  return { el };
}
