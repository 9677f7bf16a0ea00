// One-to-one calls between browsers (Chromium with fake camera and
// microphone): a voice call and a video call that carry media both ways
// (the video one switched to voice while it goes on), every device of
// the callee ringing and the first to answer winning, the call record in
// both chats, busy, and no answer (the server's ring timeout set to 6 s).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

// inbound reads the bytes a call screen has received so far.
const inbound = async (page) => Number((await page.locator(".call-screen").getAttribute("data-inbound-bytes")) ?? 0);

// grows waits until the page's received bytes pass more than before.
async function grows(page, more, timeout = 20000) {
  const until = Date.now() + timeout;
  for (;;) {
    const n = await inbound(page);
    if (n > more) return n;
    if (Date.now() > until) throw new Error(`inbound bytes stayed at ${n}, want more than ${more}`);
    await page.waitForTimeout(250); // polls the page's own 1 s statistics
  }
}

describe("calls", { skip }, () => {
  let server, browser, bob, ann, cat;

  before(async () => {
    server = await startServer({ env: { HONGYAN_CALLS_RING_TIMEOUT: "6s" } });
    browser = await launch();
    [bob, ann, cat] = await people(server.url, [
      ["call_bob", "Bob"],
      ["call_ann", "Ann"],
      ["call_cat", "Cat"],
    ]);
  });

  after(async () => {
    for (const x of [ann, bob, cat]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("rings every device; the first to answer wins; media flows; the record is in both chats", async () => {
    const a = await device(browser, server, "call_ann");
    const b1 = await device(browser, server, "call_bob");
    const b2 = await device(browser, server, "call_bob", { phone: true });
    await go(a, `/chat/u/${bob.session.user}`);
    await a.locator(".call-voice-btn").click();
    await a.locator('.call-screen[data-call-state="calling"]').waitFor();
    // Both of Bob's devices ring.
    await b1.locator("[data-incoming-call]").waitFor();
    await b2.locator("[data-incoming-call]").waitFor();
    await b2.screenshot({ path: join(SHOTS, "call-incoming-phone.png") });
    await b1.locator('[data-incoming-call] [data-action="call-accept"]').click();
    // The other device stops ringing: answered elsewhere.
    await b2.locator("[data-incoming-call]").waitFor({ state: "detached" });
    await b2.locator(".toast", { hasText: "Answered on another device" }).waitFor();
    await a.locator('.call-screen[data-call-state="connected"]').waitFor({ timeout: 20000 });
    await b1.locator('.call-screen[data-call-state="connected"]').waitFor({ timeout: 20000 });
    // Media flows both ways: inbound RTP bytes grow.
    const first = await grows(a, 0);
    await grows(a, first);
    await grows(b1, 0);
    await a.screenshot({ path: join(SHOTS, "call-desktop.png") });
    // Mute is a switch on the call screen.
    await b1.locator('[data-action="call-mute"]').click();
    await b1.locator('[data-action="call-mute"].on').waitFor();
    await a.locator('[data-action="call-hangup"]').click();
    await a.locator(".call-screen").waitFor({ state: "detached" });
    await b1.locator(".call-screen").waitFor({ state: "detached" });
    // The record, in both chats.
    await a.locator(".call-record", { hasText: /Call duration \d\d:\d\d/ }).first().waitFor();
    await go(b1, `/chat/u/${ann.session.user}`);
    await b1.locator(".call-record", { hasText: /Call duration \d\d:\d\d/ }).first().waitFor();
    expectNoErrors(a);
    expectNoErrors(b1);
    for (const p of [a, b1, b2]) await p.context().close();
  });

  it("carries video both ways; camera off; switches to voice", async () => {
    const a = await device(browser, server, "call_ann");
    const b = await device(browser, server, "call_bob", { phone: true });
    await go(a, `/chat/u/${bob.session.user}`);
    await a.locator(".call-video-btn").click();
    await b.locator('[data-incoming-call] [data-action="call-accept"]').click();
    for (const p of [a, b]) await p.locator('.call-screen[data-call-state="connected"][data-video="true"]').waitFor({ timeout: 20000 });
    // The fake camera's frames arrive: the remote video has a size.
    for (const p of [a, b]) await p.waitForFunction(() => (document.querySelector("video.call-remote")?.videoWidth ?? 0) > 0, null, { timeout: 20000 });
    await grows(a, 0);
    await a.locator('[data-action="call-camera"]').click();
    await a.locator('[data-action="call-camera"].on').waitFor();
    // Switch to voice: both screens follow, and the call goes on.
    await b.locator('[data-action="call-switch"]').click();
    for (const p of [a, b]) await p.locator('.call-screen[data-call-state="connected"][data-video="false"]').waitFor();
    const n = await grows(a, 0);
    await grows(a, n);
    await b.locator('[data-action="call-hangup"]').click();
    await a.locator(".call-screen").waitFor({ state: "detached" });
    expectNoErrors(a);
    expectNoErrors(b);
    for (const p of [a, b]) await p.context().close();
  });

  it("is busy when the callee is in another call, in Chinese", async () => {
    // Ann's phone rings Bob (through the protocol); Cat calls Bob meanwhile.
    const c = await device(browser, server, "call_cat", { locale: "zh-CN" });
    await go(c, `/chat/u/${bob.session.user}`);
    await c.locator(".call-voice-btn").waitFor();
    const ringing = await ann.body("callPlace", { peer: bob.session.user, video: false });
    await c.locator(".call-voice-btn").click();
    await c.locator(".toast.error", { hasText: "对方忙线中" }).waitFor();
    assert.equal(await c.locator(".call-screen").count(), 0);
    await c.locator(".call-record", { hasText: "对方忙线中" }).first().waitFor();
    await ann.body("callHangup", { call: ringing.call.id });
    await c.context().close();
  });

  it("ends unanswered after the ring timeout: no answer for the caller, missed for the callee", async () => {
    const a = await device(browser, server, "call_ann");
    const b = await device(browser, server, "call_bob", { phone: true });
    await go(a, `/chat/u/${bob.session.user}`);
    await a.locator(".call-video-btn").click();
    await b.locator("[data-incoming-call]").waitFor();
    // Nobody answers: the node's sweep ends it after 6 s.
    await a.locator(".call-screen").waitFor({ state: "detached", timeout: 15000 });
    await b.locator("[data-incoming-call]").waitFor({ state: "detached" });
    await a.locator(".call-record", { hasText: "No answer" }).first().waitFor();
    await go(b, `/chat/u/${ann.session.user}`);
    await b.locator(".call-record", { hasText: "Missed call" }).first().waitFor();
    expectNoErrors(a);
    for (const p of [a, b]) await p.context().close();
  });
});
