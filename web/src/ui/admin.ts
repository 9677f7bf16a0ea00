// The server's administrator console at /admin: sign-in with TOTP
// enrolment on the first sign-in, the reports queue with the reported
// content and its actions, users (find, view, sign out, reset the
// password, penalize), penalties and appeals, the audit log,
// administrators and the configuration view. It talks to /admin/api/
// (cookie session, CSRF header); what a role may do is the server's rule,
// the console shows the server's answer. Every text from the server goes
// into the page as text.
import { h, replace } from "../lib/dom";
import { ApiError } from "../lib/conn";
import { currentLang, formatTime, setLang, t, type Key } from "../lib/i18n";
import { ask, confirmBox, empty, errorText, toast, toastError } from "./widgets";
import type { View } from "./shell";

interface Admin {
  id: number;
  name: string;
  role: "super" | "moderator" | "viewer";
  totp: boolean;
  disabled: boolean;
}
interface Me {
  admin: Admin;
  stage: "setup" | "full";
  csrf: string;
  must_change: boolean;
}
interface Report {
  id: number;
  reporter: number;
  kind: string;
  target: string;
  reason: string;
  owner: number;
  title: string;
  text: string;
  state: string;
  created: number;
  note: string;
}
interface Penalty {
  id: number;
  user: number;
  kind: string;
  reason: string;
  start: number;
  end: number;
  active: boolean;
  appeal: string;
  appeal_text: string;
}
interface User {
  id: number;
  account_id: string;
  nickname: string;
  region: string;
  phone: string;
  email: string;
  penalties: Penalty[];
}
interface Entry {
  id: number;
  name: string;
  action: string;
  target: string;
  reason: string;
  at: number;
}

let csrf = "";

// api calls the console's API; a refusal becomes an ApiError.
async function api<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: {} };
  if (method === "POST") {
    init.headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf };
    init.body = JSON.stringify(body ?? {});
  }
  let r: Response;
  try {
    r = await fetch("/admin/api/" + path, init);
  } catch {
    throw new ApiError("unavailable", "offline");
  }
  const v = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = (v as { error?: { code: string; message: string; reason: string } }).error;
    throw new ApiError(e?.code ?? "internal", e?.message ?? r.statusText, e?.reason ?? "");
  }
  return v as T;
}

const btn = (label: string, onClick: () => void | Promise<void>, data: Record<string, string> = {}, cls = "btn small") =>
  h("button", { class: cls, attrs: { type: "button" }, data, on: { click: () => void onClick() } }, label);

const roleName = (r: string) => t(`ad_role_${r}` as Key);
const kindName = (k: string) => t(`ad_kind_${k.replace("-", "_")}` as Key);
const KINDS: [string, string][] = ["warn", "limit-features", "limit-login", "ban"].map((k) => [k, kindName(k)]);

export function adminConsole(): View {
  const root = h("div", { class: "admin", data: { screen: "admin" } });
  const start = async () => {
    try {
      const me = await api<Me>("GET", "me");
      csrf = me.csrf;
      replace(root, me.stage === "setup" ? setupScreen(me, start) : mainScreen(me, start));
    } catch (e) {
      if (e instanceof ApiError && e.code === "unauthenticated") replace(root, signInScreen(start));
      else replace(root, h("p", "empty", errorText(e)));
    }
  };
  void start();
  return { el: root };
}

function langToggle(again: () => void): HTMLElement {
  return btn(currentLang() === "zh" ? "EN" : "中文", () => {
    setLang(currentLang() === "zh" ? "en" : "zh");
    again();
  }, { lang: "toggle" });
}

