// Discover's ways of meeting strangers: people nearby (by a shared
// location, shown as distance bands only), shake, and drift bottles.
import { h, icon, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { ApiError } from "../lib/conn";
import { Scope } from "../lib/events";
import { I } from "./icons";
import { ask, avatar, confirmBox, empty, errorText, header, iconButton, row, section, sheet, toast, toastError } from "./widgets";
import { sendRequest } from "./contacts";
import type { View } from "./shell";
import { Recorder } from "./recorder";
import { blobURL, upload } from "../lib/media";

interface Card {
  user: bigint;
  nickname: string;
  avatar: string;
  gender: number;
  region: string;
  signature: string;
}

interface Spot {
  lat: number;
  lon: number;
}

// What this page learned: the last location shared (reused by shake) and
// the last list of people nearby (the server answers once a minute).
let shared: Spot | undefined;
let lastList: { at: number; gender: number; people: { card?: Card; band: number }[] } | undefined;

function bandText(m: number): string {
  return m >= 1000 ? t("within_km", m / 1000) : t("within_m", m);
}

function genderText(g: number): string {
  return g === 1 ? t("gender_male") : g === 2 ? t("gender_female") : "";
}

function cardRow(c: Card, band: number, data: Record<string, string>): HTMLElement {
  const sub = [band ? bandText(band) : "", c.signature].filter(Boolean).join(" · ");
  return row({
    icon: avatar(c.nickname, c.avatar || undefined),
    title: c.nickname || t("someone"),
    sub,
    right: genderText(c.gender),
    data,
    onClick: () => sheet([[t("say_hello"), () => void sendRequest(c.user, c.nickname)]], c.nickname),
  });
}

// locate asks the browser for the position (with the user's permission).
function locate(): Promise<Spot> {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error(t("location_unavailable")));
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => reject(new Error(t("location_denied"))),
      { timeout: 15000, maximumAge: 60000 },
    );
  });
}

