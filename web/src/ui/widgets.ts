// Shared pieces of the screens: avatars, headers, list rows, dialogs,
// menus and toasts. All text goes in as text nodes.
import { h, icon, ownPath, replace, type Child } from "../lib/dom";
import { hasKey, t, type Key } from "../lib/i18n";
import { router } from "../lib/router";
import { ApiError } from "../lib/conn";
import { I } from "./icons";

export function avatar(name: string, path?: string, size: "s" | "m" | "l" = "m"): HTMLElement {
  const src = ownPath(path);
  if (src) return h("img", { class: `avatar ${size}`, attrs: { src, alt: "", loading: "lazy" } });
  const first = Array.from(name.trim())[0] ?? "?";
  let hue = 0;
  for (const ch of name) hue = (hue * 31 + ch.codePointAt(0)!) % 360;
  const el = h("span", { class: `avatar ${size} letter`, attrs: { "aria-hidden": "true" } }, first.toUpperCase());
  el.style.backgroundColor = `hsl(${hue} 45% 55%)`;
  return el;
}

export interface HeaderOpts {
  title: Child;
  back?: string; // fallback route of the back button (phone layout)
  actions?: Child[];
  sub?: Child;
}

export function header(o: HeaderOpts): HTMLElement {
  return h(
    "header",
    "bar",
    o.back !== undefined ? h("button", { class: "icon-btn back", attrs: { "aria-label": t("back"), type: "button" }, on: { click: () => router.back(o.back!) } }, icon(I.back)) : null,
    h("div", "bar-title", h("h1", null, o.title), o.sub ? h("div", "bar-sub", o.sub) : null),
    h("div", "bar-actions", ...(o.actions ?? [])),
  );
}

export function iconButton(d: string, label: string, onClick: (ev: MouseEvent) => void, cls = ""): HTMLButtonElement {
  return h("button", { class: `icon-btn ${cls}`, attrs: { type: "button", "aria-label": label, title: label }, on: { click: onClick } }, icon(d));
}

export function row(o: { icon?: Child; title: Child; sub?: Child; right?: Child; onClick?: () => void; cls?: string; data?: Record<string, string> }): HTMLElement {
  const el = h(
    o.onClick ? "button" : "div",
    { class: `row ${o.cls ?? ""}`, data: o.data, attrs: o.onClick ? { type: "button" } : {}, on: o.onClick ? { click: o.onClick } : {} },
    o.icon ? h("span", "row-icon", o.icon) : null,
    h("span", "row-main", h("span", "row-title", o.title), o.sub !== undefined && o.sub !== "" ? h("span", "row-sub", o.sub) : null),
    o.right !== undefined ? h("span", "row-right", o.right) : null,
  );
  return el;
}

export function toggleRow(label: string, value: boolean, onChange: (v: boolean) => void | Promise<void>, name?: string): HTMLElement {
  const input = h("input", { attrs: { type: "checkbox", role: "switch", name: name ?? label }, props: { checked: value } });
  input.addEventListener("change", async () => {
    input.disabled = true;
    try {
      await onChange(input.checked);
    } catch (e) {
      input.checked = !input.checked;
      toastError(e);
    } finally {
      input.disabled = false;
    }
  });
  return h("label", "row toggle", h("span", "row-main", h("span", "row-title", label)), input);
}

export function section(title: string | null, ...rows: Child[]): HTMLElement {
  return h("section", "group", title ? h("h2", "group-title", title) : null, ...rows);
}

// badge shows a count (or, as a dot, that there is something) and says
// what it counts to screen readers: label, by default "3 unread".
export function badge(n: number, dot = false, label?: string): HTMLElement | null {
  if (n <= 0) return null;
  const said = label ?? (dot ? t("unread_some") : t("unread_n", n));
  return h("span", dot ? "badge dot" : "badge", dot ? null : h("span", { attrs: { "aria-hidden": "true" } }, n > 99 ? "99+" : String(n)), h("span", "sr-only", said));
}

export function empty(text: string): HTMLElement {
  return h("p", "empty", text);
}

// ---- toasts ----

let toastBox: HTMLElement | undefined;
export function toast(text: string, kind: "info" | "error" = "info"): void {
  if (!toastBox) {
    toastBox = h("div", { class: "toasts", attrs: { role: "status", "aria-live": "polite" } });
    document.body.appendChild(toastBox);
  }
  const el = h("div", `toast ${kind}`, text);
  toastBox.appendChild(el);
  setTimeout(() => el.remove(), 3500);
}

