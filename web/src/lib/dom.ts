// A tiny view helper. Every piece of text goes into the DOM as a text node
// (or through textContent / setAttribute); this module has no way to parse
// HTML, so user data can never become markup.

export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  // Attributes set with setAttribute (values are plain strings, never HTML).
  attrs?: Record<string, string | number | boolean | undefined>;
  // DOM properties (value, checked, disabled, src ...).
  props?: Record<string, unknown>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
  // data-* attributes, handy for tests and delegation.
  data?: Record<string, string | number>;
  ref?: (el: HTMLElement) => void;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | string | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (typeof props === "string") {
    el.className = props;
  } else if (props) {
    if (props.class) el.className = props.class;
    if (props.attrs) {
      for (const [k, v] of Object.entries(props.attrs)) {
        if (v === undefined || v === false) continue;
        el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    if (props.data) for (const [k, v] of Object.entries(props.data)) el.dataset[k] = String(v);
    if (props.props) Object.assign(el, props.props);
    if (props.on) {
      for (const [k, fn] of Object.entries(props.on)) el.addEventListener(k, fn as EventListener);
    }
    if (props.ref) props.ref(el);
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === "string" || typeof c === "number") el.appendChild(document.createTextNode(String(c)));
    else el.appendChild(c);
  }
}

// replace swaps the children of el for the given ones.
export function replace(el: Node, ...children: Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

// ---- what the user typed, kept across a screen built anew ----

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
const fields = "input, textarea, select";

// fieldKey names a field by its form's data-form and its own name.
function fieldKey(f: Field): string | undefined {
  const form = f.closest("form")?.dataset.form;
  return form && f.name ? `${form}/${f.name}` : undefined;
}

// trackEdits marks each form field inside root that the user edits
// (data-edited), for replaceKeeping. Install it once on an element whose
// children are replaced; the mark lives on the field and goes with it.
export function trackEdits(root: HTMLElement): void {
  const mark = (e: Event) => {
    if (e.target instanceof HTMLElement && e.target.matches(fields)) e.target.dataset.edited = "";
  };
  root.addEventListener("input", mark);
  root.addEventListener("change", mark);
}

// replaceKeeping is replace for a screen of several forms that is built
// anew after each change: what the user had typed into the fields of one
// form (marked by trackEdits) is put back into the new fields of the same
// form and name, so saving one form does not wipe another half filled in.
// The fields of the form named done (the one whose change caused this)
// start afresh.
export function replaceKeeping(root: HTMLElement, done: string | undefined, ...children: Child[]): void {
  const kept = new Map<string, { value: string; checked: boolean }>();
  for (const f of root.querySelectorAll<Field>("input[data-edited], textarea[data-edited], select[data-edited]")) {
    const k = fieldKey(f);
    if (k && f.closest("form")?.dataset.form !== done) {
      kept.set(k, { value: f.value, checked: f instanceof HTMLInputElement && f.checked });
    }
  }
  replace(root, ...children);
  if (kept.size === 0) return;
  for (const f of root.querySelectorAll<Field>(fields)) {
    const k = fieldKey(f);
    const v = k === undefined ? undefined : kept.get(k);
    if (!v) continue;
    if (f instanceof HTMLInputElement && (f.type === "checkbox" || f.type === "radio")) f.checked = v.checked;
    else f.value = v.value;
    f.dataset.edited = "";
  }
}

// svgIcon builds a small inline icon from path data (constant strings in
// this code base, never user data).
export function icon(d: string, size = 24): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", d);
  svg.appendChild(p);
  return svg;
}

// ownPath accepts only a path on this server ("/avatar/..."), so that no
// user-supplied URL is ever loaded as an image or media source.
export function ownPath(p: string | undefined): string | undefined {
  if (!p || !p.startsWith("/") || p.startsWith("//") || p.includes("\\")) return undefined;
  return p;
}
