// The consent screen's reading of an authorize request: what the server
// refuses is refused here too (and a redirect that is not http(s) never
// becomes a navigation), and the way back keeps redirect_uri's own query,
// adds code only when allowed, always adds state, and drops the fragment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./bundle.mjs";

const { parseRequest, target } = await load("lib/oauth.ts");

const query = (over = {}) => {
  const q = new URLSearchParams({ appid: "wx0123456789abcdef", redirect_uri: "https://shop.example/back?from=menu#top", response_type: "code", scope: "snsapi_userinfo", state: "s1" });
  for (const [k, v] of Object.entries(over)) v === undefined ? q.delete(k) : q.set(k, v);
  return "?" + q;
};

test("a valid request is read", () => {
  const r = parseRequest(query());
  assert.ok(r, "valid request refused");
  assert.equal(r.appid, "wx0123456789abcdef");
  assert.equal(r.scope, "snsapi_userinfo");
  assert.equal(r.state, "s1");
  assert.ok(parseRequest(query({ scope: "snsapi_base", state: undefined })), "snsapi_base without state refused");
});

test("bad requests are refused", () => {
  const cases = {
    "no appid": { appid: undefined },
    "long appid": { appid: "w".repeat(65) },
    "response_type token": { response_type: "token" },
    "unknown scope": { scope: "snsapi_login" },
    "state over 128 bytes": { state: "状".repeat(43) },
    "javascript redirect": { redirect_uri: "javascript:alert(1)" },
    "data redirect": { redirect_uri: "data:text/html,hi" },
    "relative redirect": { redirect_uri: "/back" },
    "redirect with credentials": { redirect_uri: "https://u:p@shop.example/" },
    "no redirect": { redirect_uri: undefined },
  };
  for (const [name, over] of Object.entries(cases)) assert.equal(parseRequest(query(over)), undefined, name);
  assert.equal(parseRequest("?" + "a".repeat(5000)), undefined, "over 4096 bytes");
});

test("the way back", () => {
  const r = parseRequest(query());
  const allowed = new URL(target(r, "CODE1"));
  assert.equal(allowed.origin + allowed.pathname, "https://shop.example/back");
  assert.equal(allowed.searchParams.get("from"), "menu");
  assert.equal(allowed.searchParams.get("code"), "CODE1");
  assert.equal(allowed.searchParams.get("state"), "s1");
  assert.equal(allowed.hash, "");
  const denied = new URL(target(r, ""));
  assert.equal(denied.searchParams.get("code"), null);
  assert.equal(denied.searchParams.get("state"), "s1");
  const noState = new URL(target(parseRequest(query({ state: undefined })), "C"));
  assert.equal(noState.searchParams.get("state"), "", "state is always present, as the server does");
});
