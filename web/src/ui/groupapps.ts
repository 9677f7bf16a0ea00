// Group apps: polls, daily check-in and homework of a group, reached from
// the group's info ("Group apps") and from the cards they post in the chat.
// Each tab loads what it shows from the server and loads again when the
// sync feed says a group app changed.
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import { GroupRole, type Message } from "../lib/proto";
import { AppCardKind, GroupApp, type CheckinBoard, type GroupAlbum, type GroupAnnouncement, type GroupEvent, type GroupFile, type GroupFileList, type GroupHomework, type GroupPoll, type PhotoComment } from "../gen/hongyan/v1/groupapp_pb.js";
import { blobURL, download, upload } from "../lib/media";
import { ask, avatar, confirmBox, empty, header, modal, toast, toastError } from "./widgets";
import type { View } from "./shell";

export type Tab = "polls" | "checkin" | "homework" | "announce" | "events" | "files" | "album";

// size formats a byte count for people.
export function size(n: bigint | number): string {
  const b = Number(n);
  if (b < 1024) return `${b} B`;
  if (b < 1 << 20) return `${(b / 1024).toFixed(1)} KB`;
  if (b < 1 << 30) return `${(b / (1 << 20)).toFixed(1)} MB`;
  return `${(b / (1 << 30)).toFixed(2)} GB`;
}

// thumb is an image of media id (its thumbnail), loaded with the session.
function thumb(id: string, alt: string, full = false): HTMLElement {
  const img = h("img", { class: full ? "ga-photo-full" : "ga-thumb", attrs: { alt, loading: "lazy" } }) as HTMLImageElement;
  if (id) void blobURL(id, !full).then((u) => (img.src = u)).catch(() => {});
  return img;
}

// pickFiles asks for files (several with multiple) and hands them over.
function pickFiles(multiple: boolean, then: (fs: File[]) => void, accept = "") {
  const fi = h("input", { attrs: { type: "file", multiple, accept } });
  fi.addEventListener("change", () => then(Array.from(fi.files ?? [])));
  fi.click();
}

// localInput turns the value of an <input type="datetime-local"> into unix
// milliseconds (0 when empty).
function localInput(v: string): number {
  if (!v) return 0;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms : NaN;
}

// fill is a bar's filled part, share percent wide (set through the CSSOM:
// the Content-Security-Policy forbids style attributes).
const fill = (share: number) => h("span", { class: "ga-bar-fill", ref: (el) => (el.style.width = `${share}%`) });

// inYear reports whether ms is after now and within the coming year, as
// the server requires of deadlines, due times and starts.
const inYear = (ms: number) => ms > Date.now() && ms - Date.now() <= 366 * 86400000;

const loading = () => h("div", { class: "ga-loading", attrs: { role: "status" } }, t("ga_loading"));

function pct(n: number, of: number): number {
  return of > 0 ? Math.round((n * 100) / of) : 0;
}

