// Group voice calls and walkie-talkie rooms between browsers (Chromium
// with a fake microphone), through the server's SFU: three members in one
// call, each receiving audio (inbound RTP bytes grow for every one), the
// others seeing who is in it and the "started"/"ended" cards in the chat;
// once with ICE forced through the built-in TURN relay (the selected
// candidate pair's local candidate is a relay); and a walkie-talkie room
// whose hold-to-talk button takes the floor (pointer and keyboard) and
// shows the others who talks.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

const inbound = async (page) => Number((await page.locator(".gc-screen").getAttribute("data-inbound-bytes")) ?? 0);

// grows waits until the page's received bytes pass more than before.
async function grows(page, more, timeout = 30000) {
  const until = Date.now() + timeout;
  for (;;) {
    const n = await inbound(page);
    if (n > more) return n;
    if (Date.now() > until) throw new Error(`inbound bytes stayed at ${n}, want more than ${more}`);
    await page.waitForTimeout(250); // polls the page's own statistics (every 500 ms)
  }
}

describe("group calls", { skip }, () => {
  let server, browser, ann, bob, cat, group;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [ann, bob, cat] = await people(server.url, [
      ["gc_ann", "Ann"],
      ["gc_bob", "Bob"],
      ["gc_cat", "Cat"],
    ]);
    const g = await ann.body("createGroup", { name: "Choir", members: [bob.session.user, cat.session.user] });
    group = g.id;
  });

  after(async () => {
    for (const x of [ann, bob, cat]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("three members in a group call all receive audio; the chat has the cards", async () => {
    const a = await device(browser, server, "gc_ann");
    const b = await device(browser, server, "gc_bob", { phone: true });
    const c = await device(browser, server, "gc_cat", { locale: "zh-CN" });
    for (const p of [a, b, c]) await go(p, `/chat/g/${group}`);
    await a.locator(".group-call-btn").click();
    await a.locator('.gc-screen[data-state="connected"]').waitFor({ timeout: 20000 });
    // The others see the call in progress in the chat, and join from it.
    for (const p of [b, c]) {
      await p.locator('.gc-bar-row[data-kind="voice"] .gc-bar-join').click();
      await p.locator('.gc-screen[data-state="connected"]').waitFor({ timeout: 20000 });
    }
    for (const p of [a, b, c]) await p.locator('.gc-people[data-participants="3"]').waitFor({ timeout: 15000 });
    // Every participant hears the others: inbound RTP bytes grow.
    for (const p of [a, b, c]) {
      const n = await grows(p, 0);
      await grows(p, n);
    }
    // The fake microphone's tone makes each a speaker the others see.
    await a.locator('.gc-person[data-speaking="true"]').first().waitFor({ timeout: 15000 });
    await b.screenshot({ path: join(SHOTS, "groupcall-phone.png") });
    await a.screenshot({ path: join(SHOTS, "groupcall-desktop.png") });
    // Mute is a switch; the others see it.
    await b.locator('[data-action="gc-mute"]').click();
    await b.locator('[data-action="gc-mute"].on').waitFor();
    await a.locator(`.gc-person.muted[data-user="${bob.session.user}"]`).waitFor();
    for (const p of [b, c, a]) {
      await p.locator('[data-action="gc-leave"]').click();
      await p.locator(".gc-screen").waitFor({ state: "detached" });
    }
    await a.locator(".call-record", { hasText: "Group call started" }).first().waitFor();
    await a.locator(".call-record", { hasText: /Group call ended · \d\d:\d\d/ }).first().waitFor();
    await c.locator(".call-record", { hasText: /群通话已结束 · \d\d:\d\d/ }).first().waitFor();
    for (const p of [a, b, c]) expectNoErrors(p);
    for (const p of [a, b, c]) await p.context().close();
  });

  it("works with ICE forced through the built-in TURN relay", async () => {
    const a = await device(browser, server, "gc_ann");
    const b = await device(browser, server, "gc_bob");
    const c = await device(browser, server, "gc_cat");
    for (const p of [a, b, c]) {
      await p.evaluate(() => localStorage.setItem("hongyan.iceRelay", "1"));
      await go(p, `/chat/g/${group}`);
      await p.locator(".group-call-btn").click();
      await p.locator('.gc-screen[data-state="connected"]').waitFor({ timeout: 30000 });
    }
    for (const p of [a, b, c]) {
      await p.locator('.gc-screen[data-local-candidate="relay"]').waitFor({ timeout: 15000 });
      const n = await grows(p, 0);
      await grows(p, n);
    }
    for (const p of [a, b, c]) {
      await p.locator('[data-action="gc-leave"]').click();
      expectNoErrors(p);
      await p.context().close();
    }
  });

  it("walkie-talkie: hold to talk takes the floor, the others see who talks", async () => {
    const a = await device(browser, server, "gc_ann");
    const b = await device(browser, server, "gc_bob", { phone: true });
    for (const p of [a, b]) {
      await go(p, `/chat/g/${group}`);
      await p.locator(".talkie-btn").click();
      await p.locator('.gc-screen.talkie[data-state="connected"]').waitFor({ timeout: 20000 });
    }
    await a.locator('.gc-people[data-participants="2"]').waitFor();
    // Ann holds the button with the pointer: she has the floor; Bob hears her.
    const hold = a.locator('[data-action="talk-hold"]');
    await hold.hover();
    await a.mouse.down();
    await a.locator('[data-action="talk-hold"].on').waitFor();
    await b.locator(`.gc-floor[data-floor="${ann.session.user}"]`).waitFor();
    await grows(b, 0);
    // While she holds it, Bob's press is refused.
    await b.locator('[data-action="talk-hold"]').focus();
    await b.keyboard.down(" ");
    await b.locator(".toast", { hasText: "Ann is talking" }).waitFor();
    await b.keyboard.up(" ");
    await a.mouse.up();
    await b.locator('.gc-floor[data-floor="0"]').waitFor();
    // Now Bob holds it with the keyboard.
    await b.keyboard.down(" ");
    await a.locator(`.gc-floor[data-floor="${bob.session.user}"]`).waitFor();
    await b.screenshot({ path: join(SHOTS, "talkie-phone.png") });
    await b.keyboard.up(" ");
    await a.locator('.gc-floor[data-floor="0"]').waitFor();
    for (const p of [a, b]) {
      await p.locator('[data-action="gc-leave"]').click();
      expectNoErrors(p);
      await p.context().close();
    }
    assert.ok(true);
  });
});
