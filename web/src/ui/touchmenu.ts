// Long press on touch screens: phones have no right click, and iOS fires
// no contextmenu event, so holding a finger on an element opens its menu.
// The click (or, on Android, the browser's own contextmenu) that ends the
// press opens nothing more — not on the element, and not on the menu that
// now lies under the finger. Mouse presses are left to right click.

const HOLD_MS = 500;
const SLOP_PX = 10;

export function onLongPress(el: HTMLElement, open: () => void): void {
  let timer = 0;
  let pointer = -1;
  let fired = false;
  let x = 0;
  let y = 0;
  const cancel = () => {
    clearTimeout(timer);
    pointer = -1;
  };
  el.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "mouse" || !e.isPrimary) return;
    cancel();
    fired = false;
    pointer = e.pointerId;
    x = e.clientX;
    y = e.clientY;
    timer = window.setTimeout(() => {
      pointer = -1;
      fired = true;
      swallowNextClick();
      open();
    }, HOLD_MS);
  });
  el.addEventListener("pointermove", (e) => {
    if (e.pointerId === pointer && Math.hypot(e.clientX - x, e.clientY - y) > SLOP_PX) cancel();
  });
  for (const ev of ["pointerup", "pointercancel", "pointerleave"] as const) {
    el.addEventListener(ev, (e) => e.pointerId === pointer && cancel());
  }
  el.addEventListener(
    "contextmenu",
    (e) => {
      if (fired) {
        // The menu is open already.
        e.preventDefault();
        e.stopImmediatePropagation();
      } else if (pointer !== -1) {
        // The browser reports the long press itself: its contextmenu
        // handler opens the menu, once.
        cancel();
        fired = true;
        swallowNextClick();
      }
    },
    true,
  );
}

// swallowNextClick drops the click that ends the press, wherever it lands;
// the next press, or a moment after the finger lifts, ends the watch.
function swallowNextClick(): void {
  let timer = 0;
  const stop = (e: Event) => {
    e.preventDefault();
    e.stopImmediatePropagation();
    done();
  };
  const lifted = () => {
    clearTimeout(timer);
    timer = window.setTimeout(done, 400);
  };
  const done = () => {
    clearTimeout(timer);
    removeEventListener("click", stop, true);
    removeEventListener("pointerup", lifted, true);
    removeEventListener("pointerdown", done, true);
  };
  addEventListener("click", stop, true);
  addEventListener("pointerup", lifted, true);
  addEventListener("pointerdown", done, true);
}