// errorText says what went wrong in the user's language: by the error's
// reason when this client knows it, else by its code; the server's (English)
// message only for codes this client does not know.
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.reason && hasKey(`err_r_${e.reason}`)) return t(`err_r_${e.reason}` as Key);
    if (e.code === "unavailable" && e.message === "offline") return t("err_offline");
    if (hasKey(`err_${e.code}`)) return t(`err_${e.code}` as Key);
    return e.message || e.code;
  }
  return e instanceof Error ? e.message : String(e);
}

export function toastError(e: unknown): void {
  toast(errorText(e), "error");
}

// ---- modal dialogs ----

// The open dialogs, the top one last: keys go to the top one only.
const open: HTMLElement[] = [];
let dialogs = 0;
const focusable = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// modal shows content in a dialog: named by opts.label or its heading,
// closed by Escape or a click beside it. While open it keeps the focus
// inside (Tab and Shift+Tab go round); closed, it gives the focus back to
// where it was.
export function modal(content: HTMLElement, opts: { onClose?: () => void; cls?: string; label?: string } = {}): () => void {
  const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
  const back = h("div", { class: `modal-back ${opts.cls ?? ""}`, attrs: { role: "presentation" } });
  const box = h("div", { class: "modal", attrs: { role: "dialog", "aria-modal": "true", tabindex: -1 } }, content);
  const heading = content.querySelector<HTMLElement>("h2, .sheet-title, .dialog-form > p");
  if (opts.label) box.setAttribute("aria-label", opts.label);
  else if (heading) {
    heading.id ||= `dialog-${++dialogs}`;
    box.setAttribute("aria-labelledby", heading.id);
  } else box.setAttribute("aria-label", t("dialog"));
  back.appendChild(box);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    back.remove();
    open.splice(open.indexOf(back), 1);
    removeEventListener("keydown", onKey, true);
    if (opener?.isConnected) opener.focus();
    opts.onClose?.();
  };
  const onKey = (e: KeyboardEvent) => {
    if (open[open.length - 1] !== back) return;
    if (e.key === "Escape") {
      e.stopPropagation();
      close();
    } else if (e.key === "Tab") {
      const items = [...box.querySelectorAll<HTMLElement>(focusable)].filter((x) => x.getClientRects().length > 0);
      if (!items.length) {
        e.preventDefault();
        box.focus();
        return;
      }
      const first = items[0];
      const last = items[items.length - 1];
      const at = document.activeElement;
      if (!box.contains(at) || (e.shiftKey && at === first) || (!e.shiftKey && at === last)) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      }
    }
  };
  back.addEventListener("click", (e) => {
    if (e.target === back) close();
  });
  addEventListener("keydown", onKey, true);
  document.body.appendChild(back);
  open.push(back);
  const first = box.querySelector<HTMLElement>("input,textarea,select,button");
  (first ?? box).focus();
  return close;
}

export interface Field {
  name: string;
  label: string;
  value?: string;
  type?: string;
  multiline?: boolean;
  placeholder?: string;
  options?: [string, string][];
  maxlength?: number;
}

// ask shows a small form; it resolves with the values, or null if cancelled.
export function ask(title: string, fields: Field[], okLabel = t("ok")): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    let done = false;
    const inputs = fields.map((f) => {
      const attrs = { name: f.name, placeholder: f.placeholder ?? "", maxlength: f.maxlength, "aria-label": f.label };
      let el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
      if (f.options) {
        el = h("select", { attrs }, ...f.options.map(([v, l]) => h("option", { attrs: { value: v }, props: { selected: v === f.value } }, l)));
      } else if (f.multiline) el = h("textarea", { attrs: { ...attrs, rows: 3 }, props: { value: f.value ?? "" } });
      else el = h("input", { attrs: { ...attrs, type: f.type ?? "text" }, props: { value: f.value ?? "" } });
      return [f, el] as const;
    });
    const form = h(
      "form",
      "dialog-form",
      h("h2", null, title),
      ...inputs.map(([f, el]) => h("label", "field", h("span", null, f.label), el)),
      h(
        "div",
        "dialog-actions",
        h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("cancel")),
        h("button", { class: "btn primary", attrs: { type: "submit" } }, okLabel),
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      done = true;
      const out: Record<string, string> = {};
      for (const [f, el] of inputs) out[f.name] = el.value;
      close();
      resolve(out);
    });
    const close = modal(form, { onClose: () => !done && resolve(null) });
  });
}

export function confirmBox(text: string, okLabel = t("ok"), danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    const box = h(
      "div",
      "dialog-form",
      h("p", null, text),
      h(
        "div",
        "dialog-actions",
        h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("cancel")),
        h("button", { class: `btn ${danger ? "danger" : "primary"}`, attrs: { type: "button" }, on: { click: () => ((answered = true), close(), resolve(true)) } }, okLabel),
      ),
    );
    const close = modal(box, { onClose: () => !answered && resolve(false) });
  });
}

