// The official-account console: operators create accounts and run them —
// replies and keyword rules, the menu editor with its preview, articles,
// templates, broadcasts within the quota, followers, statistics as charts,
// and the developer settings. What a role may do is the server's rule; the
// console shows the server's answer.
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import type { OaAccount, OaButton, OaDayStats, OaFan, OaRule, OaTag } from "../gen/hongyan/v1/officialacct_pb.js";
import { OaKind, OaRole } from "../gen/hongyan/v1/officialacct_pb.js";
import { ask, confirmBox, empty, errorText, header, row, section, toast, toastError } from "./widgets";
import type { View } from "./shell";
import { forumModeration } from "./oaforum";
import { oaInbox } from "./oainbox";

// Shared is what the console's sections share: the account's tags and the
// followers chosen in the follower list (to tag them, or to broadcast to
// them). Sections listen for changes.
class Shared {
  tags: OaTag[] = [];
  chosen = new Set<bigint>();
  private fns = new Map<string, (() => void)[]>();
  constructor(readonly id: bigint) {}
  on(topic: "tags" | "chosen" | "fans", fn: () => void): void {
    this.fns.set(topic, [...(this.fns.get(topic) ?? []), fn]);
  }
  emit(topic: "tags" | "chosen" | "fans"): void {
    for (const fn of this.fns.get(topic) ?? []) fn();
  }
  async loadTags(): Promise<void> {
    this.tags = (await app.conn.call("oaTags", { account: this.id }, "oaTags")).tags;
    this.emit("tags");
  }
  tagName(id: bigint): string {
    return this.tags.find((x) => x.id === id)?.name ?? `#${id}`;
  }
}

const field = (label: string, el: HTMLElement) => h("label", "field", h("span", null, label), el);
const btn = (label: string, onClick: () => void | Promise<void>, data: Record<string, string> = {}, primary = false) =>
  h("button", { class: primary ? "btn primary" : "btn", attrs: { type: "button" }, data, on: { click: () => void onClick() } }, label);

function roleName(r: OaRole): string {
  return r === OaRole.ADMIN ? t("oa_role_admin") : r === OaRole.EDITOR ? t("oa_role_editor") : r === OaRole.ANALYST ? t("oa_role_analyst") : "";
}

