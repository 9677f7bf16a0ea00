// The client on a phone (390×844, touch, Chinese): the back button, the
// tabs, long-press on a message, the composer growing with its text, voice
// with a timer and slide-up to cancel, and the image viewer.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason, pngImage } from "./harness.mjs";
import { center, device, people, touch } from "./people.mjs";
import { expectNoErrors, go, noOutbox, openChat, sendText, waitMessage } from "./ui.mjs";

const skip = skipReason();

describe("on a phone", { skip }, () => {
  let server, browser, page, a, b;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [a, b] = await people(server.url, [["phone_alice", "Alice"], ["phone_bob", "Bob"]]);
    await b.body("send", { peer: a.session.user, clientId: "p1", text: "a message to press" });
    const r = await fetch(`${server.url}/media?kind=image&name=p.png`, { method: "POST", body: pngImage(200, 120), headers: { Authorization: `Bearer ${b.session.token}` } });
    const img = await r.json();
    await b.body("send", { peer: a.session.user, clientId: "p2", kind: 1, media: img.id });
    page = await device(browser, server, "phone_alice", { phone: true, locale: "zh-CN", acceptDownloads: true });
  });

  after(async () => {
    a?.close();
    b?.close();
    await browser?.close();
    await server?.stop();
  });

  const backToList = async () => {
    const arrow = page.locator('[data-screen] .bar .back .icon').first();
    const p = await center(arrow);
    await page.touchscreen.tap(p.x, p.y);
    await page.waitForFunction(() => location.pathname === "/" || location.pathname === "/contacts", null, { timeout: 3000 });
  };

  it("lands on the list when the centre of the back arrow is tapped", async () => {
    await openChat(page, `/chat/u/${b.session.user}`);
    await backToList();
    await page.locator('[data-list="chats"]').waitFor();
    // With the offline banner showing, the header stays reachable.
    await go(page, `/contacts/${b.session.user}`);
    await page.locator('[data-screen="contact"]').waitFor();
    await page.context().setOffline(true);
    await page.locator(".conn-status.on").waitFor();
    const bar = await page.locator('[data-screen="contact"] .bar').boundingBox();
    const banner = await page.locator(".conn-status.on").boundingBox();
    assert.ok(banner.y + banner.height <= bar.y + 1, `the banner (${JSON.stringify(banner)}) does not cover the header (${JSON.stringify(bar)})`);
    await backToList();
    await page.context().setOffline(false);
    await page.locator(".conn-status.on").waitFor({ state: "detached" }).catch(() => {});
  });

  it("names the chats tab in its own words and gives contacts and me their own icons", async () => {
    await go(page, "/");
    const label = await page.locator('[data-tab="chats"] .tab-label').textContent();
    assert.equal(label, "消息");
    assert.ok(!(await page.evaluate(() => document.body.innerText.includes("微信"))), "no 微信 on screen");
    const d = (tab) => page.locator(`[data-tab="${tab}"] svg path`).first().getAttribute("d");
    assert.notEqual(await d("contacts"), await d("me"));
  });

  it("opens a message's actions by long-press; a tap does nothing, a tap on a picture opens it", async () => {
    await openChat(page, `/chat/u/${b.session.user}`);
    await waitMessage(page, "a message to press");
    const bubble = page.locator(".msg-row .bubble", { hasText: "a message to press" });
    await bubble.tap();
    await page.waitForTimeout(700);
    assert.equal(await page.locator('[role="menu"]').count(), 0, "a tap opens no menu");
    const p = await center(bubble);
    await touch(page, p.x, p.y, { holdMs: 800 });
    await page.locator('[role="menuitem"]', { hasText: "复制" }).waitFor({ timeout: 3000 });
    await page.locator('[role="menuitem"]', { hasText: "取消" }).click().catch(() => page.keyboard.press("Escape"));
    await page.locator('[role="menu"]').waitFor({ state: "detached" });
    // The picture: a tap opens the viewer, which closes, zooms and saves.
    await page.locator('.msg-row[data-kind="1"] .image-msg').tap();
    const viewer = page.locator(".viewer");
    await viewer.locator('img.viewer-img[src^="blob:"]').waitFor();
    await viewer.locator('[data-action="zoom-in"]').tap();
    const scale = await viewer.locator(".viewer-img").evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a);
    assert.ok(scale > 1.2, `zoomed in: scale ${scale}`);
    const [download] = await Promise.all([page.waitForEvent("download"), viewer.locator('[data-action="save"]').tap()]);
    assert.match(download.suggestedFilename(), /\.(png|jpe?g|gif|webp)$/);
    await viewer.locator('[data-action="close"]').tap();
    await viewer.waitFor({ state: "detached" });
  });

  it("grows the composer with its text up to about six lines", async () => {
    const input = page.locator(".composer-input");
    const h0 = (await input.boundingBox()).height;
    await input.fill("one\ntwo\nthree");
    const h3 = (await input.boundingBox()).height;
    assert.ok(h3 > h0 * 1.8, `three lines grow it: ${h0} → ${h3}`);
    await input.fill(Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n"));
    const h20 = (await input.boundingBox()).height;
    const line = await input.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
    assert.ok(h20 >= line * 5.5 && h20 <= line * 7.5, `capped near six lines: ${h20}px, line ${line}px`);
    await input.fill("");
    assert.ok((await input.boundingBox()).height < h0 * 1.3, "shrinks back");
  });

  it("records voice while held, with a timer, and cancels when slid up", async () => {
    const mic = page.locator(".voice-btn");
    const p = await center(mic);
    // Hold, slide up, release: cancelled.
    const holding = touch(page, p.x, p.y, { holdMs: 3500, moveTo: { x: p.x, y: p.y - 160 } });
    await page.locator(".rec-panel .rec-time").waitFor({ timeout: 3500 });
    await page.waitForFunction(() => /0:0[1-9]/.test(document.querySelector(".rec-panel .rec-time")?.textContent ?? ""), null, { timeout: 3500 });
    await holding;
    await page.locator(".rec-panel").waitFor({ state: "detached" });
    await page.waitForTimeout(800);
    assert.equal(await page.locator('.msg-row.out, .msg-row.mine[data-kind="2"]').count(), 0, "nothing sent");
    // Hold and release: sent.
    await touch(page, p.x, p.y, { holdMs: 3000 });
    await noOutbox(page);
    await page.locator('.msg-row.mine[data-kind="2"]').waitFor();
    expectNoErrors(page);
  });

  it("sends text from a phone", async () => {
    await sendText(page, "typed on a phone");
    await noOutbox(page);
  });
});
