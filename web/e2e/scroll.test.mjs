// A chat of 10,000 messages: how long a new device takes to catch up, to
// page back to the first message, and how smoothly the virtualised list
// scrolls through all of it (frame times measured in the page). Figures go
// to e2e/out/scroll.json and BENCHMARKS.md ("Web client").
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { login, newPage, openChat } from "./ui.mjs";

const skip = skipReason();
const N = Number(process.env.SCROLL_MESSAGES || 10000);

describe(`a chat of ${N} messages`, { skip }, () => {
  let server, browser, page, alice, bob;
  const fig = { messages: N };

  before(async () => {
    server = await startServer();
    browser = await launch();
    alice = await user(server.url, "scroll_alice", "Alice");
    bob = await user(server.url, "scroll_bob", "Bob");
    const r = await bob.body("friendRequest", { user: alice.session.user, greeting: "hi" });
    if (r.state === 0) await alice.body("answerRequest", { request: r.id, accept: true });
    const t0 = Date.now();
    let next = 1;
    const worker = async () => {
      while (next <= N) {
        const i = next++;
        const text = i % 7 === 0 ? `message ${i}: a longer line that wraps onto a second row in the bubble, to give the list rows of different heights` : `message ${i}`;
        await (i % 3 ? bob : alice).body("send", { peer: i % 3 ? alice.session.user : bob.session.user, clientId: `s${i}`, text });
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    await bob.body("send", { peer: alice.session.user, clientId: "last", text: "the last message" });
    fig.seed_ms = Date.now() - t0;
  });

  after(async () => {
    alice?.close();
    bob?.close();
    await browser?.close();
    await server?.stop();
  });

  it("a new device catches up", async () => {
    page = await newPage(browser, server);
    const t0 = Date.now();
    await login(page, "scroll_alice");
    await page.locator('.chat-item[data-title="Bob"] .chat-item-preview', { hasText: "the last message" }).waitFor({ timeout: 120000 });
    await page.waitForFunction(() => !document.querySelector(".conn-status.on"), null, { timeout: 120000 });
    fig.catch_up_ms = Date.now() - t0;
  });

  it("opens the chat and pages back to the first message", async () => {
    const t0 = Date.now();
    await openChat(page, `/chat/u/${bob.session.user}`);
    await page.locator(".msg-row .text", { hasText: "the last message" }).first().waitFor();
    fig.open_ms = Date.now() - t0;
    const t1 = Date.now();
    await page.evaluate(async () => {
      const v = document.querySelector(".vlist.messages");
      for (let i = 0; i < 2000; i++) {
        if (document.querySelector('.msg-row[data-seq="1"]')) return;
        v.scrollTop = 0;
        await new Promise((r) => setTimeout(r, 16));
      }
      throw new Error("never reached the first message");
    });
    fig.page_back_ms = Date.now() - t1;
    await page.locator('.msg-row[data-seq="1"] .text').waitFor();
  });

  it("scrolls through all of it smoothly, with few rows in the DOM", async () => {
    const r = await page.evaluate(async () => {
      const v = document.querySelector(".vlist.messages");
      v.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const frames = [];
      let maxRows = 0;
      let last = performance.now();
      const start = last;
      // Scroll 3000 px per frame (about 40 rows) from the top to the bottom.
      while (v.scrollTop + v.clientHeight < v.scrollHeight - 2) {
        v.scrollTop += 3000;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        frames.push(now - last);
        last = now;
        maxRows = Math.max(maxRows, v.querySelectorAll(".msg-row").length);
        if (frames.length > 20000) break;
      }
      frames.sort((a, b) => a - b);
      const q = (p) => frames[Math.min(frames.length - 1, Math.floor(frames.length * p))];
      return {
        frames: frames.length,
        total_ms: Math.round(performance.now() - start),
        frame_mean_ms: +(frames.reduce((a, b) => a + b, 0) / frames.length).toFixed(2),
        frame_p50_ms: +q(0.5).toFixed(2),
        frame_p95_ms: +q(0.95).toFixed(2),
        frame_max_ms: +frames[frames.length - 1].toFixed(2),
        max_rows_in_dom: maxRows,
        dom_nodes: document.getElementsByTagName("*").length,
        heap_mb: performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1048576) : undefined,
      };
    });
    Object.assign(fig, { scroll: r });
    await page.locator(".msg-row .text", { hasText: "the last message" }).waitFor();
    assert.ok(r.max_rows_in_dom < 200, `virtualised: at most a window of rows in the DOM, saw ${r.max_rows_in_dom}`);
    assert.ok(r.frames > 50, "scrolled in many frames");
    assert.deepEqual(page.errors, []);
  });

  after(() => {
    writeFileSync(join(OUT, "scroll.json"), JSON.stringify(fig, null, 2) + "\n");
    console.log("scroll figures: " + JSON.stringify(fig));
  });
});
