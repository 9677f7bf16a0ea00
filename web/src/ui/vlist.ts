// A virtualised list of variable-height rows: only the rows near the
// viewport are in the DOM; spacers stand in for the rest. Heights are
// measured once rendered and estimated before. Each render keeps the first
// visible row where it was on screen (so loading older messages above does
// not move what the user reads), or sticks to the bottom when the user is
// there. This keeps a chat of 10,000 messages as light as one of 50.

export interface VItem {
  key: string;
}

export class VList<T extends VItem> {
  readonly el: HTMLElement;
  private top: HTMLElement;
  private bottom: HTMLElement;
  private body: HTMLElement;
  private items: T[] = [];
  private heights = new Map<string, number>();
  private nodes = new Map<string, HTMLElement>();
  private raf = 0;
  private stick = true;
  private sticky = true;
  private overscan = 800;
  onNearTop: () => void = () => {};
  onNearBottom: () => void = () => {};
  onScroll: () => void = () => {};

  // With bottom false the list starts at its top and never sticks to the
  // bottom (a chat list rather than a conversation).
  constructor(private renderItem: (it: T) => HTMLElement, private estimate = 72, cls = "vlist", bottom = true) {
    this.stick = bottom;
    this.sticky = bottom;
    this.top = document.createElement("div");
    this.bottom = document.createElement("div");
    this.body = document.createElement("div");
    this.body.className = "vlist-body";
    this.el = document.createElement("div");
    this.el.className = cls;
    this.el.setAttribute("role", "log");
    this.el.append(this.top, this.body, this.bottom);
    this.el.addEventListener("scroll", () => {
      this.stick = this.sticky && this.distanceToBottom() < 40;
      this.schedule();
      this.onScroll();
      if (this.el.scrollTop < 600) this.onNearTop();
      if (this.distanceToBottom() < 600) this.onNearBottom();
    }, { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.el);
  }

  get length(): number {
    return this.items.length;
  }

  get rendered(): number {
    return this.nodes.size;
  }

  atBottom(): boolean {
    return this.stick;
  }

  distanceToBottom(): number {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight;
  }

  setItems(items: T[]): void {
    this.items = items;
    const keep = new Set(items.map((i) => i.key));
    for (const [k, n] of this.nodes) if (!keep.has(k)) (n.remove(), this.nodes.delete(k));
    this.render();
  }

  // refresh re-renders one row (its data changed).
  refresh(key: string): void {
    const n = this.nodes.get(key);
    if (n) {
      n.remove();
      this.nodes.delete(key);
    }
    this.schedule();
  }

  refreshAll(): void {
    for (const n of this.nodes.values()) n.remove();
    this.nodes.clear();
    this.render();
  }

  scrollToBottom(): void {
    this.stick = true;
    this.render();
  }

  // scrollToKey brings a row to the middle of the view (estimated first,
  // then corrected with the heights of the rows rendered around it).
  scrollToKey(key: string): void {
    const i = this.items.findIndex((x) => x.key === key);
    if (i < 0) return;
    let off = 0;
    for (let j = 0; j < i; j++) off += this.h(this.items[j].key);
    this.stick = false;
    this.el.scrollTop = Math.max(0, off - this.el.clientHeight / 2);
    this.render();
    for (let k = 0; k < 4; k++) {
      const n = this.nodes.get(key);
      if (!n) break;
      const want = Math.max(0, n.offsetTop - (this.el.clientHeight - n.offsetHeight) / 2);
      if (Math.abs(this.el.scrollTop - want) < 2) break;
      this.el.scrollTop = want;
      this.render();
    }
  }

  // unstick stops following the bottom (a chat opened at an older message).
  unstick(): void {
    this.stick = false;
  }

  private h(key: string): number {
    return this.heights.get(key) ?? this.estimate;
  }

  private schedule(): void {
    if (!this.raf) this.raf = requestAnimationFrame(() => ((this.raf = 0), this.render()));
  }

  render(): void {
    const items = this.items;
    const view = this.el.clientHeight || 600;
    // Anchor: the first row visible now, and where it is on screen.
    let anchorKey = "";
    let anchorOff = 0;
    if (!this.stick) {
      const st = this.el.scrollTop;
      for (const [k, n] of this.nodes) {
        const top = n.offsetTop;
        if (top + n.offsetHeight > st) {
          if (!anchorKey || top < anchorOff + st) {
            anchorKey = k;
            anchorOff = top - st;
          }
        }
      }
    }
    // Where to render, given the (possibly updated) scroll position.
    const offsets = new Float64Array(items.length + 1);
    for (let i = 0; i < items.length; i++) offsets[i + 1] = offsets[i] + this.h(items[i].key);
    const total = offsets[items.length];
    let scrollTop = this.stick ? Math.max(0, total - view) : this.el.scrollTop;
    if (anchorKey) {
      const ai = this.indexOf(anchorKey);
      if (ai >= 0) scrollTop = offsets[ai] - anchorOff;
    }
    let start = upper(offsets, scrollTop - this.overscan) - 1;
    if (start < 0) start = 0;
    let end = upper(offsets, scrollTop + view + this.overscan);
    if (end > items.length) end = items.length;

    // Rows out of the window leave the DOM; rows in it are created once.
    const want = new Set<string>();
    for (let i = start; i < end; i++) want.add(items[i].key);
    for (const [k, n] of this.nodes) if (!want.has(k)) (n.remove(), this.nodes.delete(k));
    let prev: HTMLElement | null = null;
    for (let i = start; i < end; i++) {
      const it = items[i];
      let n = this.nodes.get(it.key);
      if (!n) {
        n = this.renderItem(it);
        n.dataset.key = it.key;
        this.nodes.set(it.key, n);
      }
      const next: ChildNode | null = prev ? prev.nextSibling : this.body.firstChild;
      if (next !== n) this.body.insertBefore(n, next);
      prev = n;
    }
    // Measure what is rendered; the spacers stand for the rest.
    for (let i = start; i < end; i++) {
      const n = this.nodes.get(items[i].key)!;
      const hgt = n.offsetHeight;
      if (hgt) this.heights.set(items[i].key, hgt);
    }
    let above = 0;
    for (let i = 0; i < start; i++) above += this.h(items[i].key);
    let below = 0;
    for (let i = end; i < items.length; i++) below += this.h(items[i].key);
    this.top.style.height = `${above}px`;
    this.bottom.style.height = `${below}px`;
    if (this.stick) this.el.scrollTop = this.el.scrollHeight;
    else if (anchorKey) {
      const n = this.nodes.get(anchorKey);
      if (n) {
        const want = n.offsetTop - anchorOff;
        if (Math.abs(this.el.scrollTop - want) > 1) this.el.scrollTop = want;
      }
    }
  }

  private indexOf(key: string): number {
    // Rows are usually found near the window: scan the rendered ones first.
    for (let i = 0; i < this.items.length; i++) if (this.items[i].key === key) return i;
    return -1;
  }
}

// upper: the first index i with offsets[i] > x.
function upper(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
