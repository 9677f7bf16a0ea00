// The Group Assistant in a group's settings: turned on by the owner,
// configured by the owner and admins (welcome, keywords, scheduled posts),
// with the group's statistics as SVG charts.
import { h, replace, replaceKeeping, trackEdits } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import type { Assistant, AssistantDay, AssistantLottery } from "../gen/hongyan/v1/assistant_pb.js";
import { ask, busy, empty, header, row, section, toast, toastError } from "./widgets";
import type { View } from "./shell";
import { barChart } from "./chart";

export function assistantView(group: bigint): View {
  const body = h("div", "pane-body padded");
  const el = h("div", { class: "pane", data: { screen: "assistant" } }, header({ title: t("as_title"), back: `/chat/g/${group}/info` }), body);
  trackEdits(body);

  // done names the form whose change the screen is shown again after.
  const render = (a: Assistant, days: AssistantDay[], lots: AssistantLottery[], done?: string) => {
    if (!a.on) {
      const tz = h("input", { attrs: { name: "timezone", maxlength: 64, "aria-label": t("as_timezone") }, props: { value: a.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone } });
      const on = h("button", { class: "btn primary", attrs: { type: "submit" }, data: { action: "assistant-on" } }, t("as_turn_on"));
      const form = h("form", { class: "dialog-form", data: { form: "assistant-on" } }, h("label", null, t("as_timezone"), tz), on, h("p", "hint", t("as_owner_turns_on")));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        void busy(on, () => act(() => app.conn.call("assistantEnable", { group, timezone: tz.value.trim() }, "assistant"), "assistant-on"));
      });
      replace(body, h("p", "hint", t("as_hint")), empty(t("as_off")), form);
      return;
    }
    // Welcome.
    const welcome = h("textarea", { attrs: { name: "welcome", maxlength: 500, rows: 3, "aria-label": t("as_welcome") }, props: { value: a.welcome } });
    const saveW = h("button", { class: "btn primary", attrs: { type: "submit" } }, t("as_save"));
    const wForm = h("form", { class: "dialog-form", data: { form: "assistant-welcome" } }, h("label", null, t("as_welcome"), welcome), h("p", "hint", t("as_welcome_hint")), saveW);
    wForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void busy(saveW, async () => {
        await act(() => app.conn.call("assistantSetWelcome", { group, text: welcome.value }, "assistant"), "assistant-welcome");
        toast(t("as_saved"));
      });
    });
    // Keywords.
    const kw = h("input", { attrs: { name: "keyword", maxlength: 30, required: true, "aria-label": t("as_keyword") } });
    const reply = h("input", { attrs: { name: "reply", maxlength: 500, required: true, "aria-label": t("as_reply") } });
    const exact = h("input", { attrs: { name: "exact", type: "checkbox" } });
    const addK = h("button", { class: "btn primary", attrs: { type: "submit" } }, t("as_add"));
    const kForm = h("form", { class: "dialog-form", data: { form: "assistant-keyword" } },
      h("label", null, t("as_keyword"), kw), h("label", null, t("as_reply"), reply), h("label", "check", exact, t("as_exact")), addK);
    kForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void busy(addK, () => act(() => app.conn.call("assistantAddKeyword", { group, keyword: kw.value.trim(), reply: reply.value, exact: exact.checked }, "assistant"), "assistant-keyword"));
    });
    const kRows = a.keywords.map((k) => row({
      title: k.exact ? `「${k.keyword}」` : k.keyword, sub: k.reply, right: t("as_remove"), data: { keyword: String(k.id) },
      onClick: () => void act(() => app.conn.call("assistantRemoveKeyword", { group, id: k.id }, "assistant")),
    }));
    // Schedules.
    const text = h("textarea", { attrs: { name: "text", maxlength: 1000, rows: 2, required: true, "aria-label": t("as_text") } });
    const at = h("input", { attrs: { name: "at", type: "datetime-local", required: true, "aria-label": t("as_at") } });
    const repeat = h("select", { attrs: { name: "repeat", "aria-label": t("as_repeat") } },
      h("option", { attrs: { value: "once" } }, t("as_once")), h("option", { attrs: { value: "daily" } }, t("as_daily")), h("option", { attrs: { value: "weekly" } }, t("as_weekly")));
    const addS = h("button", { class: "btn primary", attrs: { type: "submit" } }, t("as_add"));
    const sForm = h("form", { class: "dialog-form", data: { form: "assistant-schedule" } },
      h("label", null, t("as_text"), text), h("label", null, `${t("as_at")} (${a.timezone})`, at), h("label", null, t("as_repeat"), repeat), addS);
    sForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void busy(addS, () => act(() => app.conn.call("assistantPutSchedule", { group, id: 0n, text: text.value, at: at.value.replace("T", " "), repeat: repeat.value }, "assistant"), "assistant-schedule"));
    });
    const sRows = a.schedules.map((s) => row({
      title: s.text, sub: `${s.first} · ${t(s.repeat === "daily" ? "as_daily" : s.repeat === "weekly" ? "as_weekly" : "as_once")} · ${t("as_next", new Date(Number(s.nextMs)).toLocaleString())}`,
      right: t("as_cancel"), data: { schedule: String(s.id) },
      onClick: () => void act(() => app.conn.call("assistantCancelSchedule", { group, id: s.id }, "assistant")),
    }));
    // Lotteries.
    const lTitle = h("input", { attrs: { name: "title", maxlength: 60, required: true, "aria-label": t("as_lottery_title") } });
    const lKey = h("input", { attrs: { name: "keyword", maxlength: 30, required: true, "aria-label": t("as_keyword") } });
    const lWin = h("input", { attrs: { name: "winners", type: "number", min: 1, max: 100, required: true, "aria-label": t("as_lottery_winners") }, props: { value: "1" } });
    const lEnd = h("input", { attrs: { name: "deadline", type: "datetime-local", required: true, "aria-label": t("as_lottery_deadline") } });
    const addL = h("button", { class: "btn primary", attrs: { type: "submit" } }, t("as_add"));
    const lForm = h("form", { class: "dialog-form", data: { form: "assistant-lottery" } },
      h("label", null, t("as_lottery_title"), lTitle), h("label", null, t("as_keyword"), lKey), h("label", null, t("as_lottery_winners"), lWin),
      h("label", null, t("as_lottery_deadline"), lEnd), addL);
    lForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void busy(addL, () => act(() => app.conn.call("assistantLotteryCreate", { group, title: lTitle.value.trim(), keyword: lKey.value.trim(),
        winners: Number(lWin.value) || 0, deadlineMs: BigInt(new Date(lEnd.value).getTime() || 0) }, "assistantLotteries"), "assistant-lottery"));
    });
    const lRows = lots.map((l) => row({
      title: l.title,
      sub: l.drawn ? `${t("as_lottery_drawn", l.result.length, l.entrants.length)} · seed ${l.seed}` : t("as_lottery_open", l.keyword, l.winners, new Date(Number(l.deadlineMs)).toLocaleString()),
      right: `SHA-256 ${l.hash.slice(0, 12)}…`, data: { lottery: String(l.id) },
    }));
    const sum = (f: (d: AssistantDay) => number) => days.reduce((n, d) => n + f(d), 0);
    replaceKeeping(
      body,
      done,
      h("p", "hint", t("as_hint")),
      section(t("as_welcome"), wForm),
      section(t("as_keywords"), ...(kRows.length ? kRows : [empty(t("as_no_keywords"))]), kForm),
      section(t("as_schedules"), ...(sRows.length ? sRows : [empty(t("as_no_schedules"))]), sForm),
      section(t("as_lotteries"), h("p", "hint", t("as_lottery_hint")), ...(lRows.length ? lRows : [empty(t("as_no_lotteries"))]), lForm),
      section(t("as_stats"),
        h("p", { class: "hint", data: { assistantTotals: "" } }, t("as_totals", sum((d) => d.messages), sum((d) => d.joins), sum((d) => d.leaves))),
        h("h3", null, t("as_messages")), chart(days, [(d) => d.messages], t("as_messages")),
        h("h3", null, t("as_active")), chart(days, [(d) => d.active], t("as_active")),
        h("h3", null, t("as_joins")), chart(days, [(d) => d.joins, (d) => d.leaves], t("as_joins"))),
    );
  };

  const load = async (done?: string) => {
    const a = await app.conn.call("assistantGet", { group }, "assistant");
    const days = a.on ? (await app.conn.call("assistantStats", { group, days: 14 }, "assistantStats")).days : [];
    const lots = a.on ? (await app.conn.call("assistantLotteries", { group }, "assistantLotteries")).lotteries : [];
    render(a, days, lots, done);
  };
  // act runs a change made by the form named done and shows the assistant
  // again (keeping what is typed into its other forms).
  const act = async (fn: () => Promise<unknown>, done?: string) => {
    try {
      await fn();
      await load(done);
    } catch (err) {
      toastError(err);
    }
  };
  app.conn.ready().then(() => load()).catch((err) => {
    replace(body, empty(t("group_not_found")));
    toastError(err);
  });
  return { el };
}

