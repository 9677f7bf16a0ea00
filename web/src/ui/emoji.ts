// The emoji picker: a grid of common emoji inserted at the caret.
import { h } from "../lib/dom";

export const EMOJI = Array.from(
  "😀😁😂🤣😊😍😘😎🤔😴😭😡👍👎👏🙏💪🤝👌✌️🎉🎂🌹❤️💔🔥⭐☀️🌙☕🍺🍚🧧💰📷🎵⚽🏃🚗✈️🏠📚💡✅❌❓❗",
).filter((c) => c.trim() && c !== "\uFE0F");

export function emojiPicker(onPick: (e: string) => void): HTMLElement {
  return h(
    "div",
    { class: "emoji-grid", attrs: { role: "listbox" } },
    ...EMOJI.map((e) => h("button", { class: "emoji", attrs: { type: "button", role: "option", "aria-label": e }, on: { click: () => onPick(e) } }, e)),
  );
}
