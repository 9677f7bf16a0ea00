// The outbox on a fake connection and store: the client ID is made once and
// reused for every attempt, retryable failures keep the item pending,
// refusals mark it failed until retried, and a compact own copy is filled
// in from the item.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./bundle.mjs";

const { Outbox, ApiError, canRetry, failedChats } = await load("lib/outbox.ts", "lib/conn.ts");

function fakeConn() {
  const handlers = {};
  return {
    setupDone: true,
    sent: [],
    answer: async () => ({ id: 10n, conversation: 7n, seq: 1n, time: 1000n }),
    on(t, fn) {
      handlers[t] = fn;
    },
    fire(t) {
      handlers[t]?.();
    },
    async call(kind, v) {
      this.sent.push([kind, v.clientId]);
      return this.answer(v);
    },
  };
}

function fakeStore() {
  const rows = new Map();
  return {
    me: 1n,
    added: [],
    emit() {},
    completeOwn: undefined,
    db: {
      rows,
      async put(_s, k, v) {
        rows.set(k, structuredClone(v));
      },
      async del(_s, k) {
        rows.delete(k);
      },
      async all() {
        return [...rows.values()];
      },
    },
    async addMessages(ms) {
      this.added.push(...ms);
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test("sends once and stores the message", async () => {
  const conn = fakeConn();
  const store = fakeStore();
  const ob = new Outbox(conn, store);
  const it = await ob.add({ peer: 2n, text: "hi" });
  await settle();
  assert.match(it.clientId, /^w[0-9a-f]{24}$/);
  assert.deepEqual(conn.sent, [["send", it.clientId]]);
  assert.equal(store.added.length, 1);
  assert.equal(store.added[0].text, "hi");
  assert.equal(store.added[0].seq, 1n);
  assert.equal(ob.items.size, 0);
  assert.equal(store.db.rows.size, 0);
});

test("a lost connection keeps it pending; the retry reuses the client ID", async () => {
  const conn = fakeConn();
  const store = fakeStore();
  const ob = new Outbox(conn, store);
  conn.answer = async () => {
    conn.setupDone = false;
    throw new ApiError("unavailable", "connection lost");
  };
  const it = await ob.add({ peer: 2n, text: "on the train" });
  await settle();
  assert.equal(ob.items.get(it.clientId).state, "pending");
  assert.ok(store.db.rows.has(it.clientId), "kept in IndexedDB");
  // After a reload: a new outbox reads it back.
  const ob2 = new Outbox(conn, store);
  await ob2.load();
  conn.setupDone = true;
  conn.answer = async () => ({ id: 10n, conversation: 7n, seq: 4n, time: 1n });
  conn.fire("ready");
  await settle();
  assert.deepEqual(conn.sent.map(([, c]) => c), [it.clientId, it.clientId]);
  assert.equal(store.added.length, 1);
  assert.equal(ob2.items.size, 0);
});

test("a refusal marks it failed until retried", async () => {
  const conn = fakeConn();
  const store = fakeStore();
  const ob = new Outbox(conn, store);
  conn.answer = async () => {
    throw new ApiError("failed_precondition", "not friends");
  };
  const it = await ob.add({ peer: 2n, text: "hello?" });
  await settle();
  assert.equal(ob.items.get(it.clientId).state, "failed");
  assert.equal(ob.items.get(it.clientId).error, "not friends");
  // Later items are not held up by a failed one.
  conn.answer = async () => ({ id: 11n, conversation: 7n, seq: 2n, time: 1n });
  await ob.add({ peer: 2n, text: "next" });
  await settle();
  assert.equal(store.added.length, 1);
  await ob.retry(it.clientId);
  await settle();
  assert.deepEqual(conn.sent.map(([, c]) => c).filter((c) => c === it.clientId).length, 2);
  assert.equal(ob.items.size, 0);
});

test("fills in the compact copy of an own message", async () => {
  const conn = fakeConn();
  const store = fakeStore();
  const ob = new Outbox(conn, store);
  conn.setupDone = false;
  const it = await ob.add({ peer: 2n, text: "compact" });
  const full = store.completeOwn({ id: 5n, conversation: 7n, seq: 3n, clientId: it.clientId, sender: 0n, time: 0n });
  assert.equal(full.text, "compact");
  assert.equal(full.sender, 1n);
  assert.equal(full.seq, 3n);
  assert.equal(store.completeOwn({ id: 5n, conversation: 7n, seq: 3n, clientId: "unknown", sender: 0n, time: 0n }), undefined);
});

test("only text messages carry text; a refused content offers no retry, a rate limit does", async () => {
  const conn = fakeConn();
  const store = fakeStore();
  const ob = new Outbox(conn, store);
  const seen = [];
  conn.answer = async (v) => {
    seen.push(v.text);
    throw new ApiError("invalid_argument", "a location message carries no text");
  };
  const loc = await ob.add({ peer: 2n, kind: 5, text: "Drum Tower", location: { latitude: 1, longitude: 2, name: "Drum Tower", address: "" } });
  await settle();
  assert.deepEqual(seen, [""], "the request carries no text");
  const failed = ob.items.get(loc.clientId);
  assert.equal(failed.state, "failed");
  assert.equal(failed.errorCode, "invalid_argument");
  assert.equal(canRetry(failed), false);
  assert.deepEqual([...failedChats(ob.items.values())], ["u2"]);
  assert.equal(canRetry({ state: "failed", errorCode: "rate_limited" }), true);
  assert.equal(canRetry({ state: "failed", errorCode: "unavailable" }), true);
});