function signInScreen(done: () => Promise<void>): HTMLElement {
  const name = h("input", { attrs: { name: "name", autocomplete: "username", required: true, maxlength: 32 } });
  const pw = h("input", { attrs: { name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: 128 } });
  const code = h("input", { attrs: { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 6, pattern: "[0-9]{6}" } });
  const submit = h("button", { class: "btn primary wide", attrs: { type: "submit" } }, t("ad_sign_in"));
  const form = h(
    "form",
    {
      class: "admin-card",
      data: { form: "admin-sign-in" },
      on: {
        submit: (ev) => {
          ev.preventDefault();
          submit.disabled = true;
          api<Me>("POST", "sign-in", { name: name.value, password: pw.value, code: code.value })
            .then(() => done())
            .catch((e) => toastError(e))
            .finally(() => (submit.disabled = false));
        },
      },
    },
    h("h1", null, t("ad_title")),
    h("label", "field", h("span", null, t("ad_name")), name),
    h("label", "field", h("span", null, t("ad_password")), pw),
    h("label", "field", h("span", null, t("ad_code")), code, h("small", "sub", t("ad_code_hint"))),
    submit,
    langToggle(() => void done()),
  );
  return h("div", "admin-center", form);
}

function setupScreen(me: Me, done: () => Promise<void>): HTMLElement {
  const box = h("div", { class: "admin-card", data: { screen: "admin-setup" } }, h("h1", null, t("ad_setup")), h("p", "sub", t("ad_setup_intro")));
  const pw = h("input", { attrs: { name: "new_password", type: "password", autocomplete: "new-password", minlength: 10, maxlength: 128, required: true } });
  const code = h("input", { attrs: { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 6, required: true } });
  api<{ secret: string; qr: string }>("GET", "setup")
    .then((e) => {
      const img = h("img", { class: "admin-qr", attrs: { alt: "QR", width: 200, height: 200 } });
      img.src = e.qr; // a data: URL of a PNG the server drew
      const form = h(
        "form",
        {
          data: { form: "admin-setup" },
          on: {
            submit: (ev) => {
              ev.preventDefault();
              api<Me>("POST", "setup", { new_password: pw.value, code: code.value })
                .then(() => done())
                .catch((err) => toastError(err));
            },
          },
        },
        img,
        h("p", { class: "mono", data: { secret: e.secret } }, t("ad_secret", e.secret)),
        me.must_change ? h("label", "field", h("span", null, t("ad_new_password")), pw) : null,
        h("label", "field", h("span", null, t("ad_code")), code),
        h("button", { class: "btn primary wide", attrs: { type: "submit" } }, t("ad_finish")),
      );
      box.appendChild(form);
    })
    .catch((e) => box.appendChild(h("p", "empty", errorText(e))));
  return h("div", "admin-center", box);
}

type Tab = "dashboard" | "reports" | "users" | "groups" | "penalties" | "oa" | "audit" | "admins" | "config";

function mainScreen(me: Me, again: () => Promise<void>): HTMLElement {
  const tabs: Tab[] = ["dashboard", "reports", "users", "groups", "penalties", "oa", "audit", "admins"];
  if (me.admin.role === "super") tabs.push("config");
  const body = h("main", "admin-body");
  const nav = h("nav", { class: "admin-tabs", attrs: { "aria-label": t("ad_title") } });
  const show = (tab: Tab) => {
    for (const b of nav.querySelectorAll("button")) b.setAttribute("aria-current", b.dataset.tab === tab ? "page" : "false");
    const screens: Record<Tab, () => HTMLElement> = {
      dashboard: dashboardScreen,
      reports: () => reportsScreen(me),
      users: () => usersScreen(me),
      penalties: () => penaltiesScreen(me),
      oa: () => oaScreen(me),
      groups: () => groupsScreen(me),
      audit: auditScreen,
      admins: () => adminsScreen(me),
      config: configScreen,
    };
    replace(body, screens[tab]());
  };
  for (const tab of tabs) nav.appendChild(btn(t(`ad_${tab}` as Key), () => show(tab), { tab }, "admin-tab"));
  const top = h(
    "header",
    "admin-top",
    h("strong", null, t("ad_title")),
    h("span", { class: "sub", data: { whoami: me.admin.name } }, t("ad_signed_in_as", me.admin.name, roleName(me.admin.role))),
    h("span", "spacer"),
    langToggle(() => void again()),
    btn(t("ad_sign_out"), async () => {
      await api("POST", "sign-out").catch(() => {});
      await again();
    }, { action: "sign-out" }),
  );
  const el = h("div", "admin-main", top, nav, body);
  show("dashboard");
  return el;
}

