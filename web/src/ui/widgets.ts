// Shared pieces of the screens: avatars, headers, list rows, dialogs,
// menus and toasts. All text goes in as text nodes.
import { h, icon, ownPath, replace, type Child } from "../lib/dom";
import { t, type Key } from "../lib/i18n";
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

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const k = `err_${e.code}` as Key;
    const known = t(k);
    // The server's message is safe to show and says more than the code.
    if (e.message && e.message !== e.code && e.code !== "internal") return e.message;
    return known !== k ? known : e.message;
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