// The accounts you operate, and creating one.
export function oaConsole(): View {
  const body = h("div", "pane-body padded");
  const load = async () => {
    try {
      const as = (await app.conn.call("oaOperated", {}, "oaAccounts")).accounts;
      replace(
        body,
        btn(t("oa_create"), create, { oaCreate: "1" }, true),
        as.length
          ? section(null, ...as.map((a) => row({ title: a.name, sub: `${a.appid} · ${roleName(a.role)}`, onClick: () => router.go(`/oa/console/${a.id}`), data: { oaConsole: String(a.id) } })))
          : empty(t("oa_console_empty")),
      );
    } catch (e) {
      replace(body, h("p", "empty", errorText(e)));
    }
  };
  const create = async () => {
    const v = await ask(t("oa_create"), [
      { name: "org", label: t("oa_org") },
      { name: "name", label: t("oa_name") },
      { name: "kind", label: t("oa_kind"), options: [["1", t("oa_subscription")], ["2", t("oa_service")]], value: "1" },
    ]);
    if (!v) return;
    try {
      const r = await app.conn.call("oaCreate", { org: v.org, name: v.name, kind: Number(v.kind) }, "oaCreated");
      await confirmBox(t("oa_secret_once", r.account!.appid, r.appsecret));
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  void load();
  const el = h("div", { class: "pane", data: { screen: "oa-console" } }, header({ title: t("oa_console"), back: "/discover" }), body);
  return { el };
}

// One account's console.
export function oaConsoleAccount(id: bigint): View {
  const body = h("div", "pane-body padded oa-console");
  const title = h("span", null, t("oa_console"));
  let acct: OaAccount | undefined;
  const load = async () => {
    try {
      acct = (await app.conn.call("oaOperated", {}, "oaAccounts")).accounts.find((a) => a.id === id);
      if (!acct) return replace(body, empty(t("oa_not_operator")));
      title.textContent = acct.name;
      const shared = new Shared(id);
      replace(
        body,
        h("p", "hint", `${acct.appid} · ${acct.originalId} · ${acct.kind === OaKind.SERVICE ? t("oa_service") : t("oa_subscription")} · ${roleName(acct.role)}`),
        replies(acct),
        rules(id),
        menuEditor(acct),
        broadcasts(shared),
        articles(id),
        stats(id),
        tagEditor(shared),
        followers(shared),
        oaInbox(id, card),
        forumModeration(id, card),
        templates(id),
        qrCodes(id),
        operators(acct),
        developer(acct),
      );
      shared.loadTags().catch(() => {});
    } catch (e) {
      replace(body, h("p", "empty", errorText(e)));
    }
  };
  void load();
  const el = h("div", { class: "pane", data: { screen: "oa-console-account" } }, header({ title, back: "/oa/console" }), body);
  return { el };
}

function card(titleText: string, data: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return h("section", { class: "oa-section", data: { oaSection: data } }, h("h2", "section-title", titleText), ...children);
}

function replies(a: OaAccount): HTMLElement {
  const welcome = h("textarea", { attrs: { rows: 2, name: "welcome", maxlength: "2000" }, props: { value: a.settings?.welcome?.text ?? "" } });
  const def = h("textarea", { attrs: { rows: 2, name: "default", maxlength: "2000" }, props: { value: a.settings?.defaultReply?.text ?? "" } });
  const text = (x: HTMLTextAreaElement) => (x.value.trim() ? { kind: "text", text: x.value } : undefined);
  return card(
    t("oa_replies"),
    "replies",
    field(t("oa_welcome"), welcome),
    field(t("oa_default_reply"), def),
    btn(t("save"), async () => {
      try {
        await app.conn.call("oaSetReplies", { account: a.id, welcome: text(welcome), defaultReply: text(def) }, "oaAccount");
        toast(t("saved"));
      } catch (e) {
        toastError(e);
      }
    }, { oaSave: "replies" }),
  );
}

function rules(id: bigint): HTMLElement {
  const list = h("div", "oa-rules");
  const keyword = h("input", { attrs: { name: "keyword", maxlength: "30", placeholder: t("oa_keyword") } });
  const match = h("select", { attrs: { name: "match", "aria-label": t("oa_match") } }, h("option", { attrs: { value: "exact" } }, t("oa_exact")), h("option", { attrs: { value: "contains" } }, t("oa_contains")));
  const prio = h("input", { attrs: { name: "priority", type: "number", min: "0", max: "1000", value: "0", "aria-label": t("oa_priority") } });
  const reply = h("input", { attrs: { name: "reply", maxlength: "2000", placeholder: t("oa_reply") } });
  const show = (rs: OaRule[]) =>
    replace(
      list,
      ...(rs.length
        ? rs.map((r) =>
            h(
              "div",
              { class: "oa-rule", data: { rule: String(r.id), keyword: r.keyword } },
              h("strong", null, r.keyword),
              h("span", "hint", ` ${r.contains ? t("oa_contains") : t("oa_exact")} · ${r.priority} → `),
              h("span", null, r.reply?.text ?? ""),
              btn(t("delete"), async () => {
                try {
                  await app.conn.done("oaDeleteRule", { account: id, id: r.id });
                  await load();
                } catch (e) {
                  toastError(e);
                }
              }),
            ),
          )
        : [empty(t("oa_no_rules"))]),
    );
  const load = async () => {
    try {
      show((await app.conn.call("oaRules", { account: id }, "oaRules")).rules);
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  void load();
  return card(
    t("oa_rules"),
    "rules",
    list,
    h("div", "oa-form-row", keyword, match, prio, reply),
    btn(t("oa_add_rule"), async () => {
      try {
        await app.conn.call("oaAddRule", { account: id, keyword: keyword.value, contains: match.value === "contains", priority: Number(prio.value) || 0, reply: { kind: "text", text: reply.value } }, "oaRule");
        keyword.value = reply.value = "";
        await load();
      } catch (e) {
        toastError(e);
      }
    }, { oaAdd: "rule" }),
  );
}

// The menu editor: up to 3 buttons, each a click or link button or a
// parent of up to 5; the preview shows the bar as followers see it.
function menuEditor(a: OaAccount): HTMLElement {
  type B = { name: string; type: string; value: string; sub: B[] };
  const toB = (b: OaButton): B => ({ name: b.name, type: b.sub.length ? "parent" : b.type, value: b.type === "view" ? b.url : b.key, sub: b.sub.map(toB) });
  let buttons: B[] = (a.menu?.buttons ?? []).map(toB);
  const editor = h("div", "oa-menu-editor");
  const preview = h("div", { class: "oa-menu oa-preview", data: { oaPreview: "menu" } });
  const fromB = (b: B): Record<string, unknown> =>
    b.type === "parent" ? { name: b.name, sub: b.sub.map(fromB) } : { name: b.name, type: b.type, key: b.type === "click" ? b.value : "", url: b.type === "view" ? b.value : "" };
  const line = (b: B, list: B[], depth: number): HTMLElement => {
    const name = h("input", { attrs: { maxlength: depth ? "60" : "16", placeholder: t("oa_button_name"), "aria-label": t("oa_button_name") }, props: { value: b.name } });
    const types: [string, string][] = [["click", t("oa_click")], ["view", t("oa_view")]];
    if (!depth) types.push(["parent", t("oa_parent")]);
    const type = h("select", { attrs: { "aria-label": t("oa_button_type") } }, ...types.map(([v, l]) => h("option", { attrs: { value: v }, props: { selected: v === b.type } }, l)));
    const value = h("input", { attrs: { placeholder: t("oa_key_or_url"), "aria-label": t("oa_key_or_url") }, props: { value: b.value } });
    name.addEventListener("input", () => ((b.name = name.value), renderPreview()));
    value.addEventListener("input", () => (b.value = value.value));
    type.addEventListener("change", () => ((b.type = type.value), render()));
    const remove = btn(t("delete"), () => (list.splice(list.indexOf(b), 1), render()));
    const out = h("div", { class: `oa-menu-line depth${depth}`, data: { menuLine: String(depth) } }, name, type, b.type === "parent" ? null : value, remove);
    if (b.type !== "parent") return out;
    return h(
      "div",
      "oa-menu-parent",
      out,
      ...b.sub.map((s) => line(s, b.sub, 1)),
      b.sub.length < 5 ? btn(t("oa_add_sub"), () => (b.sub.push({ name: "", type: "click", value: "", sub: [] }), render()), { oaAdd: "sub" }) : null,
    );
  };
  const renderPreview = () =>
    replace(preview, ...buttons.map((b) => h("div", "oa-menu-btn", b.name || "…", b.type === "parent" ? h("span", "hint", ` (${b.sub.length})`) : null)));
  const render = () => {
    replace(editor, ...buttons.map((b) => line(b, buttons, 0)), buttons.length < 3 ? btn(t("oa_add_button"), () => (buttons.push({ name: "", type: "click", value: "", sub: [] }), render()), { oaAdd: "button" }) : null);
    renderPreview();
  };
  render();
  return card(
    t("oa_menu"),
    "menu",
    editor,
    h("div", "hint", t("oa_preview")),
    preview,
    h(
      "div",
      "oa-actions",
      btn(t("save"), async () => {
        try {
          await app.conn.call("oaSetMenu", { account: a.id, menu: buttons.length ? { buttons: buttons.map(fromB) } : undefined }, "oaAccount");
          toast(t("saved"));
        } catch (e) {
          toastError(e);
        }
      }, { oaSave: "menu" }, true),
      btn(t("oa_delete_menu"), async () => {
        try {
          await app.conn.call("oaSetMenu", { account: a.id }, "oaAccount");
          buttons = [];
          render();
        } catch (e) {
          toastError(e);
        }
      }),
    ),
  );
}

// Broadcasts: to all followers, to a tag's or to the followers chosen in
// the follower list; a preview goes to the operator first; the quota left
// shows above.
function broadcasts(shared: Shared): HTMLElement {
  const id = shared.id;
  const text = h("textarea", { attrs: { rows: 3, name: "broadcast", maxlength: "2000", "aria-label": t("oa_broadcast_text") } });
  const quota = h("p", { class: "hint", data: { oaQuota: "1" } });
  const list = h("div", "oa-broadcasts");
  const target = h("select", { attrs: { name: "target", "aria-label": t("oa_target") } });
  const tag = h("select", { attrs: { name: "target-tag", "aria-label": t("oa_choose_tag") } });
  const renderTargets = () => {
    const was = target.value || "all";
    replace(
      target,
      h("option", { attrs: { value: "all" } }, t("oa_target_all")),
      h("option", { attrs: { value: "tag" }, props: { disabled: !shared.tags.length } }, t("oa_target_tag")),
      h("option", { attrs: { value: "chosen" } }, t("oa_target_chosen", String(shared.chosen.size))),
    );
    target.value = was === "tag" && !shared.tags.length ? "all" : was;
    const tagWas = tag.value;
    replace(tag, ...shared.tags.map((x) => h("option", { attrs: { value: String(x.id) } }, `${x.name} (${x.count})`)));
    if (shared.tags.some((x) => String(x.id) === tagWas)) tag.value = tagWas;
    tag.hidden = target.value !== "tag";
  };
  target.addEventListener("change", () => (tag.hidden = target.value !== "tag"));
  shared.on("tags", renderTargets);
  shared.on("chosen", renderTargets);
  renderTargets();
  const load = async () => {
    try {
      const r = await app.conn.call("oaBroadcasts", { account: id }, "oaBroadcasts");
      quota.textContent = t("oa_remaining", String(r.remaining));
      replace(list, ...r.broadcasts.map((b) => row({ title: b.content?.text ?? "", sub: `${formatTime(Number(b.time))} · ${t("oa_reached", String(b.total))}` })));
    } catch (e) {
      quota.textContent = errorText(e);
    }
  };
  void load();
  const send = async () => {
    const content = { kind: "text", text: text.value };
    let req: { account: bigint; content: typeof content; all?: boolean; tag?: bigint; users?: bigint[] };
    let who: string;
    if (target.value === "tag") {
      const tg = shared.tags.find((x) => String(x.id) === tag.value);
      if (!tg) return;
      req = { account: id, content, tag: tg.id };
      who = `${t("oa_target_tag")}: ${tg.name}`;
    } else if (target.value === "chosen") {
      if (!shared.chosen.size) return toast(t("oa_choose_followers_first"));
      req = { account: id, content, users: [...shared.chosen] };
      who = t("oa_target_chosen", String(shared.chosen.size));
    } else {
      req = { account: id, content, all: true };
      who = t("oa_target_all");
    }
    if (!(await confirmBox(target.value === "all" ? t("oa_confirm_broadcast") : t("oa_confirm_broadcast_to", who)))) return;
    try {
      const b = await app.conn.call("oaBroadcast", req, "oaBroadcast");
      toast(t("oa_reached", String(b.total)));
      text.value = "";
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  return card(
    t("oa_broadcast"),
    "broadcast",
    quota,
    text,
    h("div", "oa-form-row", field(t("oa_target"), target), tag),
    h(
      "div",
      "oa-actions",
      btn(t("oa_preview_send"), async () => {
        try {
          await app.conn.call("oaPreview", { account: id, content: { kind: "text", text: text.value } }, "oaMessage");
          toast(t("oa_preview_sent"));
        } catch (e) {
          toastError(e);
        }
      }, { oaPreview: "broadcast" }),
      btn(t("oa_send_broadcast"), send, { oaSend: "broadcast" }, true),
    ),
    list,
  );
}

function articles(id: bigint): HTMLElement {
  const list = h("div", "oa-articles");
  const load = async () => {
    try {
      const as = (await app.conn.call("oaArticles", { account: id }, "oaArticles")).articles;
      replace(
        list,
        ...as.map((a) =>
          row({
            title: a.title,
            sub: a.published ? t("oa_published") : t("oa_draft"),
            right: a.published
              ? undefined
              : btn(t("oa_publish"), async () => {
                  try {
                    await app.conn.call("oaPublishArticle", { account: id, id: a.id }, "oaArticle");
                    await load();
                  } catch (e) {
                    toastError(e);
                  }
                }),
            onClick: a.published ? () => router.go(`/oa/article/${a.id}`) : undefined,
          }),
        ),
      );
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  void load();
  // A body is written as lines: "# " a heading, "> " a quote, "- " a
  // list item, anything else a paragraph.
  const write = async () => {
    const v = await ask(t("oa_new_article"), [
      { name: "title", label: t("oa_title_field"), maxlength: 64 },
      { name: "author", label: t("oa_author"), maxlength: 16 },
      { name: "digest", label: t("oa_digest"), maxlength: 120 },
      { name: "body", label: t("oa_body"), multiline: true },
    ]);
    if (!v) return;
    const body = v.body
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => (l.startsWith("# ") ? { kind: "h", text: l.slice(2) } : l.startsWith("> ") ? { kind: "quote", text: l.slice(2) } : l.startsWith("- ") ? { kind: "li", text: l.slice(2) } : { kind: "p", text: l }));
    try {
      await app.conn.call("oaSaveArticle", { account: id, title: v.title, author: v.author, digest: v.digest, body }, "oaArticle");
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  return card(t("oa_articles"), "articles", list, btn(t("oa_new_article"), write, { oaAdd: "article" }));
}

// chart draws series over days as an SVG line plot, built node by node.
function chart(days: OaDayStats[], series: [string, string, (d: OaDayStats) => number][]): SVGSVGElement {
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = 200, P = 28;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "oa-chart");
  svg.setAttribute("role", "img");
  const all = days.flatMap((d) => series.map(([, , f]) => f(d)));
  const lo = Math.min(0, ...all), hi = Math.max(1, ...all);
  const x = (i: number) => P + (days.length > 1 ? (i * (W - 2 * P)) / (days.length - 1) : (W - 2 * P) / 2);
  const y = (v: number) => H - P - ((v - lo) * (H - 2 * P)) / (hi - lo || 1);
  const axis = document.createElementNS(NS, "line");
  for (const [k, v] of [["x1", P], ["x2", W - P], ["y1", y(0)], ["y2", y(0)]] as const) axis.setAttribute(k, String(v));
  axis.setAttribute("class", "axis");
  svg.append(axis);
  for (const [label, color, f] of series) {
    const path = document.createElementNS(NS, "polyline");
    path.setAttribute("points", days.map((d, i) => `${x(i)},${y(f(d))}`).join(" "));
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", color);
    path.setAttribute("stroke-width", "2");
    const tt = document.createElementNS(NS, "title");
    tt.textContent = label;
    path.append(tt);
    svg.append(path);
  }
  const lab = (text: string, xx: number, yy: number) => {
    const el = document.createElementNS(NS, "text");
    el.setAttribute("x", String(xx));
    el.setAttribute("y", String(yy));
    el.setAttribute("font-size", "11");
    el.textContent = text;
    svg.append(el);
  };
  lab(String(hi), 2, P);
  if (days.length) {
    lab(days[0].day, P, H - 6);
    lab(days[days.length - 1].day, W - P - 70, H - 6);
  }
  svg.setAttribute("aria-label", series.map(([l]) => l).join(", "));
  return svg;
}

// Statistics: the charts of a range of days the operator picks (30 days
// to today at first; at most 366).
function stats(id: bigint): HTMLElement {
  const out = h("div", { class: "oa-stats", data: { oaStats: "1" } });
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const today = new Date();
  const fromIn = h("input", { attrs: { type: "date", name: "from", max: day(today) }, props: { value: day(new Date(today.getTime() - 29 * 864e5)) } });
  const toIn = h("input", { attrs: { type: "date", name: "to", max: day(today) }, props: { value: day(today) } });
  const show = () => {
    const from = new Date(fromIn.value + "T00:00:00Z");
    const to = new Date(toIn.value + "T00:00:00Z");
    if (isNaN(from.getTime()) || isNaN(to.getTime())) return;
    app.conn.call("oaStats", { account: id, from: day(from), to: day(to) }, "oaStats").then(
      (r) => {
        // Every day of the range, those without any activity included.
        const by = new Map(r.days.map((d) => [d.day, d]));
        const days: OaDayStats[] = [];
        let total = 0n;
        for (let t0 = from.getTime(); t0 <= to.getTime(); t0 += 864e5) {
          const k = day(new Date(t0));
          const d = by.get(k);
          if (d) total = d.total;
          days.push(d ?? ({ day: k, new: 0n, lost: 0n, net: 0n, total, msgIn: 0n, msgOut: 0n } as OaDayStats));
        }
        const followerSeries: [string, string, (d: OaDayStats) => number][] = [
          [t("oa_new"), "#07c160", (d) => Number(d.new)],
          [t("oa_lost"), "#fa5151", (d) => Number(d.lost)],
          [t("oa_net"), "#10aeff", (d) => Number(d.net)],
          [t("oa_total"), "#888", (d) => Number(d.total)],
        ];
        const msgSeries: [string, string, (d: OaDayStats) => number][] = [
          [t("oa_msg_in"), "#07c160", (d) => Number(d.msgIn)],
          [t("oa_msg_out"), "#10aeff", (d) => Number(d.msgOut)],
        ];
        replace(
          out,
          h("h3", null, t("oa_followers_chart")),
          chart(days, followerSeries),
          h("div", "oa-legend", ...followerSeries.map(([l, c]) => keyOf(l, c))),
          h("h3", null, t("oa_messages_chart")),
          chart(days, msgSeries),
          h("div", "oa-legend", ...msgSeries.map(([l, c]) => keyOf(l, c))),
        );
      },
      (e) => replace(out, h("p", "empty", errorText(e))),
    );
  };
  show();
  return card(t("oa_stats"), "stats", h("div", "oa-form-row", field(t("oa_from"), fromIn), field(t("oa_to"), toIn), btn(t("oa_show"), show, { oaShow: "stats" })), out);
}

function keyOf(label: string, color: string): HTMLElement {
  const sw = h("span", "oa-swatch", "■");
  sw.style.color = color;
  return h("span", "oa-key", sw, " ", label, " ");
}

// The tag editor: create, rename and delete tags (followers are tagged in
// the follower list).
function tagEditor(shared: Shared): HTMLElement {
  const id = shared.id;
  const list = h("div", { class: "oa-tags", data: { oaTags: "1" } });
  const name = h("input", { attrs: { name: "tag", maxlength: "30", placeholder: t("oa_tag_name"), "aria-label": t("oa_tag_name") } });
  const reload = async () => {
    try {
      await shared.loadTags();
    } catch (e) {
      toastError(e);
    }
  };
  shared.on("tags", () =>
    replace(
      list,
      ...(shared.tags.length
        ? shared.tags.map((x) =>
            h(
              "div",
              { class: "oa-rule", data: { tag: x.name, tagId: String(x.id) } },
              h("strong", null, x.name),
              h("span", "hint", ` ${t("oa_tag_count", String(x.count))}`),
              btn(t("oa_rename"), async () => {
                const v = await ask(t("oa_rename"), [{ name: "name", label: t("oa_tag_name"), value: x.name, maxlength: 30 }]);
                if (!v || !v.name.trim() || v.name === x.name) return;
                try {
                  await app.conn.call("oaSaveTag", { account: id, id: x.id, name: v.name.trim() }, "oaTag");
                  await reload();
                  shared.emit("fans");
                } catch (e) {
                  toastError(e);
                }
              }, { oaRename: "tag" }),
              btn(t("delete"), async () => {
                if (!(await confirmBox(t("oa_confirm_delete_tag", x.name), t("delete"), true))) return;
                try {
                  await app.conn.done("oaDeleteTag", { account: id, id: x.id });
                  await reload();
                  shared.emit("fans");
                } catch (e) {
                  toastError(e);
                }
              }, { oaDelete: "tag" }),
            ),
          )
        : [empty(t("oa_no_tags"))]),
    ),
  );
  const create = async () => {
    if (!name.value.trim()) return;
    try {
      await app.conn.call("oaSaveTag", { account: id, name: name.value.trim() }, "oaTag");
      name.value = "";
      await reload();
    } catch (e) {
      toastError(e);
    }
  };
  name.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) void create();
  });
  return card(t("oa_tags_title"), "tags", list, h("div", "oa-form-row", name, btn(t("oa_add_tag"), create, { oaAdd: "tag" })));
}

// The followers: search by name or remark, choose some to tag or untag
// them (or to broadcast to them), open one to set a remark or block them.
function followers(shared: Shared): HTMLElement {
  const id = shared.id;
  const list = h("div", "oa-fans");
  const search = h("input", { attrs: { type: "search", name: "search", placeholder: t("oa_search_followers"), "aria-label": t("oa_search_followers") }, data: { oaSearch: "followers" } });
  const count = h("span", { class: "hint", data: { oaChosen: "1" } });
  const tag = h("select", { attrs: { name: "tag", "aria-label": t("oa_choose_tag") } });
  // shown: the followers listed, a page at a time from the server (which
  // searches nicknames, remarks and openids); next continues the list.
  let shown: OaFan[] = [];
  let next = "";
  let asked = 0; // the latest request: older answers are dropped
  const more = h("button", { class: "btn", attrs: { type: "button" }, data: { oaMore: "followers" } }, t("load_more"));
  more.addEventListener("click", () => void loadPage(true));
  const render = () => {
    count.textContent = t("oa_selected", String(shared.chosen.size));
    more.hidden = !next;
    if (!shown.length) {
      const searching = search.value.trim() !== "";
      return replace(list, next ? h("p", "hint", t("oa_search_more")) : empty(t(searching ? "no_matches" : "oa_no_followers")));
    }
    replace(
      list,
      ...shown.map((f) => {
        const box = h("input", {
          attrs: { type: "checkbox", "aria-label": t("oa_select_follower", fanName(f)) },
          props: { checked: shared.chosen.has(f.user) },
          data: { selectFan: String(f.user) },
        });
        box.addEventListener("change", () => {
          if (box.checked) shared.chosen.add(f.user);
          else shared.chosen.delete(f.user);
          count.textContent = t("oa_selected", String(shared.chosen.size));
          shared.emit("chosen");
        });
        const tags = f.tags.map((x) => h("span", { class: "oa-chip", data: { fanTag: shared.tagName(x) } }, shared.tagName(x)));
        return h(
          "div",
          { class: "oa-fan", data: { fan: String(f.user), fanName: fanName(f) } },
          box,
          row({
            title: f.remark ? `${f.remark} (${fanName(f)})` : fanName(f),
            sub: h("span", null, `${f.openid} · ${formatTime(Number(f.since))}${f.blocked ? " · " + t("oa_blocked") : ""} `, ...tags),
            onClick: () => void edit(f),
          }),
        );
      }),
    );
  };
  const edit = async (f: OaFan) => {
    const v = await ask(t("oa_follower"), [
      { name: "remark", label: t("oa_remark"), value: f.remark, maxlength: 30 },
      { name: "blocked", label: t("oa_blocked"), options: [["0", t("no")], ["1", t("yes")]], value: f.blocked ? "1" : "0" },
    ]);
    if (!v) return;
    try {
      await app.conn.done("oaUpdateFollower", { account: id, user: f.user, remark: v.remark, blocked: v.blocked === "1" });
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  // loadPage loads the first page of the list (or of the search), or the
  // next one when cont.
  const loadPage = async (cont = false) => {
    const mine = ++asked;
    try {
      const page = await app.conn.call("oaFollowers", { account: id, search: search.value.trim(), after: cont ? next : "", limit: 100 }, "oaFollowers");
      if (mine !== asked) return;
      shown = cont ? [...shown, ...page.fans] : page.fans;
      next = page.next;
      render();
    } catch (e) {
      if (mine === asked) replace(list, h("p", "empty", errorText(e)));
    }
  };
  const load = () => loadPage(false);
  const query = load;
  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => void query(), 200);
  });
  const renderTags = () => {
    const was = tag.value;
    replace(tag, ...shared.tags.map((x) => h("option", { attrs: { value: String(x.id) } }, x.name)));
    if (shared.tags.some((x) => String(x.id) === was)) tag.value = was;
    render();
  };
  shared.on("tags", renderTags);
  shared.on("fans", () => void load());
  const tagChosen = async (add: boolean) => {
    const tg = shared.tags.find((x) => String(x.id) === tag.value);
    if (!tg) return toast(t("oa_no_tags"));
    if (!shared.chosen.size) return toast(t("oa_choose_followers_first"));
    try {
      const users = [...shared.chosen];
      for (let i = 0; i < users.length; i += 50) await app.conn.done("oaTagFollowers", { account: id, tag: tg.id, users: users.slice(i, i + 50), remove: !add });
      await Promise.all([load(), shared.loadTags()]);
    } catch (e) {
      toastError(e);
    }
  };
  void load();
  return card(
    t("oa_followers_title"),
    "followers",
    search,
    h("div", "oa-form-row", count, tag, btn(t("oa_tag_selected"), () => tagChosen(true), { oaTagChosen: "add" }), btn(t("oa_untag_selected"), () => tagChosen(false), { oaTagChosen: "remove" })),
    list,
    more,
  );
}

function st(user: bigint): string {
  return app.store!.name(user);
}

// fanName is a follower's name: a contact as the operator knows them, else
// their public nickname.
function fanName(f: OaFan): string {
  const known = st(f.user);
  return known !== `#${f.user}` ? known : f.nickname || known;
}

function developer(a: OaAccount): HTMLElement {
  if (a.role !== OaRole.ADMIN) return card(t("oa_developer"), "developer", h("p", "hint", t("oa_admin_only")));
  const s = a.settings;
  const url = h("input", { attrs: { name: "url", type: "url", placeholder: "https://…" }, props: { value: s?.serverUrl ?? "" } });
  const token = h("input", { attrs: { name: "token", maxlength: "32" }, props: { value: s?.serverToken ?? "" } });
  const aes = h("input", { attrs: { name: "aes", maxlength: "43" }, props: { value: s?.serverAesKey ?? "" } });
  const domains = h("input", { attrs: { name: "oauth-domains", placeholder: "app.example.org" }, props: { value: (s?.oauthDomains ?? []).join(", ") } });
  const mode = h("select", { attrs: { name: "mode" } }, ...["plain", "compat", "safe"].map((m) => h("option", { attrs: { value: m }, props: { selected: (s?.serverMode || "plain") === m } }, t(`oa_mode_${m}` as "oa_mode_plain"))));
  return card(
    t("oa_developer"),
    "developer",
    h("p", "hint", `AppID ${a.appid}`),
    field(t("oa_server_url"), url),
    field("Token", token),
    field("EncodingAESKey", aes),
    field(t("oa_mode"), mode),
    field(t("oa_oauth_domains"), domains),
    h("p", "hint", t("oa_oauth_domains_hint")),
    h(
      "div",
      "oa-actions",
      btn(t("save"), async () => {
        try {
          await app.conn.call("oaSetServer", { account: a.id, url: url.value.trim(), token: token.value.trim(), aesKey: aes.value.trim(), mode: mode.value }, "oaAccount");
          toast(t("saved"));
        } catch (e) {
          toastError(e);
        }
      }, { oaSave: "server" }, true),
      btn(t("oa_save_domains"), async () => {
        const list = domains.value.split(",").map((d) => d.trim()).filter((d) => d !== "");
        try {
          await app.conn.call("oaSetIpAllow", { account: a.id, setOauthDomains: true, oauthDomains: list }, "oaAccount");
          toast(t("saved"));
        } catch (e) {
          toastError(e);
        }
      }, { oaSave: "oauth-domains" }),
      btn(t("oa_reset_secret"), async () => {
        if (!(await confirmBox(t("oa_confirm_reset"), t("ok"), true))) return;
        try {
          const r = await app.conn.call("oaResetSecret", { account: a.id }, "oaCreated");
          await confirmBox(t("oa_secret_once", a.appid, r.appsecret));
        } catch (e) {
          toastError(e);
        }
      }),
    ),
  );
}

function templates(id: bigint): HTMLElement {
  const list = h("div", "oa-templates");
  const load = async () => {
    try {
      const ts = (await app.conn.call("oaTemplates", { account: id }, "oaTemplates")).templates;
      replace(list, ...(ts.length ? ts.map((x) => row({ title: x.title, sub: `${x.id} · ${x.content}` })) : [empty(t("oa_no_templates"))]));
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  void load();
  const add = async () => {
    const v = await ask(t("oa_add_template"), [
      { name: "title", label: t("oa_title_field"), maxlength: 64 },
      { name: "content", label: t("oa_template_content"), multiline: true, placeholder: "{{no.DATA}}" },
    ]);
    if (!v) return;
    try {
      await app.conn.call("oaAddTemplate", { account: id, title: v.title, content: v.content }, "oaTemplate");
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  return card(t("oa_templates"), "templates", list, btn(t("oa_add_template"), add, { oaAdd: "template" }));
}

function qrCodes(id: bigint): HTMLElement {
  const out = h("div", "oa-qr");
  const make = async () => {
    const v = await ask(t("oa_new_qr"), [
      { name: "scene", label: t("oa_scene"), maxlength: 64 },
      { name: "days", label: t("oa_qr_days"), options: [["0", t("oa_permanent")], ["1", "1"], ["7", "7"], ["30", "30"]], value: "7" },
    ]);
    if (!v || !v.scene.trim()) return;
    const days = Number(v.days);
    try {
      const q = await app.conn.call("oaCreateQr", { account: id, sceneStr: v.scene.trim(), permanent: days === 0, expireSeconds: BigInt(days * 86400) }, "oaQr");
      replace(out, row({ title: v.scene.trim(), sub: q.url + (q.expires ? ` · ${formatTime(Number(q.expires))}` : "") }));
    } catch (e) {
      toastError(e);
    }
  };
  return card(t("oa_qr_codes"), "qr", h("p", "hint", t("oa_qr_hint")), out, btn(t("oa_new_qr"), make, { oaAdd: "qr" }));
}

function operators(a: OaAccount): HTMLElement {
  const list = h("div", "oa-operators");
  const load = async () => {
    try {
      const ops = (await app.conn.call("oaOperators", { account: a.id }, "oaOperators")).operators;
      replace(list, ...ops.map((o) => row({ title: app.store!.name(o.user), sub: roleName(o.role), data: { operator: String(o.user) } })));
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  void load();
  const set = async () => {
    const v = await ask(t("oa_set_operator"), [
      { name: "user", label: t("oa_user_id") },
      {
        name: "role",
        label: t("oa_role"),
        options: [["1", t("oa_role_admin")], ["2", t("oa_role_editor")], ["3", t("oa_role_analyst")], ["0", t("oa_role_remove")]],
        value: "2",
      },
    ]);
    if (!v || !/^\d+$/.test(v.user.trim())) return;
    try {
      await app.conn.done("oaSetOperator", { account: a.id, user: BigInt(v.user.trim()), role: Number(v.role) });
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  return card(t("oa_operators"), "operators", list, a.role === OaRole.ADMIN ? btn(t("oa_set_operator"), set, { oaAdd: "operator" }) : null);
}
