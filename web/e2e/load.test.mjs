// The first load on a slow connection: Chromium's network emulation at
// 1.6 Mbps down / 750 kbps up / 150 ms round trip (the mobile profile
// Lighthouse uses), an empty cache, no service worker. It measures the
// bytes transferred until the sign-in screen shows, the time to it, the
// time from signing in to the chat list, and the time to open a chat of
// 10,000 messages. Figures go to e2e/out/load.json and BENCHMARKS.md
// ("Web client"): cd web && node --test e2e/load.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { statSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT, PHONE, REPO } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { newPage, openChat } from "./ui.mjs";

const skip = skipReason();
const N = Number(process.env.LOAD_MESSAGES || 10000);
const KBIT = 1000 / 8; // bytes per second in a kbit/s
const SLOW = { offline: false, latency: 150, downloadThroughput: 1600 * KBIT, uploadThroughput: 750 * KBIT };

describe(`first load at 1.6 Mbps / 150 ms, and a chat of ${N} messages`, { skip }, () => {
  let server, browser, alice, bob;
  const fig = { messages: N, network: "1.6 Mbps down, 750 kbps up, 150 ms RTT" };

  before(async () => {
    server = await startServer();
    browser = await launch();
    alice = await user(server.url, "load_alice", "Alice");
    bob = await user(server.url, "load_bob", "Bob");
    const r = await bob.body("friendRequest", { user: alice.session.user, greeting: "hi" });
    if (r.state === 0) await alice.body("answerRequest", { request: r.id, accept: true });
    let next = 1;
    const worker = async () => {
      while (next <= N) {
        const i = next++;
        await (i % 3 ? bob : alice).body("send", { peer: i % 3 ? alice.session.user : bob.session.user, clientId: `l${i}`, text: `message ${i}` });
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    await bob.body("send", { peer: alice.session.user, clientId: "last", text: "the last message" });
  });

  after(async () => {
    alice?.close();
    bob?.close();
    await browser?.close();
    await server?.stop();
    writeFileSync(join(OUT, "load.json"), JSON.stringify(fig, null, 2) + "\n");
    console.log("load figures: " + JSON.stringify(fig));
  });

  it("measures the first load, signing in, and opening the long chat", async () => {
    const page = await newPage(browser, server, { viewport: PHONE });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
    await cdp.send("Network.emulateNetworkConditions", SLOW);
    const bytes = new Map(); // request id → encoded bytes on the wire
    const urls = new Map();
    cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
    cdp.on("Network.loadingFinished", (e) => bytes.set(e.requestId, e.encodedDataLength));
    const encodings = {};
    cdp.on("Network.responseReceived", (e) => (encodings[new URL(e.response.url).pathname] = e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? ""));

    // Times are taken in the page (performance.now(), from the start of
    // the navigation): when each screen first appears.
    await page.context().addInitScript(() => {
      window.__marks = {};
      const watch = { sign_in: '[data-form="login"]', chat_list: '.chat-item[data-title="Bob"]', last_message: '[data-screen="chat"] .msg-row[data-seq]' };
      new MutationObserver(() => {
        for (const [k, sel] of Object.entries(watch)) if (!window.__marks[k] && document.querySelector(sel)) window.__marks[k] = performance.now();
      }).observe(document, { childList: true, subtree: true });
      addEventListener("submit", () => (window.__marks.submit = performance.now()), true);
    });
    const marks = () => page.evaluate(() => window.__marks);

    await page.goto("/");
    await page.locator('[data-form="login"]').waitFor({ timeout: 60000 });
    fig.sign_in_screen_ms = Math.round((await marks()).sign_in);
    // Everything the first load fetched, as transferred (headers included).
    await page.waitForLoadState("networkidle");
    const first = [...bytes].map(([id, n]) => [new URL(urls.get(id)).pathname, n]);
    fig.first_load_bytes = first.reduce((a, [, n]) => a + n, 0);
    fig.first_load = Object.fromEntries(first);
    fig.encodings = encodings;

    // Signing in: the chat list with the long chat, then caught up.
    const f = page.locator('[data-form="login"]');
    await f.locator('input[name="login"]').fill("load_alice");
    await f.locator('input[name="password"]').fill("a long password 1");
    await f.locator('button[type="submit"]').click();
    await page.locator('.chat-item[data-title="Bob"]').waitFor({ timeout: 120000 });
    let m = await marks();
    fig.chat_list_ms = Math.round(m.chat_list - m.submit);
    await page.locator('.chat-item[data-title="Bob"] .chat-item-preview', { hasText: "the last message" }).waitFor({ timeout: 300000 });
    await page.waitForFunction(() => !document.querySelector(".conn-status.on"), null, { timeout: 300000 });
    fig.caught_up_ms = Math.round((await page.evaluate(() => performance.now())) - m.submit);

    // Opening the chat of N messages: its last page comes from this
    // device's cache (then the server's answer).
    const opened = await page.evaluate(() => performance.now());
    await openChat(page, `/chat/u/${bob.session.user}`);
    await page.locator(".msg-row .text", { hasText: "the last message" }).first().waitFor();
    m = await marks();
    fig.open_chat_ms = Math.round(m.last_message - opened);
    assert.deepEqual(page.errors, []);

    // The client is served compressed: far less than the files' size.
    const dist = join(REPO, "internal", "webui", "dist", "assets");
    const raw = readdirSync(dist).filter((n) => /\.(js|css)$/.test(n)).reduce((a, n) => a + statSync(join(dist, n)).size, 0);
    fig.assets_raw_bytes = raw;
    assert.ok(fig.first_load_bytes < raw / 2, `first load ${fig.first_load_bytes} B, assets ${raw} B uncompressed`);
    assert.ok(Object.entries(encodings).some(([p, e]) => p.endsWith(".js") && e === "br"), `JS served with brotli: ${JSON.stringify(encodings)}`);
    await cdp.detach();
    await page.context().close();
  });
});
