// The installable app: manifest, service worker and offline shell. With the
// server gone, a reload still opens the app from the service worker and
// shows the chats from IndexedDB; a message typed then waits in the outbox
// (also across that reload) and arrives exactly once when the server is back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { newPage, openChat, register, sendText, waitMessage } from "./ui.mjs";

const skip = skipReason();

describe("installable app with an offline shell", { skip }, () => {
  let server, browser, page, bob, aliceId;

  before(async () => {
    server = await startServer();
    browser = await launch();
    bob = await user(server.url, "pwa_bob01", "Bob");
  });

  after(async () => {
    bob?.close();
    await browser?.close();
    await server?.stop();
  });

  it("mounts the client beside the gateway's paths", async () => {
    const get = (p, init) => fetch(server.url + p, init);
    const index = await get("/chat/u/1");
    assert.match(index.headers.get("content-type"), /text\/html/);
    assert.match(index.headers.get("content-security-policy"), /script-src 'self'/);
    assert.doesNotMatch(index.headers.get("content-security-policy"), /unsafe-inline|unsafe-eval/);
    const qr = await get("/qr/login/abcdef.svg");
    assert.equal(qr.headers.get("content-type"), "image/svg+xml");
    const ws = await get("/ws");
    assert.doesNotMatch(ws.headers.get("content-type") ?? "", /text\/html/, "/ws is the gateway's");
    const media = await get("/media?kind=file&name=x", { method: "POST", body: "x" });
    assert.equal(media.status, 401, "/media is the gateway's (it wants a token)");
    assert.equal((await get("/healthz")).status, 200);
    assert.equal((await get("/no-such-page")).status, 404);
  });

  it("serves a manifest and registers a service worker", async () => {
    const m = await (await fetch(server.url + "/manifest.webmanifest")).json();
    assert.equal(m.start_url, "/");
    assert.equal(m.display, "standalone");
    assert.ok(m.icons.some((i) => i.sizes === "512x512"));
    page = await newPage(browser, server, { serviceWorkers: "allow" });
    aliceId = await register(page, "pwa_alice", "Alice");
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    const r = await bob.body("friendRequest", { user: BigInt(aliceId), greeting: "hi" });
    await page.goto("/contacts/new");
    await page.locator('[data-request="Bob"] [data-action="accept"]').click();
    await page.waitForSelector('[data-screen="chat"]');
    assert.ok(r.id > 0n);
  });

  it("opens offline from the cache and sends what was typed exactly once", async () => {
    await openChat(page, `/chat/u/${bob.session.user}`);
    await bob.body("send", { peer: BigInt(aliceId), clientId: "pwa-1", text: "see you at the station" });
    await waitMessage(page, "see you at the station");
    await server.kill();
    await page.reload();
    await page.waitForSelector('[data-screen="chat"]');
    await waitMessage(page, "see you at the station");
    await page.locator(".conn-status.on").waitFor();
    await sendText(page, "typed with the server down");
    await page.locator('.msg-row.out[data-state="pending"]').waitFor();
    // Survives a reload while the server is still away (the outbox is in IndexedDB).
    await page.reload();
    await page.locator('.msg-row.out[data-state="pending"]').waitFor();
    await server.restart();
    await page.waitForFunction(() => !document.querySelector(".msg-row.out"), null, { timeout: 60000 });
    bob.close();
    bob = await user(server.url, "pwa_bob01", "Bob");
    const hist = await bob.body("history", { conversation: (await bob.body("conversations", {})).conversations.find((c) => c.peer === BigInt(aliceId)).conversation, limit: 50 });
    assert.equal(hist.messages.filter((m) => m.text === "typed with the server down").length, 1, "delivered exactly once");
    assert.deepEqual(page.errors, []);
  });
});
