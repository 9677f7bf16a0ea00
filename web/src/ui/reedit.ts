// Re-editing a recalled message: the device that recalls a text message
// keeps its text (in this user's IndexedDB, for a day), so the notice
// "You recalled a message" can offer to put it back into the composer.
// Other devices never had it: the server erases a recalled text.
import type { Store } from "../lib/store";
import type { Message } from "../lib/proto";

export interface Recalled {
  text: string;
  mentions: string[]; // user ids
  time: number;
}

const KEEP_MS = 24 * 60 * 60 * 1000;
const MAX = 100;

export const recalledKey = (m: Pick<Message, "conversation" | "seq">): string => `${m.conversation}:${m.seq}`;

export async function loadRecalled(st: Store): Promise<Map<string, Recalled>> {
  const all = (await st.db.get<Record<string, Recalled>>("kv", "recalled")) ?? {};
  const now = Date.now();
  return new Map(Object.entries(all).filter(([, r]) => now - r.time < KEEP_MS));
}

// rememberRecalled keeps m's text before it is recalled.
export async function rememberRecalled(st: Store, m: Message): Promise<Map<string, Recalled>> {
  const all = await loadRecalled(st);
  all.set(recalledKey(m), { text: m.text, mentions: m.mentions.map(String), time: Date.now() });
  const kept = [...all].sort((a, b) => b[1].time - a[1].time).slice(0, MAX);
  await st.db.put("kv", "recalled", Object.fromEntries(kept));
  return new Map(kept);
}
