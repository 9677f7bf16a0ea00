// Chinese and English. The browser's language decides by default; the
// choice made in Me is remembered in localStorage.
import { zh, en } from "./strings";

export type Lang = "zh" | "en";
const KEY = "hy.lang";

function initial(): Lang {
  const saved = localStorage.getItem(KEY);
  if (saved === "zh" || saved === "en") return saved;
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language || "en"];
  return langs.some((l) => l.toLowerCase().startsWith("zh")) ? "zh" : "en";
}

let lang: Lang = initial();

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
}

export type Key = keyof typeof en;

// t looks up a phrase; {0}, {1} ... are replaced by the arguments (as text).
export function t(key: Key, ...args: (string | number | bigint)[]): string {
  const table: Record<string, string> = lang === "zh" ? zh : en;
  let s = table[key] ?? en[key] ?? key;
  args.forEach((a, i) => (s = s.split(`{${i}}`).join(String(a))));
  return s;
}

// hasKey tells whether a phrase exists (for keys made from server codes).
export function hasKey(key: string): key is Key {
  return Object.prototype.hasOwnProperty.call(en, key);
}

export function formatTime(ms: number, full = false): string {
  const d = new Date(ms);
  const now = new Date();
  const loc = lang === "zh" ? "zh-CN" : "en-GB";
  const sameDay = d.toDateString() === now.toDateString();
  if (sameDay && !full) return d.toLocaleTimeString(loc, { hour: "2-digit", minute: "2-digit" });
  const yesterday = new Date(now.getTime() - 86400000);
  if (d.toDateString() === yesterday.toDateString() && !full) return t("yesterday");
  if (full) return d.toLocaleString(loc, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString(loc, { month: "short", day: "numeric" });
  return d.toLocaleDateString(loc, { year: "numeric", month: "short", day: "numeric" });
}

// formatSeparator is the time between messages, as WeChat shows it:
// "08:41" today, "Yesterday 08:41", the weekday within a week, then the date.
export function formatSeparator(ms: number): string {
  const d = new Date(ms);
  const now = new Date();
  const loc = lang === "zh" ? "zh-CN" : "en-GB";
  const hm = d.toLocaleTimeString(loc, { hour: "2-digit", minute: "2-digit", hour12: false });
  const midnight = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((midnight(now) - midnight(d)) / 86400000);
  if (days <= 0) return hm;
  if (days === 1) return t("yesterday_time", hm);
  if (days < 7) return t("weekday_time", d.toLocaleDateString(loc, { weekday: "long" }), hm);
  const sameYear = d.getFullYear() === now.getFullYear();
  return `${d.toLocaleDateString(loc, sameYear ? { month: "long", day: "numeric" } : { year: "numeric", month: "long", day: "numeric" })} ${hm}`;
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

setLang(lang);
