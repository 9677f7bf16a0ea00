// The sync model (docs/protocol.md "Sync"): after hello, page through the
// change log from the device's cursor until more=false, which turns on live
// pushes. A push that does not start at cursor+1 triggers a re-sync from the
// cursor — the cursor never jumps over a gap. The heartbeat is driven by the
// client and adapts: 30 s after activity, doubling while nothing happens, up
// to 4 minutes; a pong whose head is past the cursor triggers a sync. A
// sync answered with reset (the server pruned the entries after the
// cursor) reloads the state through onReset and goes on from the head.
import type { Connection } from "./conn";
import type { Store } from "./store";
import type { Change, SyncResponse } from "./proto";

const PAGE = 500;

export interface SyncOptions {
  minBeat?: number;
  maxBeat?: number;
  // onReset loads the state afresh (chats, contacts, groups, profile…)
  // when the server no longer keeps the changes after the cursor.
  onReset?: (head: bigint) => Promise<void>;
}

export class Syncer {
  live = false;
  private queue: Promise<void> = Promise.resolve();
  private beat: number;
  private timer = 0;
  private readonly minBeat: number;
  private readonly maxBeat: number;
  private readonly onReset: (head: bigint) => Promise<void>;
  // Counters for tests and diagnostics.
  stats = { pages: 0, pushes: 0, resyncs: 0, pings: 0, resets: 0 };

  constructor(readonly conn: Connection, readonly store: Store, opt: SyncOptions = {}) {
    this.minBeat = opt.minBeat ?? 30000;
    this.maxBeat = opt.maxBeat ?? 240000;
    this.onReset = opt.onReset ?? (async () => {});
    this.beat = this.minBeat;
    conn.on("state", (s) => {
      if (s !== "open") {
        this.live = false;
        clearTimeout(this.timer);
      }
    });
  }

  // run is serialised: pages, pushes and heartbeats are processed one at a
  // time, in order.
  private run(fn: () => Promise<void>): Promise<void> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => {});
    return p;
  }

  // start catches up after hello; it resolves when the device is live.
  start(): Promise<void> {
    this.live = false;
    return this.run(() => this.catchUp());
  }

  private async catchUp(): Promise<void> {
    this.live = false;
    for (;;) {
      const r = await this.conn.call("sync", { after: this.store.cursor, limit: PAGE }, "sync");
      this.stats.pages++;
      if (r.reset) {
        // What happened since the cursor is no longer kept: load the
        // state afresh, then go on from the head the server named.
        this.stats.resets++;
        await this.onReset(r.head);
        await this.store.applyChanges([], r.head);
        continue;
      }
      await this.apply(r.changes);
      if (!r.more) break;
    }
    this.live = true;
    this.store.emit("live");
    this.schedule(true);
  }

  private async apply(changes: Change[]): Promise<void> {
    const fresh = changes.filter((c) => c.seq > this.store.cursor);
    if (!fresh.length) return;
    await this.store.applyChanges(fresh, fresh[fresh.length - 1].seq);
  }

  // push handles a `changes` frame.
  push(r: SyncResponse): void {
    this.stats.pushes++;
    void this.run(async () => {
      if (!this.live) return; // a catch-up in progress will read them
      const fresh = r.changes.filter((c) => c.seq > this.store.cursor);
      if (!fresh.length) return;
      if (fresh[0].seq !== this.store.cursor + 1n || !contiguous(fresh)) {
        this.stats.resyncs++;
        await this.catchUp();
        return;
      }
      await this.apply(fresh);
      this.schedule(true);
    }).catch(() => this.conn.drop("sync failed"));
  }

  // resync asks for everything after the cursor now (e.g. after a reload of
  // a chat found a gap).
  resync(): Promise<void> {
    return this.run(() => this.catchUp());
  }

  private schedule(active: boolean): void {
    clearTimeout(this.timer);
    this.beat = active ? this.minBeat : Math.min(this.beat * 2, this.maxBeat);
    this.timer = window.setTimeout(() => this.heartbeat(), this.beat);
  }

  heartbeat(): Promise<void> {
    return this.run(async () => {
      if (this.conn.state !== "open") return;
      this.stats.pings++;
      const p = await this.conn.call("ping", { cursor: this.store.cursor }, "pong");
      if (p.head > this.store.cursor) {
        this.stats.resyncs++;
        await this.catchUp();
      } else this.schedule(false);
    }).catch(() => {});
  }
}

function contiguous(cs: Change[]): boolean {
  for (let i = 1; i < cs.length; i++) if (cs[i].seq !== cs[i - 1].seq + 1n) return false;
  return true;
}
