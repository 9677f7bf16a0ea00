// Third-party group apps in the browser: an app sends a group's owner to
// the consent screen; Allow returns to the app's redirect URI with a code
// the bot API exchanges for a group token, Deny returns with
// error=access_denied; a member cannot consent; the owner finds the app
// under Apps in this group and revokes it, which ends its token at once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { device, friends } from "./people.mjs";
import { user } from "./protocol.mjs";
import { axe } from "./axe.mjs";

const skip = skipReason();
const CALLBACK = "https://quiz.example/back?from=e2e";

describe("third-party group apps", { skip }, () => {
  let server, browser, dev, ann, ben, cat, bot, secret, group;

  before(async () => {
    server = await startServer();
    browser = await launch();
    dev = await user(server.url, "apps_dev", "Dev");
    ann = await user(server.url, "apps_ann", "Ann");
    ben = await user(server.url, "apps_ben", "Ben");
    cat = await user(server.url, "apps_cat", "Cat");
    await friends(ann, ben);
    await friends(ann, cat);
    group = (await ann.body("createGroup", { name: "Quiz night", members: [ben.session.user, cat.session.user] })).id;
    bot = (await dev.body("botCreate", { name: "Quizzer" })).bot;
    secret = (await dev.body("botAppRegister", { bot: bot.id, description: "Weekly quizzes", redirectUri: CALLBACK, scopes: ["groups:read", "messages:read", "messages:send"] })).secret;
  });

  after(async () => {
    for (const x of [dev, ann, ben, cat]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  const authorizeURL = (state) =>
    `/apps/authorize?${new URLSearchParams({ app: String(bot.id), group: String(group), scopes: "groups:read,messages:read", redirect_uri: CALLBACK, state })}`;

  // page is Ann's browser; the app's site is answered here.
  const page = async () => {
    const p = await device(browser, server, "apps_ann");
    await p.context().route("https://quiz.example/**", (r) => r.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>quiz</title><p>back at the quiz</p>" }));
    return p;
  };

  const landed = async (p) => {
    await p.waitForURL((u) => u.host === "quiz.example", { timeout: 15000 });
    const u = new URL(p.url());
    assert.equal(u.pathname, "/back");
    assert.equal(u.searchParams.get("from"), "e2e", "redirect_uri's own query is kept");
    return u.searchParams;
  };

  const api = (token, path, init = {}) => fetch(`${server.url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

  it("only the group's owner consents; Allow returns a code the app exchanges; the owner revokes it", async () => {
    await assert.rejects(ben.body("botAppAuthorize", { app: bot.id, group, scopes: ["groups:read"], redirectUri: CALLBACK }), /permission_denied/);

    const p = await page();
    await p.goto(authorizeURL("round-1"));
    const screen = p.locator('[data-screen="app-consent"]');
    await screen.locator(`[data-app-name="${bot.id}"]`).waitFor();
    assert.equal(await screen.locator(".oauth-name").textContent(), "Quizzer");
    assert.deepEqual(await screen.locator("[data-scope]").evaluateAll((els) => els.map((e) => e.dataset.scope)), ["groups:read", "messages:read"]);
    assert.match(await screen.textContent(), /Quiz night/);
    assert.deepEqual(await axe(p, "app consent (desktop, en)"), []);
    await p.screenshot({ path: join(SHOTS, "desktop-en-app-consent.png") });
    await screen.locator('[data-app-consent="allow"]').click();
    const q = await landed(p);
    assert.equal(q.get("state"), "round-1");
    const code = q.get("code");
    assert.match(code ?? "", /^hyc_/);

    const ex = await fetch(`${server.url}/bot/v1/apps/token`, {
      method: "POST",
      body: JSON.stringify({ app_id: Number(bot.id), client_secret: secret, code, redirect_uri: CALLBACK }),
    });
    assert.equal(ex.status, 200);
    const granted = await ex.json();
    assert.deepEqual(granted.scopes, ["groups:read", "messages:read"]);
    assert.equal((await api(granted.token, `/bot/v1/groups/${group}`)).status, 200);
    const again = await fetch(`${server.url}/bot/v1/apps/token`, {
      method: "POST",
      body: JSON.stringify({ app_id: Number(bot.id), client_secret: secret, code, redirect_uri: CALLBACK }),
    });
    assert.equal(again.status, 403, "a code works once");

    // Apps in this group: listed, then revoked.
    await p.goto(`/chat/g/${group}/info`); // back from the app's site
    await p.locator('[data-action="group-bots"]').click();
    const list = p.locator('[data-screen="group-bots"]');
    await list.locator(`[data-group-bot="${bot.id}"]`).waitFor();
    assert.deepEqual(await axe(p, "apps in this group (desktop, en)"), []);
    await list.locator(`[data-revoke="${bot.id}"]`).click();
    await p.locator('[role="dialog"]').getByRole("button", { name: "Revoke" }).click();
    await list.getByText(/No apps or bots/).waitFor();
    assert.equal((await api(granted.token, `/bot/v1/groups/${group}`)).status, 401, "revoked at once");
    await p.close();
  });

  it("Deny returns to the app with error=access_denied and grants nothing", async () => {
    const p = await page();
    await p.goto(authorizeURL("round-2"));
    await p.locator('[data-app-consent="deny"]').click();
    const q = await landed(p);
    assert.equal(q.get("error"), "access_denied");
    assert.equal(q.get("state"), "round-2");
    assert.equal(q.get("code"), null);
    const apps = await ann.body("botGroupApps", { group });
    assert.equal(apps.apps.length, 0);
    await p.close();
  });

  it("a malformed request is refused on the screen", async () => {
    const p = await page();
    await p.goto(`/apps/authorize?app=${bot.id}&group=${group}&scopes=wallet:pay&redirect_uri=${encodeURIComponent(CALLBACK)}`);
    await p.locator("[data-app-error]").waitFor();
    await p.close();
  });
});
