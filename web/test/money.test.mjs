// Money in the client: what a person types becomes fen without floats,
// fen are written as yuan with two decimals, keys are fresh, and the time
// of a payment-password lock is read from the server's message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./bundle.mjs";

const { parseYuan, formatYuan, signedYuan, newKey, lockedUntil } = await load("lib/money.ts");

test("parseYuan reads yuan with at most two decimals as fen", () => {
  const cases = [
    ["0.01", 1n],
    ["1", 100n],
    ["12.3", 1230n],
    ["12.34", 1234n],
    [" 7.05 ", 705n],
    ["0,5", 50n],
    ["12.", 1200n],
    // 0.1 + 0.2 style float error would show here.
    ["0.29", 29n],
    ["1234567.89", 123456789n],
    ["999999999.99", 99999999999n],
  ];
  for (const [in_, want] of cases) assert.equal(parseYuan(in_), want, `parseYuan(${JSON.stringify(in_)})`);
  for (const bad of ["", ".5", "1.234", "-1", "1e3", "abc", "1 000", "¥1", "1234567890"]) {
    assert.equal(parseYuan(bad), undefined, `parseYuan(${JSON.stringify(bad)}) should refuse`);
  }
});

test("formatYuan writes fen as ¥ with two decimals", () => {
  const cases = [
    [0n, "¥0.00"],
    [1n, "¥0.01"],
    [1230n, "¥12.30"],
    [-1234n, "-¥12.34"],
    [99999999999n, "¥999999999.99"],
  ];
  for (const [fen, want] of cases) assert.equal(formatYuan(fen), want, `formatYuan(${fen})`);
  assert.equal(signedYuan(500n), "+¥5.00");
  assert.equal(signedYuan(-500n), "-¥5.00");
  for (let fen = 0n; fen < 100000n; fen += 37n) assert.equal(parseYuan(formatYuan(fen).slice(1)), fen, `round trip of ${fen}`);
});

test("newKey makes a fresh idempotency key each time", () => {
  const a = newKey();
  const b = newKey();
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, b);
});

test("lockedUntil reads the lock's end from the server's message", () => {
  const d = lockedUntil("too many wrong payment passwords; try again after 2026-12-04T22:43:00Z");
  assert.equal(d?.toISOString(), "2026-12-04T22:43:00.000Z");
  assert.equal(lockedUntil("try again after 2026-12-04T22:43:00+08:00")?.toISOString(), "2026-12-04T14:43:00.000Z");
  assert.equal(lockedUntil("too many wrong payment passwords"), undefined);
});