export function nearby(): View {
  let gender = 0;
  const list = h("div", { class: "results", data: { nearbyList: "" } });
  const lat = h("input", { attrs: { name: "lat", type: "text", inputmode: "decimal", placeholder: t("latitude"), "aria-label": t("latitude") } });
  const lon = h("input", { attrs: { name: "lon", type: "text", inputmode: "decimal", placeholder: t("longitude"), "aria-label": t("longitude") } });
  const manual = h(
    "form",
    { class: "search-form", data: { form: "nearby-manual" } },
    lat,
    lon,
    h("button", { class: "btn", attrs: { type: "submit" } }, t("set_location")),
  );
  const useMine = h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "nearby-locate" } }, t("use_my_location"));
  const intro = h("div", { data: { nearbyIntro: "" } }, h("p", "hint", t("nearby_intro")), useMine, h("p", "hint", t("nearby_manual")), manual);

  const show = (people: { card?: Card; band: number }[]) => {
    if (!people.length) return replace(list, empty(t("nearby_none")));
    replace(list, section(null, ...people.filter((p) => p.card).map((p) => cardRow(p.card!, p.band, { nearby: String(p.card!.user) }))));
  };
  const load = async () => {
    if (lastList && lastList.gender === gender && Date.now() - lastList.at < 60000) return show(lastList.people);
    replace(list, h("p", "hint", t("loading")));
    try {
      const r = await app.conn.call("nearbyList", { gender }, "nearby");
      lastList = { at: Date.now(), gender, people: r.people as { card?: Card; band: number }[] };
      show(lastList.people);
    } catch (e) {
      if (e instanceof ApiError && e.code === "failed_precondition") {
        intro.hidden = false;
        return replace(list);
      }
      replace(list, h("p", "empty", e instanceof ApiError && e.code === "rate_limited" ? t("nearby_wait") : errorText(e)));
    }
  };
  const share = async (p: Spot) => {
    try {
      await app.conn.done("nearbySet", p);
      shared = p;
      lastList = undefined;
      intro.hidden = true;
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  useMine.addEventListener("click", async () => {
    try {
      await share(await locate());
    } catch (e) {
      toast(e instanceof Error ? e.message : String(e), "error");
    }
  });
  manual.addEventListener("submit", (e) => {
    e.preventDefault();
    const p = { lat: Number(lat.value.trim()), lon: Number(lon.value.trim()) };
    if (lat.value.trim() === "" || lon.value.trim() === "" || !(Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180)) return toast(t("location_bad"), "error");
    void share(p);
  });
  const more = iconButton(I.more, t("more_actions"), () =>
    sheet([
      [t("nearby_all"), () => ((gender = 0), void load())],
      [t("nearby_women"), () => ((gender = 2), void load())],
      [t("nearby_men"), () => ((gender = 1), void load())],
      [t("clear_location"), async () => {
        if (!(await confirmBox(t("clear_location_confirm"), t("clear_location")))) return;
        try {
          await app.conn.done("nearbyClear", {});
          shared = undefined;
          lastList = undefined;
          replace(list);
          intro.hidden = false;
          toast(t("location_cleared"));
        } catch (e) {
          toastError(e);
        }
      }, true],
    ]),
  );
  const el = h(
    "div",
    { class: "pane", data: { screen: "nearby" } },
    header({ title: t("people_nearby"), back: "/discover", actions: [more] }),
    h("div", "pane-body padded", h("p", "hint", t("nearby_privacy")), intro, list),
  );
  intro.hidden = !!shared;
  void load();
  return { el };
}

export function shake(): View {
  const result = h("div", { class: "shake-result", data: { shakeResult: "" } });
  const button = h("button", { class: "shake-btn", attrs: { type: "button", "aria-label": t("shake") }, data: { action: "shake" } }, icon(I.discover, 64), h("span", null, t("shake")));
  let busy = false;
  const go = async () => {
    if (busy) return;
    busy = true;
    button.classList.add("shaking");
    replace(result, h("p", "hint", t("shake_looking")));
    try {
      const req = shared ? { located: true, lat: shared.lat, lon: shared.lon } : { located: false };
      let r = await app.conn.call("shake", req, "shake");
      if (!r.match) {
        // Someone who shakes within the window may still match me.
        await new Promise((ok) => setTimeout(ok, r.windowMs + 300));
        r = await app.conn.call("shakeResult", {}, "shake");
      }
      const m = r.match;
      if (!m?.card) replace(result, empty(t("shake_none")));
      else replace(result, h("p", "hint", t("shake_found")), section(null, cardRow(m.card as Card, m.band, { shakeMatch: String(m.card.user) })));
    } catch (e) {
      replace(result, h("p", "empty", errorText(e)));
    } finally {
      busy = false;
      button.classList.remove("shaking");
    }
  };
  button.addEventListener("click", () => void go());
  // A phone that reports its motion shakes by being shaken.
  let lastShake = 0;
  const onMotion = (ev: DeviceMotionEvent) => {
    const a = ev.accelerationIncludingGravity;
    if (!a || a.x == null || a.y == null || a.z == null) return;
    const g = Math.sqrt(a.x * a.x + a.y * a.y + a.z * a.z);
    if (g > 25 && Date.now() - lastShake > 2000) {
      lastShake = Date.now();
      void go();
    }
  };
  if (typeof window.DeviceMotionEvent !== "undefined") window.addEventListener("devicemotion", onMotion);
  const el = h(
    "div",
    { class: "pane", data: { screen: "shake" } },
    header({ title: t("shake"), back: "/discover" }),
    h("div", "pane-body padded shake", h("p", "hint", t("shake_intro")), button, result),
  );
  return { el, dispose: () => window.removeEventListener("devicemotion", onMotion) };
}

interface BottleMsg {
  id: bigint;
  mine: boolean;
  text: string;
  created: bigint;
}
interface Bottle {
  id: bigint;
  mine: boolean;
  text: string;
  voice: string;
  voiceMs: number;
  created: bigint;
  replied: boolean;
  messages: BottleMsg[];
}

export function bottles(): View {
  const list = h("div", { class: "results", data: { bottleList: "" } });
  const load = async () => {
    try {
      const r = await app.conn.call("bottles", {}, "bottles");
      const bs = r.bottles as Bottle[];
      if (!bs.length) return replace(list, empty(t("bottles_none")));
      replace(
        list,
        ...bs.map((b) =>
          h(
            "button",
            { class: "result", attrs: { type: "button" }, data: { bottle: String(b.id) }, on: { click: () => router.go(`/discover/bottles/${b.id}`) } },
            h("div", "result-meta", `${b.mine ? t("bottle_thrown") : t("bottle_picked")} · ${formatTime(Number(b.created))}${b.messages.length ? " · " + t("bottle_messages", b.messages.length) : ""}`),
            h("div", "text", b.voice ? `${t("bottle_voice")} ${seconds(b.voiceMs)}${b.text ? " · " + b.text : ""}` : b.text),
          ),
        ),
      );
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  const throwOne = async () => {
    const v = await ask(t("bottle_throw"), [{ name: "text", label: t("bottle_text"), multiline: true, maxlength: 500 }], t("bottle_throw"));
    if (!v || !v.text.trim()) return;
    try {
      await app.conn.call("bottleThrow", { text: v.text }, "bottle");
      toast(t("bottle_thrown_toast"));
      void load();
    } catch (e) {
      toastError(e);
    }
  };
  // A voice bottle: record (click again, or Send, to throw it), then
  // upload the clip and throw the bottle with it.
  const recorder = new Recorder();
  const recBox = h("div", "bottle-rec");
  let recTimer = 0;
  const stopRec = async (send: boolean) => {
    clearInterval(recTimer);
    replace(recBox);
    if (!recorder.recording) return;
    if (!send) return recorder.cancel();
    const clip = await recorder.stop();
    if (!clip || clip.durationMs < 500) return toast(t("bottle_voice_short"));
    replace(recBox, h("p", { class: "hint", attrs: { role: "status" } }, t("bottle_voice_sending")));
    try {
      const u = await upload(new File([clip.blob], "bottle" + clip.ext, { type: clip.blob.type }), "voice", "bottle" + clip.ext, { durationMs: clip.durationMs });
      await app.conn.call("bottleThrow", { text: "", voice: u.id }, "bottle");
      toast(t("bottle_thrown_toast"));
      void load();
    } catch (e) {
      toastError(e);
    } finally {
      replace(recBox);
    }
  };
  const throwVoice = async () => {
    if (recorder.recording) return stopRec(true);
    try {
      await recorder.start(60000, () => void stopRec(true));
    } catch (e) {
      return toastError(e);
    }
    const time = h("span", "rec-time", "0:00");
    replace(
      recBox,
      h(
        "div",
        { class: "rec-panel", attrs: { role: "status" } },
        h("span", "rec-dot"),
        time,
        h("span", "rec-hint", t("recording")),
        h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "rec-cancel" }, on: { click: () => void stopRec(false) } }, t("rec_cancel")),
        h("button", { class: "btn small primary", attrs: { type: "button" }, data: { action: "rec-send" }, on: { click: () => void stopRec(true) } }, t("bottle_throw")),
      ),
    );
    recTimer = window.setInterval(() => {
      const sec = Math.floor(recorder.elapsed / 1000);
      time.textContent = `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, "0")}`;
    }, 200);
  };
  const pick = async () => {
    try {
      const r = await app.conn.call("bottlePick", {}, "bottlePick");
      if (!r.bottle) return toast(t("bottle_sea_empty"));
      router.go(`/discover/bottles/${r.bottle.id}`);
    } catch (e) {
      toastError(e);
    }
  };
  const el = h(
    "div",
    { class: "pane", data: { screen: "bottles" } },
    header({ title: t("bottles"), back: "/discover" }),
    h(
      "div",
      "pane-body padded",
      h("p", "hint", t("bottles_intro")),
      h(
        "div",
        "bottle-actions",
        h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "bottle-throw" }, on: { click: () => void throwOne() } }, t("bottle_throw")),
        h("button", { class: "btn", attrs: { type: "button" }, data: { action: "bottle-throw-voice" }, on: { click: () => void throwVoice() } }, t("bottle_throw_voice")),
        h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "bottle-pick" }, on: { click: () => void pick() } }, t("bottle_pick")),
      ),
      recBox,
      h("h2", "section-title", t("my_bottles")),
      list,
    ),
  );
  void load();
  return {
    el,
    dispose: () => {
      clearInterval(recTimer);
      if (recorder.recording) void recorder.cancel();
    },
  };
}

