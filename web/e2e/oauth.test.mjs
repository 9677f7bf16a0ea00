// OAuth2 web authorization in the browser: the developer API's
// /connect/oauth2/authorize sends the browser to the client's consent
// screen; Allow returns to the account's page with a code that the API
// exchanges for a token, Deny returns with the state alone, snsapi_base
// passes silently, and a signed-out user signs in first and comes back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS, PHONE } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { go, login, newPage, PASSWORD } from "./ui.mjs";
import { axe } from "./axe.mjs";

const skip = skipReason();
const CALLBACK = "https://shop.example/oauth/back?from=menu";

describe("oauth web authorization", { skip }, () => {
  let server, browser, op, reader, acct, secret;

  before(async () => {
    server = await startServer();
    op = await user(server.url, "oauth_operator", "Operator");
    reader = await user(server.url, "oauth_reader", "Reader");
    const created = await op.body("oaCreate", { org: "Corner Shop", name: "Corner Shop Orders", kind: 2 });
    acct = created.account;
    secret = created.appsecret;
    browser = await launch();
  });

  after(async () => {
    op?.close();
    reader?.close();
    await browser?.close();
    await server?.stop();
  });

  // authorizeURL is what a developer's page sends the browser to.
  const authorizeURL = (scope, state) =>
    `/connect/oauth2/authorize?${new URLSearchParams({ appid: acct.appid, redirect_uri: CALLBACK, response_type: "code", scope, state })}#wechat_redirect`;

  // page opens a browser page whose requests to the account's site are
  // answered here (the site does not exist).
  const page = async (opts) => {
    const p = await newPage(browser, server, opts);
    await p.context().route("https://shop.example/**", (r) => r.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>shop</title><p>back at the shop</p>" }));
    return p;
  };

  const landed = async (p) => {
    await p.waitForURL((u) => u.host === "shop.example", { timeout: 15000 });
    const u = new URL(p.url());
    assert.equal(u.pathname, "/oauth/back");
    assert.equal(u.searchParams.get("from"), "menu", "redirect_uri's own query is kept");
    return u.searchParams;
  };

  const exchange = async (code) => {
    const q = new URLSearchParams({ appid: acct.appid, secret, code, grant_type: "authorization_code" });
    return (await fetch(`${server.url}/sns/oauth2/access_token?${q}`)).json();
  };

  it("signs in, asks for consent, and returns with a code the API exchanges", async () => {
    const p = await page({ viewport: PHONE, isMobile: true, hasTouch: true });
    await p.goto(authorizeURL("snsapi_userinfo", "order-42"));
    // Signed out: the sign-in screen says why, and the consent comes after.
    await p.locator('[data-screen="auth"] .auth-note').waitFor();
    const f = p.locator('[data-form="login"]');
    await f.locator('input[name="login"]').fill("oauth_reader");
    await f.locator('input[name="password"]').fill(PASSWORD);
    await f.locator('button[type="submit"]').click();
    const screen = p.locator('[data-screen="oauth"]');
    await screen.locator(`[data-oauth-account="${acct.appid}"]`).waitFor();
    assert.equal(await screen.locator(".oauth-name").textContent(), "Corner Shop Orders");
    assert.deepEqual(await axe(p, "oauth consent (phone, en)"), []);
    await p.screenshot({ path: join(SHOTS, "phone-en-oauth.png") });
    await screen.locator('[data-oauth="allow"]').click();
    const q = await landed(p);
    assert.equal(q.get("state"), "order-42");
    const code = q.get("code");
    assert.ok(code, "allowed: the redirect carries a code");
    const tok = await exchange(code);
    assert.ok(tok.access_token, `token exchange: ${JSON.stringify(tok)}`);
    assert.equal(tok.scope, "snsapi_userinfo");
    assert.ok(tok.openid);
    const info = await (await fetch(`${server.url}/sns/userinfo?${new URLSearchParams({ access_token: tok.access_token, openid: tok.openid, lang: "zh_CN" })}`)).json();
    assert.equal(info.nickname, "Reader");
    // A code works once.
    const again = await exchange(code);
    assert.ok(again.errcode, `second exchange of one code: ${JSON.stringify(again)}`);
    assert.deepEqual(p.errors, []);
    await p.context().close();
  });

  it("deny returns with the state and no code", async () => {
    const p = await page({ locale: "zh-CN" });
    await login(p, "oauth_reader");
    await p.goto(authorizeURL("snsapi_userinfo", "deny-me"));
    const screen = p.locator('[data-screen="oauth"]');
    await screen.locator('[data-oauth="deny"]').waitFor();
    assert.equal(await screen.locator('[data-oauth="allow"]').textContent(), "允许");
    assert.deepEqual(await axe(p, "oauth consent (desktop, zh)"), []);
    await p.screenshot({ path: join(SHOTS, "desktop-zh-oauth.png") });
    await screen.locator('[data-oauth="deny"]').click();
    const q = await landed(p);
    assert.equal(q.get("state"), "deny-me");
    assert.equal(q.get("code"), null);
    assert.deepEqual(p.errors, []);
    await p.context().close();
  });

  it("snsapi_base passes silently", async () => {
    const p = await page();
    await login(p, "oauth_reader");
    await p.goto(authorizeURL("snsapi_base", "quiet"));
    const q = await landed(p);
    assert.equal(q.get("state"), "quiet");
    const tok = await exchange(q.get("code"));
    assert.ok(tok.access_token, `token exchange: ${JSON.stringify(tok)}`);
    assert.equal(tok.scope, "snsapi_base");
    assert.deepEqual(p.errors, []);
    await p.context().close();
  });

  it("refuses a request whose redirect is not a web address", async () => {
    const p = await page();
    await login(p, "oauth_reader");
    const bad = new URLSearchParams({ appid: acct.appid, redirect_uri: "javascript:window.__xss(1)", response_type: "code", scope: "snsapi_base", state: "x" });
    await p.goto(`/oauth/authorize?${bad}`);
    await p.locator('[data-screen="oauth"] [data-oauth-error]').waitFor();
    assert.equal(new URL(p.url()).pathname, "/oauth/authorize");
    assert.deepEqual(await p.evaluate(() => window.__xssFired), []);
    await p.context().close();
  });

  it("limits redirects to the web authorization domain the operator sets in the console", async () => {
    const con = await newPage(browser, server);
    await login(con, "oauth_operator");
    await go(con, "/discover/oa");
    await con.locator('[data-entry="oa-console"]').click();
    await con.locator(`[data-oa-console="${acct.id}"]`).click();
    const dev = con.locator('[data-oa-section="developer"]');
    await dev.locator('input[name="oauth-domains"]').fill("pay.shop.example");
    await dev.locator('[data-oa-save="oauth-domains"]').click();
    await con.locator(".toast", { hasText: "Saved" }).waitFor();
    await con.context().close();

    // The shop's redirect_uri (shop.example) is now another domain: the
    // API answers WeChat's error instead of the consent screen, and the
    // consent screen itself gives no code for it.
    const res = await fetch(`${server.url}${authorizeURL("snsapi_base", "dom")}`, { redirect: "manual" });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirect_uri 参数错误.*10003/);
    const p = await page();
    await login(p, "oauth_reader");
    const q = new URLSearchParams({ appid: acct.appid, redirect_uri: CALLBACK, response_type: "code", scope: "snsapi_base", state: "dom" });
    await p.goto(`/oauth/authorize?${q}`);
    await p.locator('[data-screen="oauth"] [data-oauth-error]').waitFor();
    assert.equal(new URL(p.url()).host, new URL(server.url).host, "the browser stays on the node");
    await p.context().close();
    const after = await op.body("oaOperated", {});
    assert.deepEqual(after.accounts.find((a) => a.id === acct.id).settings.oauthDomains, ["pay.shop.example"]);
  });
});
