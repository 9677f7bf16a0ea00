// Phone hashing in the client: numbers are normalized and taken with and
// without the country code exactly as the server does (the same table as
// internal/addressbook/phonehash_test.go), and hashed with the same HMAC.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./bundle.mjs";

const { phoneForms, hashForms, hex } = await load("lib/phonehash.ts");

test("phoneForms gives the server's forms of each number", () => {
  const cases = [
    ["13800138000", "86", ["13800138000", "+8613800138000"]],
    ["138 0013 8000", "86", ["13800138000", "+8613800138000"]],
    ["+86 138-0013-8000", "86", ["+8613800138000", "13800138000"]],
    ["0086 (138) 0013.8000", "86", ["+8613800138000", "13800138000"]],
    ["+1 415 555 0100", "86", ["+14155550100"]],
    ["020 1234 5678", "86", ["02012345678", "+8602012345678"]],
    ["13800138000", "", ["13800138000"]],
    ["+8612345", "86", ["+8612345", "12345"]],
    ["+861234", "86", ["+861234"]],
    ["\u00a0139\u00a00013\u00a09000 ", "86", ["13900139000", "+8613900139000"]],
    ["1234", "86", []],
    ["1234567890123456", "86", []],
    ["138+0013", "86", []],
    ["phone", "86", []],
    ["", "86", []],
  ];
  for (const [in_, cc, want] of cases) assert.deepEqual(phoneForms(in_, cc), want, `phoneForms(${JSON.stringify(in_)}, ${JSON.stringify(cc)})`);
});

test("hashForms is HMAC-SHA256 under the salt, as the server's", async () => {
  const salt = new TextEncoder().encode("0123456789abcdef0123456789abcdef");
  const got = (await hashForms(salt, ["13800138000", "+8613800138000"])).map(hex);
  assert.deepEqual(got, [
    "2aff2a1ede191cf2fd4af900d10f48d1e55f31e69dae59d7938c1ac349641534",
    "bdd1ee569ac57355604173d9ba4d36cd5e2496b74838f6f4a98bec0d61af8277",
  ]);
});
