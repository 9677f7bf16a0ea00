// The sync model on a fake connection: paged catch-up, pushes that continue
// the cursor, re-sync on a gap (the cursor never jumps), the heartbeat.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./bundle.mjs";

const { Syncer } = await load("lib/sync.ts");

const change = (seq) => ({ seq: BigInt(seq), item: { case: undefined } });

// A server holding a change log of `head` entries.
function fakeServer(head) {
  const calls = [];
  return {
    head,
    calls,
    conn: {
      on() {},
      drop() {},
      state: "open",
      async call(kind, v) {
        calls.push([kind, v]);
        if (kind === "sync") {
          const after = Number(v.after);
          if (after < this.owner.pruned) return { changes: [], more: false, head: BigInt(this.owner.head), reset: true };
          const end = Math.min(this.owner.head, after + 3);
          const cs = [];
          for (let s = after + 1; s <= end; s++) cs.push(change(s));
          return { changes: cs, more: end < this.owner.head, head: BigInt(this.owner.head) };
        }
        if (kind === "ping") return { head: BigInt(this.owner.head) };
        throw new Error("unexpected " + kind);
      },
    },
  };
}

function fakeStore() {
  const applied = [];
  return {
    cursor: 0n,
    applied,
    emit() {},
    async applyChanges(cs, cursor) {
      for (const c of cs) applied.push(Number(c.seq));
      this.cursor = cursor;
    },
  };
}

function setup(head, opt = {}) {
  const srv = fakeServer(head);
  srv.pruned = 0;
  srv.conn.owner = srv;
  const store = fakeStore();
  const s = new Syncer(srv.conn, store, { minBeat: 1e8, ...opt });
  return { srv, store, s };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test("catch-up pages until more=false, then goes live", async () => {
  const { srv, store, s } = setup(10);
  await s.start();
  assert.equal(store.cursor, 10n);
  assert.deepEqual(store.applied, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(s.live, true);
  assert.deepEqual(srv.calls.map(([, v]) => Number(v.after)), [0, 3, 6, 9]);
});

test("a push that continues the cursor is applied; one after a gap re-syncs", async () => {
  const { srv, store, s } = setup(2);
  await s.start();
  srv.head = 3;
  s.push({ changes: [change(3)] });
  await settle();
  assert.equal(store.cursor, 3n);
  const syncs = srv.calls.length;
  // Entries 4 and 5 were lost; 6 arrives: never jump, read from the cursor.
  srv.head = 6;
  s.push({ changes: [change(6)] });
  await settle();
  assert.equal(srv.calls.length, syncs + 1, "re-synced from the cursor");
  assert.equal(Number(srv.calls[syncs][1].after), 3);
  assert.deepEqual(store.applied, [1, 2, 3, 4, 5, 6]);
  // A duplicate of what is already applied changes nothing.
  s.push({ changes: [change(5), change(6)] });
  await settle();
  assert.deepEqual(store.applied, [1, 2, 3, 4, 5, 6]);
  assert.equal(s.stats.resyncs, 1);
});

test("pushes that arrive before the catch-up finished are left to it", async () => {
  const { store, s } = setup(4);
  const p = s.start();
  s.push({ changes: [change(4)] });
  await p;
  await settle();
  assert.deepEqual(store.applied, [1, 2, 3, 4]);
});

test("a pong ahead of the cursor syncs; an idle heartbeat backs off", async () => {
  const { srv, store, s } = setup(1);
  await s.start();
  srv.head = 3;
  await s.heartbeat();
  assert.equal(store.cursor, 3n);
  const before = srv.calls.filter(([k]) => k === "sync").length;
  await s.heartbeat();
  assert.equal(srv.calls.filter(([k]) => k === "sync").length, before, "nothing new: no sync");
  assert.equal(s.stats.pings, 2);
});

test("a reset reloads the state and goes on from the head", async () => {
  const reloads = [];
  const { srv, store, s } = setup(10, { onReset: async (head) => reloads.push(head) });
  srv.pruned = 8; // entries up to 8 are gone: a device at 0 cannot continue
  await s.start();
  assert.deepEqual(reloads, [10n], "the state reloaded once, told the head");
  assert.equal(store.cursor, 10n);
  assert.deepEqual(store.applied, [], "no change applied from before the head");
  assert.equal(s.live, true);
  assert.equal(s.stats.resets, 1);
  // It goes on normally from there.
  srv.head = 11;
  s.push({ changes: [change(11)] });
  await settle();
  assert.deepEqual(store.applied, [11]);
});