const canAct = (me: Me) => me.admin.role !== "viewer";

// penalize asks for a penalty and imposes it on user (for report, if any).
async function penalize(user: string, report = 0): Promise<boolean> {
  const v = await ask(t("ad_penalize"), [
    { name: "user", label: t("ad_user"), value: user },
    { name: "kind", label: t("ad_kind"), options: KINDS, value: "warn" },
    { name: "for", label: t("ad_for"), value: "7d", maxlength: 16 },
    { name: "reason", label: t("ad_reason"), maxlength: 500 },
  ]);
  if (!v) return false;
  try {
    await api("POST", "penalties", { user: v.user, kind: v.kind, for: v.for, reason: v.reason, report });
    toast(t("ad_done"));
    return true;
  } catch (e) {
    toastError(e);
    return false;
  }
}

function reportsScreen(me: Me): HTMLElement {
  const list = h("div", "admin-list");
  const state = h(
    "select",
    { attrs: { name: "state", "aria-label": t("ad_reports") }, on: { change: () => void load() } },
    ...["open", "actioned", "dismissed"].map((s) => h("option", { props: { value: s } }, t(`ad_state_${s}` as Key))),
  );
  const load = async () => {
    try {
      const rs = (await api<{ reports: Report[] }>("GET", `reports?state=${state.value}`)).reports;
      replace(list, rs.length ? rs.map((r) => reportCard(r)) : empty(t("ad_no_reports")));
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  const reportCard = (r: Report) =>
    h(
      "article",
      { class: "admin-item", data: { report: r.id } },
      h("div", "admin-item-head", h("strong", null, t("ad_report_of", r.kind, r.target, r.reporter)), h("span", "sub", formatTime(r.created, true))),
      h("p", null, h("span", "sub", t("ad_reason") + ": "), r.reason),
      h(
        "blockquote",
        { class: "admin-snapshot", attrs: { "aria-label": t("ad_snapshot") } },
        r.title ? h("strong", null, r.title) : null,
        h("div", { class: "admin-snapshot-text", data: { snapshot: r.id } }, r.text),
        r.owner ? h("div", "sub", t("ad_owner", r.owner)) : null,
      ),
      r.note ? h("p", "sub", r.note) : null,
      r.state === "open" && canAct(me)
        ? h(
            "div",
            "admin-actions",
            r.owner ? btn(t("ad_penalize"), async () => { if (await penalize(String(r.owner), r.id)) await load(); }, { action: "penalize" }, "btn small primary") : null,
            btn(t("ad_dismiss"), async () => {
              const v = await ask(t("ad_dismiss"), [{ name: "reason", label: t("ad_reason"), maxlength: 500 }]);
              if (!v) return;
              await api("POST", `reports/${r.id}/dismiss`, { reason: v.reason }).then(load, toastError);
            }, { action: "dismiss" }),
          )
        : null,
    );
  void load();
  return h("section", { data: { screen: "admin-reports" } }, h("div", "admin-toolbar", state), list);
}

function penaltyItem(p: Penalty, me: Me, reload: () => void): HTMLElement {
  const act = (path: string, body: unknown) => api("POST", `penalties/${p.id}/${path}`, body).then(reload, toastError);
  return h(
    "article",
    { class: "admin-item", data: { penalty: p.id } },
    h(
      "div",
      "admin-item-head",
      h("strong", null, `${kindName(p.kind)} · #${p.user}`),
      h("span", { class: p.active ? "badge on" : "badge" }, p.active ? t("ad_active") : t("ad_ended")),
    ),
    h("p", null, p.reason),
    h("p", "sub", `${formatTime(p.start, true)} – ${t("ad_until", formatTime(p.end, true))}`),
    p.appeal ? h("p", { class: "admin-appeal", data: { appeal: p.appeal } }, t("ad_appeal", p.appeal_text), " · ", p.appeal) : null,
    canAct(me)
      ? h(
          "div",
          "admin-actions",
          p.appeal === "pending" ? btn(t("ad_accept"), () => act("appeal", { accept: true }), { action: "accept" }, "btn small primary") : null,
          p.appeal === "pending" ? btn(t("ad_reject"), () => act("appeal", { accept: false }), { action: "reject" }) : null,
          p.active ? btn(t("ad_lift"), () => act("lift", { reason: "" }), { action: "lift" }) : null,
        )
      : null,
  );
}

function penaltiesScreen(me: Me): HTMLElement {
  const list = h("div", "admin-list");
  const appeals = h("input", { attrs: { type: "checkbox", name: "appeals" }, on: { change: () => void load() } });
  const load = async () => {
    try {
      const ps = (await api<{ penalties: Penalty[] }>("GET", `penalties${appeals.checked ? "?appeals=1" : ""}`)).penalties;
      replace(list, ps.length ? ps.map((p) => penaltyItem(p, me, () => void load())) : empty(t("ad_no_penalties")));
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  void load();
  return h(
    "section",
    { data: { screen: "admin-penalties" } },
    h(
      "div",
      "admin-toolbar",
      h("label", null, appeals, " ", t("ad_appeals_only")),
      canAct(me) ? btn(t("ad_penalize"), async () => { if (await penalize("")) await load(); }, { action: "new-penalty" }, "btn small primary") : null,
    ),
    list,
  );
}

function usersScreen(me: Me): HTMLElement {
  const out = h("div", "admin-list");
  const q = h("input", { attrs: { name: "q", maxlength: 64, "aria-label": t("ad_search_user"), placeholder: t("ad_search_user") } });
  const load = async () => {
    try {
      const us = (await api<{ users: User[] }>("GET", `users?q=${encodeURIComponent(q.value.trim())}`)).users;
      replace(out, us.length ? us.map(userCard) : empty(t("ad_no_user")));
    } catch (e) {
      replace(out, h("p", "empty", errorText(e)));
    }
  };
  const userCard = (u: User) =>
    h(
      "article",
      { class: "admin-item", data: { user: u.id } },
      h("div", "admin-item-head", h("strong", null, u.nickname || u.account_id), h("span", "sub", `#${u.id} · ${u.account_id}`)),
      u.region || u.phone || u.email ? h("p", "sub", [u.region, u.phone, u.email].filter(Boolean).join(" · ")) : null,
      canAct(me)
        ? h(
            "div",
            "admin-actions",
            btn(t("ad_penalize"), async () => { if (await penalize(String(u.id))) await load(); }, { action: "penalize" }, "btn small primary"),
            btn(t("ad_user_sign_out"), () => api("POST", `users/${u.id}/sign-out`, { reason: "" }).then(() => toast(t("ad_done")), toastError), { action: "user-sign-out" }),
            btn(t("ad_reset_password"), async () => {
              if (!(await confirmBox(t("ad_confirm_reset"), t("ad_reset_password"), true))) return;
              try {
                const r = await api<{ password: string }>("POST", `users/${u.id}/reset-password`, { reason: "" });
                await confirmBox(t("ad_new_user_password", r.password));
              } catch (e) {
                toastError(e);
              }
            }, { action: "reset-password" }),
          )
        : null,
      u.penalties.length ? h("div", "admin-sublist", u.penalties.map((p) => penaltyItem(p, me, () => void load()))) : null,
    );
  const form = h(
    "form",
    { class: "admin-toolbar", data: { form: "admin-user-search" }, on: { submit: (ev) => (ev.preventDefault(), void load()) } },
    q,
    h("button", { class: "btn small primary", attrs: { type: "submit" } }, t("ad_search")),
  );
  return h("section", { data: { screen: "admin-users" } }, form, out);
}

function auditScreen(): HTMLElement {
  const list = h("div", "admin-list");
  const more = btn(t("ad_more"), () => load(), { action: "more" });
  let before = 0;
  const load = async () => {
    try {
      const es = (await api<{ entries: Entry[] }>("GET", `audit?before=${before}`)).entries;
      if (before === 0 && es.length === 0) replace(list, empty(t("ad_no_audit")));
      for (const e of es) {
        list.appendChild(
          h(
            "div",
            { class: "admin-audit", data: { audit: e.action } },
            h("span", "sub", formatTime(e.at, true)),
            h("strong", null, e.name),
            h("code", null, e.action),
            h("span", null, e.target),
            h("span", "sub", e.reason),
          ),
        );
      }
      before = es.length ? es[es.length - 1].id : before;
      more.hidden = es.length < 50;
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  void load();
  return h("section", { data: { screen: "admin-audit" } }, list, more);
}

function adminsScreen(me: Me): HTMLElement {
  const list = h("div", "admin-list");
  const load = async () => {
    try {
      const as = (await api<{ admins: Admin[] }>("GET", "admins")).admins;
      replace(
        list,
        as.map((a) =>
          h(
            "article",
            { class: "admin-item", data: { admin: a.name } },
            h("div", "admin-item-head", h("strong", null, a.name), h("span", "sub", roleName(a.role))),
            h("p", "sub", [a.totp ? t("ad_totp_on") : t("ad_totp_off"), a.disabled ? t("ad_disabled") : ""].filter(Boolean).join(" · ")),
            me.admin.role === "super" && a.id !== me.admin.id
              ? btn(a.disabled ? t("ad_enable") : t("ad_disable"), () =>
                  api("POST", `admins/${a.id}`, { role: a.role, disabled: !a.disabled, reason: "" }).then(load, toastError),
                )
              : null,
          ),
        ),
      );
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  const create = async () => {
    const v = await ask(t("ad_new_admin"), [
      { name: "name", label: t("ad_name"), maxlength: 32 },
      { name: "role", label: t("ad_role"), options: ["viewer", "moderator", "super"].map((r) => [r, roleName(r)]), value: "moderator" },
    ]);
    if (!v) return;
    try {
      const r = await api<{ admin: Admin; password: string }>("POST", "admins", { name: v.name, role: v.role });
      await confirmBox(t("ad_admin_password", r.admin.name, r.password));
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  void load();
  return h(
    "section",
    { data: { screen: "admin-admins" } },
    me.admin.role === "super" ? h("div", "admin-toolbar", btn(t("ad_new_admin"), create, { action: "new-admin" }, "btn small primary")) : null,
    list,
  );
}

function configScreen(): HTMLElement {
  const pre = h("pre", { class: "admin-config", data: { config: "1" } });
  api<unknown>("GET", "config")
    .then((c) => (pre.textContent = JSON.stringify(c, null, 2)))
    .catch((e) => (pre.textContent = errorText(e)));
  return h("section", { data: { screen: "admin-config" } }, pre);
}

interface Stats {
  days: number[];
  users: number;
  active_devices: number;
  messages: number[];
  reports: number[];
  penalties: number[];
  open_reports: number;
  pending_appeals: number;
  active_penalties: number;
}

// bars draws one series per day as an SVG bar chart, node by node.
function bars(label: string, days: number[], values: number[], cls: string): HTMLElement {
  const NS = "http://www.w3.org/2000/svg";
  const W = 420, H = 150, P = 22;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", `admin-chart ${cls}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${label}: ${values.join(", ")}`);
  const hi = Math.max(1, ...values);
  const bw = (W - 2 * P) / Math.max(1, values.length);
  values.forEach((v, i) => {
    const r = document.createElementNS(NS, "rect");
    const bh = (v * (H - 2 * P)) / hi;
    r.setAttribute("x", String(P + i * bw + 2));
    r.setAttribute("y", String(H - P - bh));
    r.setAttribute("width", String(Math.max(1, bw - 4)));
    r.setAttribute("height", String(bh));
    const tt = document.createElementNS(NS, "title");
    tt.textContent = `${formatTime(days[i], false)}: ${v}`;
    r.append(tt);
    svg.append(r);
  });
  const text = (s: string, x: number, y: number) => {
    const el = document.createElementNS(NS, "text");
    el.setAttribute("x", String(x));
    el.setAttribute("y", String(y));
    el.setAttribute("font-size", "11");
    el.textContent = s;
    svg.append(el);
  };
  text(String(hi), 2, P - 6);
  if (days.length) {
    text(new Date(days[0]).toISOString().slice(5, 10), P, H - 6);
    text(new Date(days[days.length - 1]).toISOString().slice(5, 10), W - P - 34, H - 6);
  }
  return h("figure", { class: "admin-figure", data: { chart: cls } }, h("figcaption", null, label), svg as unknown as HTMLElement);
}

function dashboardScreen(): HTMLElement {
  const out = h("div", "admin-dash");
  api<Stats>("GET", "stats?days=14")
    .then((s) => {
      const tile = (label: string, v: number, key: string) => h("div", { class: "admin-tile", data: { tile: key } }, h("strong", null, String(v)), h("span", "sub", label));
      replace(
        out,
        h(
          "div",
          "admin-tiles",
          tile(t("ad_users_total"), s.users, "users"),
          tile(t("ad_devices_active"), s.active_devices, "devices"),
          tile(t("ad_open_reports"), s.open_reports, "open-reports"),
          tile(t("ad_pending_appeals"), s.pending_appeals, "appeals"),
          tile(t("ad_active_penalties"), s.active_penalties, "penalties"),
        ),
        h(
          "div",
          "admin-charts",
          bars(t("ad_messages_per_day"), s.days, s.messages, "messages"),
          bars(t("ad_reports_per_day"), s.days, s.reports, "reports"),
          bars(t("ad_penalties_per_day"), s.days, s.penalties, "penalties"),
        ),
      );
    })
    .catch((e) => replace(out, h("p", "empty", errorText(e))));
  return h("section", { data: { screen: "admin-dashboard" } }, out);
}

interface OaAccount {
  id: number;
  appid: string;
  name: string;
  intro: string;
  verified: boolean;
}

// Official accounts: find one by name or AppID, give or take the
// verification badge.
function oaScreen(me: Me): HTMLElement {
  const out = h("div", "admin-list");
  const q = h("input", { attrs: { name: "q", maxlength: 60, "aria-label": t("ad_oa_search"), placeholder: t("ad_oa_search") } });
  const load = async () => {
    if (!q.value.trim()) return;
    try {
      const as = (await api<{ accounts: OaAccount[] }>("GET", `oa?q=${encodeURIComponent(q.value.trim())}`)).accounts;
      replace(
        out,
        as.length
          ? as.map((a) =>
              h(
                "article",
                { class: "admin-item", data: { oa: a.id } },
                h(
                  "div",
                  "admin-item-head",
                  h("strong", null, a.name, a.verified ? h("span", { class: "badge verified", data: { verified: "1" } }, t("ad_oa_verified")) : null),
                  h("span", "sub", a.appid),
                ),
                a.intro ? h("p", "sub", a.intro) : null,
                canAct(me)
                  ? btn(a.verified ? t("ad_oa_unverify") : t("ad_oa_verify"), () =>
                      api("POST", `oa/${a.id}/verified`, { verified: !a.verified, reason: "" }).then(load, toastError),
                    { action: "verify" })
                  : null,
                suspension(me, "oa", a.id),
              ),
            )
          : empty(t("ad_oa_none")),
      );
    } catch (e) {
      replace(out, h("p", "empty", errorText(e)));
    }
  };
  const form = h(
    "form",
    { class: "admin-toolbar", data: { form: "admin-oa-search" }, on: { submit: (ev) => (ev.preventDefault(), void load()) } },
    q,
    h("button", { class: "btn small primary", attrs: { type: "submit" } }, t("ad_search")),
  );
  return h("section", { data: { screen: "admin-oa" } }, form, out);
}

interface SuspensionInfo {
  suspended: boolean;
  reason: string;
  end: string;
}

// suspension shows whether an official account or a group is suspended
// and, to a moderator, suspends it (for a duration, with a reason) or
// lifts the suspension.
function suspension(me: Me, kind: "oa" | "group", id: number): HTMLElement {
  const out = h("div", { class: "admin-suspension", data: { suspension: kind } });
  const load = async () => {
    try {
      const s = await api<SuspensionInfo>("GET", `suspensions/${kind}/${id}`);
      replace(
        out,
        s.suspended ? h("p", { class: "badge suspended", data: { suspended: "1" } }, t("ad_suspended_until", formatTime(Date.parse(s.end), true), s.reason)) : null,
        canAct(me)
          ? s.suspended
            ? btn(t("ad_suspend_lift"), () => api("POST", `suspensions/${kind}/${id}/lift`, {}).then(load, toastError), { action: "lift-suspension" })
            : btn(t("ad_suspend"), async () => {
                const v = await ask(t("ad_suspend"), [
                  { name: "for", label: t("ad_for"), value: "7d", maxlength: 16 },
                  { name: "reason", label: t("ad_reason"), maxlength: 500 },
                ]);
                if (!v) return;
                await api("POST", `suspensions/${kind}/${id}`, { for: v.for, reason: v.reason }).then(load, toastError);
              }, { action: "suspend" })
          : null,
      );
    } catch (e) {
      replace(out, h("p", "empty", errorText(e)));
    }
  };
  void load();
  return out;
}

interface GroupInfo {
  id: number;
  name: string;
  owner: number;
  members: number;
  announcement: string;
  dissolved: boolean;
  created: number;
}

// Groups: a group by its ID (as reports name it), with its owner, who may
// be penalized from here.
function groupsScreen(me: Me): HTMLElement {
  const out = h("div", "admin-list");
  const q = h("input", { attrs: { name: "q", inputmode: "numeric", maxlength: 20, "aria-label": t("ad_group_id"), placeholder: t("ad_group_id") } });
  const load = async () => {
    const id = q.value.trim();
    if (!/^\d+$/.test(id)) return replace(out, empty(t("ad_group_none")));
    try {
      const g = await api<GroupInfo>("GET", `groups/${id}`);
      replace(
        out,
        h(
          "article",
          { class: "admin-item", data: { group: g.id } },
          h("div", "admin-item-head", h("strong", null, g.name), h("span", "sub", formatTime(g.created, true))),
          h("p", "sub", t("ad_group_line", g.members, g.owner), g.dissolved ? " · " + t("ad_group_dissolved") : ""),
          g.announcement ? h("blockquote", "admin-snapshot", g.announcement) : null,
          canAct(me) ? btn(t("ad_penalize_owner"), async () => void (await penalize(String(g.owner))), { action: "penalize" }) : null,
          suspension(me, "group", g.id),
        ),
      );
    } catch (e) {
      replace(out, e instanceof ApiError && e.code === "not_found" ? empty(t("ad_group_none")) : h("p", "empty", errorText(e)));
    }
  };
  const form = h(
    "form",
    { class: "admin-toolbar", data: { form: "admin-group-search" }, on: { submit: (ev) => (ev.preventDefault(), void load()) } },
    q,
    h("button", { class: "btn small primary", attrs: { type: "submit" } }, t("ad_search")),
  );
  return h("section", { data: { screen: "admin-groups" } }, form, out);
}
