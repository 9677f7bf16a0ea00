// Alerts for new messages from others: a desktop notification while the
// page is not in front, and a short chime. A muted chat stays quiet unless
// the message mentions this user or everyone (a group announcement does);
// the chat on screen, in a focused window, needs no alert; the catch-up of
// a backlog after being away alerts nobody message by message. What to
// use is chosen per device in Me → Notifications.
import { app } from "../lib/app";
import { t } from "../lib/i18n";
import { router } from "../lib/router";
import { key } from "../lib/store";
import { MessageKind, type Message } from "../lib/proto";
import { chatPath } from "./chatlist";
import { preview } from "./msgtext";

export interface AlertPrefs {
  notify: boolean; // desktop notifications (when the browser allows them)
  sound: boolean;
}

const KEY = "hy.alerts";

export function alertPrefs(): AlertPrefs {
  try {
    const p = JSON.parse(localStorage.getItem(KEY) || "{}") as Partial<AlertPrefs>;
    return { notify: p.notify !== false, sound: p.sound !== false };
  } catch {
    return { notify: true, sound: true };
  }
}

export function setAlertPrefs(p: AlertPrefs): void {
  localStorage.setItem(KEY, JSON.stringify(p));
}

// notificationPermission: "granted", "denied", "default", or "unsupported".
export function notificationPermission(): string {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

// startAlerts listens for arriving messages until the returned function
// is called.
export function startAlerts(): () => void {
  const st = app.store!;
  let lastChime = 0;
  const off = st.on("arrived", (x) => {
    if (!app.sync?.live) return;
    const prefs = alertPrefs();
    let chime = false;
    for (const m of x as Message[]) {
      const c = st.convs.get(key(m.conversation));
      if (!c) continue;
      const mentioned = m.mentionAll || m.mentions.includes(st.me);
      if (c.muted && !mentioned) continue;
      const inFront = document.visibilityState === "visible" && document.hasFocus();
      if (inFront && st.openConv === key(m.conversation)) continue;
      chime = true;
      if (prefs.notify && !inFront && notificationPermission() === "granted") notify(m, mentioned);
    }
    if (chime && prefs.sound && Date.now() - lastChime > 1500) {
      lastChime = Date.now();
      playChime();
    }
  });
  // Browsers let a page make sound only after the user has interacted
  // with it: get the audio ready on the first interaction.
  const unlock = () => audio()?.resume().catch(() => {});
  addEventListener("pointerdown", unlock, { once: true, capture: true });
  addEventListener("keydown", unlock, { once: true, capture: true });
  return () => {
    off();
    removeEventListener("pointerdown", unlock, true);
    removeEventListener("keydown", unlock, true);
  };
}

function notify(m: Message, mentioned: boolean): void {
  const st = app.store!;
  const c = st.convs.get(key(m.conversation))!;
  const body = m.kind === MessageKind.NOTICE ? preview(m) : (mentioned ? `${t("mention_tag")} ` : "") + preview(m);
  try {
    const n = new Notification(st.convTitle(c), { body: body.slice(0, 200), tag: `hongyan-${m.conversation}`, icon: "/icon-192.png", silent: true });
    n.onclick = () => {
      window.focus();
      router.go(chatPath(c));
      n.close();
    };
  } catch {
    /* some browsers allow notifications only from a service worker */
  }
}

let ctx: AudioContext | undefined;
function audio(): AudioContext | undefined {
  try {
    ctx ??= new AudioContext();
  } catch {
    return undefined;
  }
  return ctx;
}

// playChime plays two short soft tones (made here, no sound file).
export function playChime(): void {
  const a = audio();
  if (!a) return;
  if (a.state === "suspended") void a.resume().catch(() => {});
  const t0 = a.currentTime + 0.01;
  for (const [freq, at] of [[880, 0], [1320, 0.1]]) {
    const o = a.createOscillator();
    const g = a.createGain();
    o.type = "sine";
    o.frequency.value = freq;
    g.gain.setValueAtTime(0.0001, t0 + at);
    g.gain.exponentialRampToValueAtTime(0.12, t0 + at + 0.01);
    g.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.25);
    o.connect(g).connect(a.destination);
    o.start(t0 + at);
    o.stop(t0 + at + 0.3);
  }
}
