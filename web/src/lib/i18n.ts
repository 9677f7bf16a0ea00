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

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

setLang(lang);