// sheet is a menu of actions.
export function sheet(items: ([string, () => void, boolean?] | null)[], title?: string): void {
  const list = h("div", { class: "sheet", attrs: { role: "menu", "aria-label": title ?? t("more_actions") } }, title ? h("div", { class: "sheet-title", attrs: { "aria-hidden": "true" } }, title) : null);
  const close = modal(list, { cls: "sheet-back", label: title ?? t("more_actions") });
  for (const it of items) {
    if (!it) continue;
    const [label, fn, danger] = it;
    list.appendChild(h("button", { class: `sheet-item ${danger ? "danger" : ""}`, attrs: { type: "button", role: "menuitem" }, on: { click: () => (close(), fn()) } }, label));
  }
  list.appendChild(h("button", { class: "sheet-item cancel", attrs: { type: "button", role: "menuitem" }, on: { click: () => close() } }, t("cancel")));
}

// busy runs an action with its button disabled, showing errors as toasts.
export async function busy<T>(btn: HTMLButtonElement | null, fn: () => Promise<T>): Promise<T | undefined> {
  if (btn) btn.disabled = true;
  try {
    return await fn();
  } catch (e) {
    toastError(e);
    return undefined;
  } finally {
    if (btn) btn.disabled = false;
  }
}

export function placeholder(text: string): HTMLElement {
  return h("div", "placeholder", h("div", "placeholder-logo", "鸿雁"), h("p", null, text));
}

export { replace };

// ---- menus at a point, grid avatars ----

export type MenuItem = [string, () => void, boolean?] | null;

// menuAt shows a small menu with its top-left corner at (x, y) (kept inside
// the window): a message's actions at the cursor on a desktop, or beside a
// bubble opened from the keyboard. Arrow keys move, Enter picks, Escape,
// Tab, a click elsewhere or scrolling close it; focus returns to where it
// was.
export function menuAt(items: MenuItem[], x: number, y: number, label = ""): () => void {
  const back = document.activeElement as HTMLElement | null;
  const menu = h("div", { class: "ctx-menu", attrs: { role: "menu", "aria-label": label || undefined } });
  const entries: HTMLButtonElement[] = [];
  let closed = false;
  const close = (refocus = true) => {
    if (closed) return;
    closed = true;
    menu.remove();
    removeEventListener("pointerdown", outside, true);
    removeEventListener("keydown", onKey, true);
    removeEventListener("resize", onAway);
    removeEventListener("scroll", onAway, true);
    if (refocus) back?.focus?.();
  };
  for (const it of items) {
    if (!it) continue;
    const [text, fn, danger] = it;
    const b = h("button", { class: `ctx-item ${danger ? "danger" : ""}`, attrs: { type: "button", role: "menuitem", tabindex: -1 }, on: { click: () => (close(), fn()) } }, text);
    entries.push(b);
    menu.appendChild(b);
  }
  const outside = (e: Event) => {
    if (!menu.contains(e.target as Node)) close(false);
  };
  const onAway = () => close(false);
  const onKey = (e: KeyboardEvent) => {
    const i = entries.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = entries.length;
      entries[(i + (e.key === "ArrowDown" ? 1 : n - 1) + n) % n]?.focus();
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      entries[e.key === "Home" ? 0 : entries.length - 1]?.focus();
    }
  };
  document.body.appendChild(menu);
  const r = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(4, Math.min(x, innerWidth - r.width - 4))}px`;
  menu.style.top = `${Math.max(4, Math.min(y, innerHeight - r.height - 4))}px`;
  entries[0]?.focus();
  // Listeners start after the event that opened the menu is over.
  setTimeout(() => {
    if (closed) return;
    addEventListener("pointerdown", outside, true);
    addEventListener("resize", onAway);
    addEventListener("scroll", onAway, true);
  });
  addEventListener("keydown", onKey, true);
  return close;
}

// groupAvatar: a group's own picture, or a grid of up to nine of its
// members' avatars (the first member alone fills it when there is one).
export function groupAvatar(title: string, path: string | undefined, members: { name: string; avatar?: string }[], size: "s" | "m" | "l" = "m"): HTMLElement {
  if (ownPath(path) || !members.length) return avatar(title, path, size);
  const few = members.slice(0, 9);
  const cols = few.length <= 1 ? 1 : few.length <= 4 ? 2 : 3;
  const grid = h("span", { class: `avatar ${size} avatar-grid cols-${cols}`, attrs: { "aria-hidden": "true" } }, ...few.map((m) => avatar(m.name, m.avatar, "s")));
  return grid;
}