// chart draws one or two series of the days as bars.
function chart(days: AssistantDay[], series: ((d: AssistantDay) => number)[], label: string): SVGSVGElement {
  return barChart(days.map((d) => d.day), series.map((f) => days.map(f)), label, { height: 140 });
}

// askBirthday lets a member tell the assistant their birthday in group
// (month and day; "none" forgets it). Only they and the assistant see it.
export async function askBirthday(group: bigint): Promise<void> {
  try {
    const mine = await app.conn.call("assistantBirthdayGet", { group }, "assistantBirthday");
    const months: [string, string][] = [["0", t("as_birthday_none")], ...Array.from({ length: 12 }, (_, i) => [String(i + 1), String(i + 1)] as [string, string])];
    const days: [string, string][] = Array.from({ length: 31 }, (_, i) => [String(i + 1), String(i + 1)]);
    const v = await ask(t("as_birthday"), [
      { name: "month", label: t("as_birthday_month"), value: String(mine.month), options: months },
      { name: "day", label: t("as_birthday_day"), value: String(mine.day || 1), options: days },
    ]);
    if (!v) return;
    await app.conn.call("assistantBirthdaySet", { group, month: Number(v.month), day: Number(v.month) === 0 ? 0 : Number(v.day) }, "assistantBirthday");
    toast(t("as_birthday_saved"));
  } catch (err) {
    toastError(err);
  }
}