export function groupApps(group: bigint, initial: Tab = "polls"): View {
  const st = app.store!;
  const scope = new Scope();
  let tab: Tab = initial;
  let polls: GroupPoll[] | null = null;
  let board: CheckinBoard | null = null;
  let homework: GroupHomework[] | null = null;
  let board_: GroupAnnouncement[] | null = null;
  let events: GroupEvent[] | null = null;
  let files: GroupFileList | null = null;
  let albums: GroupAlbum[] | null = null;
  let failed = false;
  const body = h("div", { class: "pane-body ga-body", data: { tab } });
  const tabs = h("div", { class: "ga-tabs", attrs: { role: "tablist", "aria-label": t("ga_title") } });
  const el = h("div", { class: "pane", data: { screen: "group-apps" } }, header({ title: t("ga_title"), back: `/chat/g/${group}/info` }), tabs, body);
  const admin = () => (st.groups.get(key(group))?.role ?? GroupRole.MEMBER) !== GroupRole.MEMBER;
  const name = (u: bigint) => st.name(u, group);

  const load = async () => {
    failed = false;
    try {
      if (tab === "polls") polls = (await app.conn.call("appPolls", { group }, "appPolls")).polls;
      else if (tab === "checkin") board = await app.conn.call("appCheckinBoard", { group }, "appCheckinBoard");
      else if (tab === "homework") homework = (await app.conn.call("appHomeworks", { group }, "appHomeworks")).homework;
      else if (tab === "events") events = (await app.conn.call("appEvents", { group }, "appEvents")).events;
      else if (tab === "files") files = await app.conn.call("appFiles", { group }, "appFiles");
      else if (tab === "album") albums = (await app.conn.call("appAlbums", { group }, "appAlbums")).albums;
      else board_ = (await app.conn.call("appAnnouncements", { group }, "appAnnouncements")).announcements;
    } catch (e) {
      failed = true;
      toastError(e);
    }
    render();
  };

  const run = async <T>(what: Promise<T>): Promise<T | undefined> => {
    try {
      return await what;
    } catch (e) {
      toastError(e);
      return undefined;
    } finally {
      void load();
    }
  };

  // ---- polls ----

  const newPoll = async () => {
    const v = await ask(t("ga_poll_new"), [
      { name: "question", label: t("ga_poll_question"), maxlength: 200 },
      { name: "options", label: t("ga_poll_options"), multiline: true, placeholder: t("ga_poll_options_hint") },
      { name: "multi", label: t("ga_poll_kind"), options: [["single", t("ga_poll_single")], ["multi", t("ga_poll_multi")]], value: "single" },
      { name: "anonymous", label: t("ga_poll_names"), options: [["named", t("ga_poll_named")], ["anonymous", t("ga_poll_anonymous")]], value: "named" },
      { name: "deadline", label: t("ga_deadline_optional"), type: "datetime-local" },
    ], t("ga_create"));
    if (!v) return;
    const options = v.options.split("\n").map((s) => s.trim()).filter(Boolean);
    const deadline = localInput(v.deadline);
    if (!v.question.trim()) return toast(t("ga_poll_need_question"), "error");
    if (options.length < 2 || options.length > 20) return toast(t("ga_poll_need_options"), "error");
    if (Number.isNaN(deadline)) return toast(t("ga_bad_time"), "error");
    if (deadline && !inYear(deadline)) return toast(t("ga_time_in_year"), "error");
    await run(app.conn.call("appPollCreate", { group, question: v.question.trim(), options, multi: v.multi === "multi", anonymous: v.anonymous === "anonymous", deadline: BigInt(deadline) }, "appPoll"));
  };

  const vote = (p: GroupPoll, choices: number[]) => run(app.conn.call("appPollVote", { group, poll: p.id, choices }, "appPoll"));

  const pollCard = (p: GroupPoll): HTMLElement => {
    const mine = new Set(p.mine);
    const voted = p.mine.length > 0;
    const status = p.open ? (p.deadline ? t("ga_until", formatTime(Number(p.deadline), true)) : t("ga_open")) : t("ga_closed");
    const picked = new Set<number>(p.mine);
    const options = p.options.map((o, i) => {
      const n = p.counts[i] ?? 0;
      const share = pct(n, p.voters);
      const who = p.anonymous ? null : (p.byOption[i]?.users ?? []).map(name).join(t("list_sep"));
      const input = p.multi
        ? h("input", { attrs: { type: "checkbox", "aria-label": o }, props: { checked: mine.has(i), disabled: !p.open }, on: { change: (e) => ((e.target as HTMLInputElement).checked ? picked.add(i) : picked.delete(i)) } })
        : null;
      const label = h("span", "ga-opt-text", o);
      const bar = h("span", { class: "ga-bar", attrs: { "aria-hidden": "true" } }, fill(share));
      const count = h("span", "ga-count", t("ga_votes", n, share));
      const line = [input, label, count, bar, who ? h("span", "ga-voters", who) : null];
      return !p.multi && p.open
        ? h("button", { class: `ga-opt${mine.has(i) ? " mine" : ""}`, attrs: { type: "button", "aria-pressed": mine.has(i) ? "true" : "false" }, data: { option: o }, on: { click: () => void vote(p, [i]) } }, ...line)
        : h("label", { class: `ga-opt${mine.has(i) ? " mine" : ""}`, data: { option: o } }, ...line);
    });
    const mayClose = p.open && (p.creator === st.me || admin());
    return h(
      "article",
      { class: "ga-card", data: { poll: p.question } },
      h("div", "ga-card-head", h("h3", null, p.question), h("span", { class: `ga-status${p.open ? " open" : ""}` }, status)),
      h("div", "ga-meta", [p.multi ? t("ga_poll_multi") : t("ga_poll_single"), p.anonymous ? t("ga_poll_anonymous") : t("ga_poll_named"), t("ga_by", name(p.creator)), t("ga_voters", p.voters)].join(" · ")),
      h("div", { class: "ga-opts", attrs: { role: "group", "aria-label": p.question } }, ...options),
      h(
        "div",
        "ga-actions",
        p.multi && p.open ? h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "poll-vote" }, on: { click: () => (picked.size ? void vote(p, [...picked].sort((a, b) => a - b)) : toast(t("ga_pick_one"), "error")) } }, voted ? t("ga_change_vote") : t("ga_vote")) : null,
        !p.multi && p.open ? h("span", "hint", voted ? t("ga_tap_change") : t("ga_tap_vote")) : null,
        mayClose ? h("button", { class: "btn", attrs: { type: "button" }, data: { action: "poll-close" }, on: { click: () => void run(app.conn.call("appPollClose", { group, id: p.id }, "appPoll")) } }, t("ga_close_poll")) : null,
      ),
    );
  };

  const pollsPane = (): HTMLElement[] => [
    h("div", "ga-toolbar", h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "poll-new" }, on: { click: () => void newPoll() } }, t("ga_poll_new"))),
    polls === null ? (failed ? empty(t("ga_load_failed")) : loading()) : polls.length ? h("div", "ga-list", ...polls.map(pollCard)) : empty(t("ga_poll_empty")),
  ];

  // ---- check-in ----

  const checkinPane = (): HTMLElement[] => {
    if (!board) return [failed ? empty(t("ga_load_failed")) : loading()];
    const b = board;
    const me = b.me;
    const best = Math.max(1, ...b.ranking.map((r) => r.streak));
    return [
      h(
        "div",
        "ga-checkin",
        h("div", "ga-streak", h("span", "ga-streak-n", String(me?.streak ?? 0)), h("span", "ga-streak-label", t("ga_streak_days"))),
        h("div", "ga-meta", t("ga_checkin_stats", me?.best ?? 0, me?.total ?? 0)),
        h("button", { class: "btn primary ga-checkin-btn", attrs: { type: "button" }, props: { disabled: !!me?.today }, data: { action: "checkin" }, on: { click: () => void run(app.conn.call("appCheckin", { group }, "appCheckinBoard")).then((r) => r && toast(t("ga_checked_in", r.me?.streak ?? 1))) } }, me?.today ? t("ga_checked_in_today") : t("ga_checkin")),
        h("div", "hint", t("ga_today_n", b.today), " · ", t("ga_zone", b.zone)),
      ),
      h("h2", "ga-subhead", t("ga_ranking")),
      b.ranking.length
        ? h(
            "ol",
            { class: "ga-ranking", attrs: { "aria-label": t("ga_ranking") } },
            ...b.ranking.map((r, i) =>
              h(
                "li",
                { class: `ga-rank${r.user === st.me ? " me" : ""}`, data: { rank: name(r.user) } },
                h("span", "ga-rank-n", String(i + 1)),
                avatar(name(r.user), st.profileOf(r.user)?.avatar, "s"),
                h("span", "ga-rank-name", name(r.user)),
                h("span", { class: "ga-bar", attrs: { "aria-hidden": "true" } }, fill(pct(r.streak, best))),
                h("span", "ga-count", t("ga_days", r.streak)),
              ),
            ),
          )
        : empty(t("ga_ranking_empty")),
    ];
  };

  // ---- homework ----

  const postHomework = async () => {
    const v = await ask(t("ga_hw_new"), [
      { name: "title", label: t("ga_hw_title"), maxlength: 100 },
      { name: "text", label: t("ga_hw_text"), multiline: true, maxlength: 2000 },
      { name: "due", label: t("ga_hw_due"), type: "datetime-local" },
    ], t("ga_post"));
    if (!v) return;
    const due = localInput(v.due);
    if (!v.title.trim()) return toast(t("ga_hw_need_title"), "error");
    if (!due || Number.isNaN(due)) return toast(t("ga_hw_need_due"), "error");
    if (!inYear(due)) return toast(t("ga_time_in_year"), "error");
    await run(app.conn.call("appHomeworkPost", { group, title: v.title.trim(), text: v.text, due: BigInt(due) }, "appHomework"));
  };

  const openHomework = (hw: GroupHomework) => {
    const submit = async (picked: File[] = []) => {
      close();
      const v = await ask(hw.title, [{ name: "text", label: picked.length ? t("ga_hw_answer_with", picked.length) : t("ga_hw_answer"), multiline: true, value: hw.mine?.text ?? "", maxlength: 4000 }], t("ga_hw_submit"));
      if (!v) return;
      if (!v.text.trim() && !picked.length) return toast(t("ga_hw_need_answer"), "error");
      if (picked.length > 9) return toast(t("ga_hw_too_many_files"), "error");
      const ids: string[] = [];
      try {
        for (const f of picked) ids.push((await upload(f, "file", f.name || "file")).id);
      } catch (e) {
        return toastError(e);
      }
      const r = await run(app.conn.call("appHomeworkSubmit", { group, homework: hw.id, text: v.text, files: ids }, "appHomework"));
      if (r) toast(t("ga_hw_submitted"));
    };
    const fileRow = (f: GroupFile) =>
      h("button", { class: "ga-file-link", attrs: { type: "button" }, data: { file: f.name }, on: { click: () => void download(f.media, f.name).catch(toastError) } }, `📎 ${f.name} (${size(f.size)})`);
    const remind = async () => {
      close();
      const r = await run(app.conn.call("appHomeworkRemind", { group, id: hw.id }, "appHomework"));
      if (r) toast(t("ga_hw_reminded", r.missing.length));
    };
    const close = modal(
      h(
        "div",
        { class: "dialog-form ga-hw-detail", data: { dialog: "homework" } },
        h("h2", null, hw.title),
        h("div", "ga-meta", t("ga_hw_due_at", formatTime(Number(hw.due), true)), " · ", t("ga_by", name(hw.creator))),
        hw.text ? h("p", "pre", hw.text) : null,
        hw.mine ? h("div", "ga-mine", h("strong", null, t("ga_hw_mine")), h("p", "pre", hw.mine.text), ...hw.mine.files.map(fileRow)) : null,
        hw.manager
          ? h(
              "div",
              "ga-manager",
              h("h3", null, t("ga_hw_missing", hw.missing.length)),
              hw.missing.length ? h("ul", { class: "plain-list", data: { list: "missing" } }, ...hw.missing.map((u) => h("li", null, name(u)))) : h("p", "hint", t("ga_hw_all_in")),
              h("h3", null, t("ga_hw_answers", hw.submissions.length)),
              ...hw.submissions.map((s) => h("div", "ga-answer", h("div", "ga-meta", `${name(s.user)} · ${formatTime(Number(s.at), true)}`), h("p", "pre", s.text), ...s.files.map(fileRow))),
            )
          : null,
        h(
          "div",
          "dialog-actions",
          hw.manager && hw.open && hw.missing.length ? h("button", { class: "btn", attrs: { type: "button" }, data: { action: "hw-remind" }, on: { click: () => void remind() } }, t("ga_hw_remind")) : null,
          !hw.manager && hw.open ? h("button", { class: "btn", attrs: { type: "button" }, data: { action: "hw-submit-files" }, on: { click: () => pickFiles(true, (fs) => void submit(fs)) } }, t("ga_hw_submit_files")) : null,
          !hw.manager && hw.open ? h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "hw-submit" }, on: { click: () => void submit() } }, hw.mine ? t("ga_hw_resubmit") : t("ga_hw_submit")) : null,
          h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("close")),
        ),
      ),
      { label: hw.title },
    );
  };

  const homeworkPane = (): HTMLElement[] => [
    admin() ? h("div", "ga-toolbar", h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "hw-new" }, on: { click: () => void postHomework() } }, t("ga_hw_new"))) : null,
    homework === null
      ? failed ? empty(t("ga_load_failed")) : loading()
      : homework.length
        ? h(
            "div",
            "ga-list",
            ...homework.map((hw) =>
              h(
                "button",
                { class: "ga-card ga-hw", attrs: { type: "button" }, data: { homework: hw.title }, on: { click: () => openHomework(hw) } },
                h("div", "ga-card-head", h("h3", null, hw.title), h("span", { class: `ga-status${hw.open ? " open" : ""}` }, hw.open ? t("ga_hw_due_at", formatTime(Number(hw.due), true)) : t("ga_closed"))),
                h("div", "ga-meta", hw.manager ? t("ga_hw_progress", hw.submitted, hw.members) : hw.mine ? t("ga_hw_done") : t("ga_hw_todo")),
                h("span", { class: "ga-bar", attrs: { "aria-hidden": "true" } }, fill(pct(hw.submitted, hw.members))),
              ),
            ),
          )
        : empty(t("ga_hw_empty")),
  ].filter((x): x is HTMLElement => !!x);

  // ---- announcements ----

  const announce = async () => {
    const v = await ask(t("ga_an_new"), [
      { name: "text", label: t("ga_an_text"), multiline: true, maxlength: 2000 },
      { name: "pin", label: t("ga_an_pin_q"), options: [["no", t("ga_an_no_pin")], ["yes", t("ga_an_pin")]], value: "no" },
    ], t("ga_post"));
    if (!v) return;
    if (!v.text.trim()) return toast(t("ga_an_need_text"), "error");
    await run(app.conn.call("appAnnounce", { group, text: v.text, pinned: v.pin === "yes" }, "appAnnouncement"));
  };

  const announcePane = (): HTMLElement[] => {
    const list = board_ ? [...board_].sort((a, b) => Number(b.pinned) - Number(a.pinned) || Number(b.id - a.id)) : null;
    return [
      admin() ? h("div", "ga-toolbar", h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "an-new" }, on: { click: () => void announce() } }, t("ga_an_new"))) : null,
      list === null
        ? failed ? empty(t("ga_load_failed")) : loading()
        : list.length
          ? h(
              "div",
              "ga-list",
              ...list.map((a) =>
                h(
                  "article",
                  { class: `ga-card ga-an${a.pinned ? " pinned" : ""}`, data: { announcement: a.text.split("\n")[0] } },
                  h("div", "ga-card-head", a.pinned ? h("span", "ga-pin", t("ga_an_pinned")) : null, h("span", "ga-meta", `${name(a.author)} · ${formatTime(Number(a.created), true)}`)),
                  h("p", "pre ga-an-text", a.text),
                  admin()
                    ? h(
                        "div",
                        "ga-actions",
                        h("button", { class: "btn", attrs: { type: "button" }, data: { action: a.pinned ? "an-unpin" : "an-pin" }, on: { click: () => void run(app.conn.call("appAnnouncePin", { group, id: a.id, pinned: !a.pinned }, "appAnnouncement")) } }, a.pinned ? t("ga_an_unpin") : t("ga_an_pin")),
                        h("button", { class: "btn danger", attrs: { type: "button" }, data: { action: "an-remove" }, on: { click: () => void run(app.conn.call("appAnnounceRemove", { group, id: a.id }, "appAnnouncement")) } }, t("ga_an_remove")),
                      )
                    : null,
                ),
              ),
            )
          : empty(t("ga_an_empty")),
    ].filter((x): x is HTMLElement => !!x);
  };

  // ---- events ----

  const newEvent = async () => {
    const v = await ask(t("ga_ev_new"), [
      { name: "title", label: t("ga_ev_title"), maxlength: 100 },
      { name: "place", label: t("ga_ev_place"), maxlength: 100 },
      { name: "start", label: t("ga_ev_start"), type: "datetime-local" },
      { name: "limit", label: t("ga_ev_limit"), type: "number", placeholder: t("ga_ev_limit_hint") },
      { name: "remind", label: t("ga_ev_auto_remind"), options: [["none", t("ga_ev_remind_none")], ["60", t("ga_ev_remind_1h")], ["1440", t("ga_ev_remind_1d")], ["60,1440", t("ga_ev_remind_both")]], value: "60" },
    ], t("ga_create"));
    if (!v) return;
    const start = localInput(v.start);
    const limit = v.limit.trim() ? Number(v.limit) : 0;
    if (!v.title.trim()) return toast(t("ga_ev_need_title"), "error");
    if (!start || Number.isNaN(start)) return toast(t("ga_ev_need_start"), "error");
    if (!inYear(start)) return toast(t("ga_time_in_year"), "error");
    if (!Number.isInteger(limit) || limit < 0 || limit > 10000) return toast(t("ga_ev_bad_limit"), "error");
    const remindBeforeMinutes = v.remind === "none" ? [] : v.remind.split(",").map(Number);
    await run(app.conn.call("appEventCreate", { group, title: v.title.trim(), place: v.place.trim(), start: BigInt(start), limit, remindBeforeMinutes }, "appEvent"));
  };

  const eventCard = (e: GroupEvent): HTMLElement => {
    const ref = { group, id: e.id };
    const mine = e.mine === 1 ? t("ga_ev_going") : e.mine === 2 ? t("ga_ev_waiting_at", e.waitingAt) : "";
    const places = e.limit ? t("ga_ev_places", e.going.length, e.limit) : t("ga_ev_people", e.going.length);
    return h(
      "article",
      { class: "ga-card ga-ev", data: { event: e.title } },
      h("div", "ga-card-head", h("h3", null, e.title), h("span", { class: `ga-status${e.open ? " open" : ""}` }, e.open ? formatTime(Number(e.start), true) : t("ga_ev_started"))),
      h("div", "ga-meta", [e.place, places, e.waiting.length ? t("ga_ev_waitlist", e.waiting.length) : "", e.remindBeforeMinutes.length ? t("ga_ev_reminds", e.remindBeforeMinutes.map((m) => (m % 1440 === 0 ? t("ga_days_before", m / 1440) : m % 60 === 0 ? t("ga_hours_before", m / 60) : t("ga_minutes_before", m))).join(t("list_sep"))) : ""].filter(Boolean).join(" · ")),
      e.limit ? h("span", { class: "ga-bar", attrs: { "aria-hidden": "true" } }, fill(pct(e.going.length, e.limit))) : null,
      e.going.length ? h("div", "ga-voters", e.going.map(name).join(t("list_sep"))) : null,
      h(
        "div",
        "ga-actions",
        mine ? h("span", { class: "hint", data: { mine: String(e.mine) } }, mine) : null,
        e.open && !e.mine ? h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "ev-signup" }, on: { click: () => void run(app.conn.call("appEventSignup", ref, "appEvent")) } }, e.limit && e.going.length >= e.limit ? t("ga_ev_join_waitlist") : t("ga_ev_signup")) : null,
        e.open && e.mine ? h("button", { class: "btn", attrs: { type: "button" }, data: { action: "ev-cancel" }, on: { click: () => void run(app.conn.call("appEventCancel", ref, "appEvent")) } }, t("ga_ev_cancel")) : null,
        e.open && e.going.length && (e.creator === st.me || admin()) ? h("button", { class: "btn", attrs: { type: "button" }, data: { action: "ev-remind" }, on: { click: () => void run(app.conn.call("appEventRemind", ref, "appEvent")).then((r) => r && toast(t("ga_ev_reminded", r.going.length))) } }, t("ga_ev_remind")) : null,
      ),
    );
  };

  const eventsPane = (): HTMLElement[] => [
    h("div", "ga-toolbar", h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "ev-new" }, on: { click: () => void newEvent() } }, t("ga_ev_new"))),
    events === null ? (failed ? empty(t("ga_load_failed")) : loading()) : events.length ? h("div", "ga-list", ...events.map(eventCard)) : empty(t("ga_ev_empty")),
  ];

  // ---- files ----

  const share = (picked: File[]) =>
    void (async () => {
      for (const f of picked) {
        try {
          const up = await upload(f, "file", f.name || "file");
          await app.conn.call("appFileAdd", { group, media: up.id }, "appFile");
          toast(t("ga_file_shared", f.name));
        } catch (e) {
          toastError(e);
        }
      }
      void load();
    })();

  const fileCard = (f: GroupFile): HTMLElement =>
    h(
      "article",
      { class: "ga-card ga-file", data: { file: f.name } },
      h("div", "ga-card-head", h("h3", null, f.name), h("span", "ga-status", size(f.size))),
      h("div", "ga-meta", `${name(f.uploader)} · ${formatTime(Number(f.created), true)}`),
      h(
        "div",
        "ga-actions",
        h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "file-get" }, on: { click: () => void download(f.media, f.name).catch(toastError) } }, t("ga_file_download")),
        f.uploader === st.me || admin()
          ? h("button", { class: "btn danger", attrs: { type: "button" }, data: { action: "file-delete" }, on: { click: () => void run(app.conn.call("appFileDelete", { group, id: f.id }, "appFile")) } }, t("ga_file_delete"))
          : null,
      ),
    );

  const filesPane = (): HTMLElement[] => [
    h(
      "div",
      "ga-toolbar",
      h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "file-upload" }, on: { click: () => pickFiles(true, share) } }, t("ga_file_upload")),
      files ? h("span", { class: "hint", data: { quota: "" } }, t("ga_file_quota", size(files.used), size(files.quota))) : null,
    ),
    files === null ? (failed ? empty(t("ga_load_failed")) : loading()) : files.files.length ? h("div", "ga-list", ...files.files.map(fileCard)) : empty(t("ga_file_empty")),
  ];

  // ---- album ----

  const newAlbum = async () => {
    const v = await ask(t("ga_al_new"), [{ name: "name", label: t("ga_al_name"), maxlength: 50 }], t("ga_create"));
    if (!v) return;
    if (!v.name.trim()) return toast(t("ga_al_need_name"), "error");
    await run(app.conn.call("appAlbumCreate", { group, name: v.name.trim() }, "appAlbum"));
  };

  const openPhoto = (a: GroupAlbum, p: GroupFile, back: () => void) => {
    const list = h("div", { class: "ga-comments", data: { list: "comments" } }, loading());
    const input = h("input", { attrs: { type: "text", maxlength: 500, "aria-label": t("ga_al_comment"), placeholder: t("ga_al_comment") } }) as HTMLInputElement;
    const showComments = async () => {
      try {
        const cs: PhotoComment[] = (await app.conn.call("appPhotoComments", { group, photo: p.id }, "appPhotoComments")).comments;
        replace(
          list,
          ...(cs.length
            ? cs.map((c) =>
                h(
                  "div",
                  { class: "ga-comment", data: { comment: c.text } },
                  h("strong", null, name(c.author)),
                  h("span", null, ` ${c.text}`),
                  c.author === st.me || admin()
                    ? h("button", { class: "btn link", attrs: { type: "button" }, data: { action: "comment-delete" }, on: { click: () => void app.conn.raw("appPhotoCommentDelete", { group, id: c.id }).then(showComments, toastError) } }, t("ga_file_delete"))
                    : null,
                ),
              )
            : [h("p", "hint", t("ga_al_no_comments"))]),
        );
      } catch (e) {
        toastError(e);
      }
    };
    const close = modal(
      h(
        "div",
        { class: "dialog-form ga-photo", data: { dialog: "photo" } },
        h("h2", null, a.name),
        p.type.startsWith("video/") ? h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => void download(p.media, p.name).catch(toastError) } }, t("ga_file_download")) : thumb(p.media, p.name, true),
        h("div", "ga-meta", `${name(p.uploader)} · ${formatTime(Number(p.created), true)}`),
        list,
        h(
          "form",
          { class: "ga-comment-form", on: { submit: (e) => { e.preventDefault(); const text = input.value.trim(); if (!text) return; void app.conn.call("appPhotoComment", { group, photo: p.id, text }, "appPhotoComments").then(() => { input.value = ""; void showComments(); }, toastError); } } },
          input,
          h("button", { class: "btn primary", attrs: { type: "submit" }, data: { action: "comment" } }, t("ga_al_send")),
        ),
        h(
          "div",
          "dialog-actions",
          p.uploader === st.me || admin()
            ? h("button", { class: "btn danger", attrs: { type: "button" }, data: { action: "photo-delete" }, on: { click: () => void app.conn.call("appPhotoDelete", { group, id: p.id }, "appFile").then(() => { close(); back(); }, toastError) } }, t("ga_file_delete"))
            : null,
          h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("close")),
        ),
      ),
      { label: a.name },
    );
    void showComments();
  };

  const openAlbum = (a: GroupAlbum) => {
    const grid = h("div", { class: "ga-photos", data: { list: "photos" } }, loading());
    const show = async () => {
      try {
        const ps = (await app.conn.call("appAlbumPhotos", { group, id: a.id }, "appPhotos")).photos;
        replace(grid, ...(ps.length ? ps.map((p) => h("button", { class: "ga-photo-cell", attrs: { type: "button", "aria-label": p.name }, data: { photo: p.name }, on: { click: () => openPhoto(a, p, () => void show()) } }, thumb(p.media, p.name))) : [empty(t("ga_al_no_photos"))]));
      } catch (e) {
        toastError(e);
      }
    };
    const addPhotos = (fs: File[]) =>
      void (async () => {
        if (fs.length > 20) return toast(t("ga_al_too_many"), "error");
        try {
          const media: string[] = [];
          for (const f of fs) media.push((await upload(f, f.type.startsWith("video/") ? "video" : "image", f.name || "photo")).id);
          if (media.length) await app.conn.call("appAlbumAddPhotos", { group, id: a.id, media }, "appPhotos");
          toast(t("ga_al_added", media.length));
        } catch (e) {
          toastError(e);
        }
        void show();
        void load();
      })();
    const manage = a.creator === st.me || admin();
    const close = modal(
      h(
        "div",
        { class: "dialog-form ga-album", data: { dialog: "album" } },
        h("h2", null, a.name),
        h("div", "ga-actions",
          h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "album-add" }, on: { click: () => pickFiles(true, addPhotos, "image/*,video/*") } }, t("ga_al_add")),
          manage ? h("button", { class: "btn", attrs: { type: "button" }, data: { action: "album-rename" }, on: { click: () => void (async () => { close(); const v = await ask(t("ga_al_rename"), [{ name: "name", label: t("ga_al_name"), value: a.name, maxlength: 50 }], t("ok")); if (v?.name.trim()) await run(app.conn.call("appAlbumRename", { group, id: a.id, name: v.name.trim() }, "appAlbum")); })() } }, t("ga_al_rename")) : null,
          manage ? h("button", { class: "btn danger", attrs: { type: "button" }, data: { action: "album-delete" }, on: { click: () => void (async () => { if (!(await confirmBox(t("ga_al_delete_q", a.name), t("ga_file_delete"), true))) return; close(); await run(app.conn.call("appAlbumDelete", { group, id: a.id }, "appAlbum")); })() } }, t("ga_file_delete")) : null,
        ),
        grid,
        h("div", "dialog-actions", h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("close"))),
      ),
      { label: a.name },
    );
    void show();
  };

  const albumPane = (): HTMLElement[] => [
    h("div", "ga-toolbar", h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "album-new" }, on: { click: () => void newAlbum() } }, t("ga_al_new"))),
    albums === null
      ? failed ? empty(t("ga_load_failed")) : loading()
      : albums.length
        ? h(
            "div",
            "ga-list ga-albums",
            ...albums.map((a) =>
              h(
                "button",
                { class: "ga-card ga-album-card", attrs: { type: "button" }, data: { album: a.name }, on: { click: () => openAlbum(a) } },
                a.cover ? thumb(a.cover, a.name) : h("span", { class: "ga-thumb empty", attrs: { "aria-hidden": "true" } }, "🖼"),
                h("div", "ga-card-head", h("h3", null, a.name), h("span", "ga-status", t("ga_al_count", a.photos))),
                h("div", "ga-meta", t("ga_by", name(a.creator))),
              ),
            ),
          )
        : empty(t("ga_al_empty")),
  ];

  const render = () => {
    body.dataset.tab = tab;
    replace(
      tabs,
      ...(["announce", "polls", "events", "checkin", "homework", "files", "album"] as Tab[]).map((k) =>
        h("button", { class: `ga-tab${k === tab ? " on" : ""}`, attrs: { type: "button", role: "tab", "aria-selected": k === tab ? "true" : "false" }, data: { gaTab: k }, on: { click: () => { tab = k; render(); void load(); } } }, t(`ga_tab_${k}` as const)),
      ),
    );
    replace(body, ...(tab === "polls" ? pollsPane() : tab === "checkin" ? checkinPane() : tab === "homework" ? homeworkPane() : tab === "events" ? eventsPane() : tab === "files" ? filesPane() : tab === "album" ? albumPane() : announcePane()));
  };
  scope.add(st.on("apps", () => void load()));
  render();
  void load();
  return { el, dispose: () => scope.dispose() };
}