function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}″`;
}

// voiceBubble is a bottle's voice clip: a play button that fetches it
// (with the session token) and plays it in place.
function voiceBubble(b: Bottle): HTMLElement {
  const slot = h("div", "bottle-voice");
  const play = h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "bottle-play" } }, `▶ ${t("bottle_voice")} ${seconds(b.voiceMs)}`);
  play.addEventListener("click", async () => {
    play.disabled = true;
    try {
      const audio = h("audio", { attrs: { controls: true }, data: { bottleVoice: b.voice } });
      audio.src = await blobURL(b.voice);
      replace(slot, audio);
      void audio.play().catch(() => {});
    } catch (e) {
      play.disabled = false;
      toastError(e);
    }
  });
  replace(slot, play);
  return slot;
}

export function bottle(id: bigint): View {
  const body = h("div", { data: { bottleBody: "" } });
  const msgs = h("div", "oa-log");
  const input = h("input", { attrs: { name: "text", maxlength: 500, placeholder: t("bottle_reply"), "aria-label": t("bottle_reply"), autocomplete: "off" } });
  const form = h("form", { class: "search-form", data: { form: "bottle-reply" } }, input, h("button", { class: "btn primary", attrs: { type: "submit" } }, t("send")));
  const back = h("button", { class: "btn wide danger", attrs: { type: "button" }, data: { action: "bottle-return" } }, t("bottle_return"));
  const greet = h("button", { class: "btn wide", attrs: { type: "button" }, data: { action: "bottle-greet" } }, t("bottle_greet"));
  const render = (b: Bottle) => {
    replace(
      msgs,
      h("div", { class: `msg ${b.mine ? "mine" : ""}`, data: { bottleText: "" } }, h("div", "bubble", b.voice ? voiceBubble(b) : null, b.text ? h("div", null, b.text) : null)),
      ...b.messages.map((m) => h("div", { class: `msg ${m.mine ? "mine" : ""}`, data: { bottleMessage: String(m.id) } }, h("div", "bubble", m.text))),
    );
    back.hidden = b.mine || b.replied;
    greet.hidden = !b.replied;
    form.hidden = b.mine && !b.replied;
    replace(body, h("p", "hint", b.mine ? t("bottle_mine_hint") : t("bottle_picked_hint")), msgs, form, greet, back);
  };
  const load = async () => {
    try {
      render((await app.conn.call("bottleGet", { bottle: id }, "bottle")) as Bottle);
    } catch (e) {
      replace(body, h("p", "empty", errorText(e)));
    }
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    try {
      await app.conn.call("bottleReply", { bottle: id, text }, "bottleMessage");
      input.value = "";
      void load();
    } catch (err) {
      toastError(err);
    }
  });
  greet.addEventListener("click", async () => {
    const me = app.store!.profile;
    const v = await ask(t("bottle_greet"), [{ name: "greeting", label: t("greeting"), value: t("greeting_default", me?.nickname ?? ""), maxlength: 100 }], t("send"));
    if (!v) return;
    try {
      await app.conn.done("bottleGreet", { bottle: id, greeting: v.greeting });
      toast(t("request_sent"));
    } catch (e) {
      toastError(e);
    }
  });
  back.addEventListener("click", async () => {
    try {
      await app.conn.done("bottleReturn", { bottle: id });
      toast(t("bottle_returned"));
      router.go("/discover/bottles");
    } catch (e) {
      toastError(e);
    }
  });
  const el = h("div", { class: "pane", data: { screen: "bottle" } }, header({ title: t("bottle"), back: "/discover/bottles" }), h("div", "pane-body padded", body));
  // The other's answers arrive as changes of the bottle.
  const scope = new Scope();
  scope.add(app.store!.on("bottle", () => void load()));
  void load();
  return { el, dispose: () => scope.dispose() };
}