// appCard renders a group app's card in the chat; it opens the app.
export function appCard(m: Message): HTMLElement {
  const c = m.appCard;
  const app = c?.app === GroupApp.HOMEWORK ? "homework" : c?.app === GroupApp.CHECKIN ? "checkin" : c?.app === GroupApp.ANNOUNCEMENT ? "announce" : c?.app === GroupApp.EVENT ? "events" : c?.app === GroupApp.FILE ? "files" : c?.app === GroupApp.ALBUM ? "album" : "polls";
  const label = c?.app === GroupApp.HOMEWORK ? t("ga_card_homework") : c?.app === GroupApp.ANNOUNCEMENT ? t("ga_card_announcement") : c?.app === GroupApp.EVENT ? t("ga_card_event") : c?.app === GroupApp.FILE ? t("ga_card_file") : c?.app === GroupApp.ALBUM ? t("ga_card_album") : t("ga_card_poll");
  const what = c?.app === GroupApp.FILE ? t("ga_card_file_new") : c?.app === GroupApp.ALBUM ? t("ga_card_photos", c.count || 1) : c?.kind === AppCardKind.CLOSED ? t("ga_card_closed") : c?.kind === AppCardKind.REMINDER ? (c.app === GroupApp.EVENT ? t("ga_card_ev_reminder") : t("ga_card_reminder")) : c?.kind === AppCardKind.PROMOTED ? t("ga_card_promoted") : t("ga_card_new");
  return h(
    "button",
    { class: `card app-card ${app}`, attrs: { type: "button" }, data: { appCard: app }, on: { click: (e) => (e.stopPropagation(), router.go(`/chat/g/${m.group}/apps/${app}`)) } },
    h("span", { class: "app-card-icon", attrs: { "aria-hidden": "true" } }, app === "homework" ? "✎" : app === "announce" ? "📢" : app === "events" ? "📅" : app === "files" ? "📁" : app === "album" ? "🖼" : "☑"),
    h("span", "card-main", h("span", "card-title", m.text), h("span", "card-sub", what)),
    h("span", "card-foot", label),
  );
}
