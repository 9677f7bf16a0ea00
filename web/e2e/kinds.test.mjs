// Every kind of message sent from the web client arrives on the other side;
// a send the server refuses shows as failed at once, with its reason in the
// user's language, in its place in time, and marks the chat in the list.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { launch, startServer, skipReason, OUT, pngImage } from "./harness.mjs";
import { device, people, webm } from "./people.mjs";
import { expectNoErrors, noOutbox, openChat, sendText, waitMessage } from "./ui.mjs";

const skip = skipReason();

describe("every message kind", { skip }, () => {
  let server, browser, alice, bob, a, b;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [a, b] = await people(server.url, [["kinds_alice", "Alice"], ["kinds_bob", "Bob"]]);
    alice = await device(browser, server, "kinds_alice");
    bob = await device(browser, server, "kinds_bob");
  });

  after(async () => {
    a?.close();
    b?.close();
    await browser?.close();
    await server?.stop();
  });

  const attach = async (name, files) => {
    await alice.click(".attach-btn");
    if (!files) return alice.click(`[data-attach="${name}"]`);
    const [chooser] = await Promise.all([alice.waitForEvent("filechooser"), alice.click(`[data-attach="${name}"]`)]);
    await chooser.setFiles(files);
  };
  const menu = async (text, item) => {
    await alice.locator(".msg-row.mine .bubble", { hasText: text }).first().click({ button: "right" });
    await alice.locator('[role="menuitem"]', { hasText: item }).click();
  };

  it("sends text, image, voice, video, file, sticker, location, card, link and forwards, and each arrives", async () => {
    await openChat(alice, `/chat/u/${b.session.user}`);
    await openChat(bob, `/chat/u/${a.session.user}`);
    await sendText(alice, "kind: plain text");
    writeFileSync(join(OUT, "kinds.png"), pngImage(80, 60));
    writeFileSync(join(OUT, "kinds.webm"), webm());
    writeFileSync(join(OUT, "kinds.txt"), "a file of text");
    await attach("photo", join(OUT, "kinds.png"));
    await attach("photo", join(OUT, "kinds.webm"));
    await attach("file", join(OUT, "kinds.txt"));
    await attach("sticker", join(OUT, "kinds.png"));
    await alice.click(".voice-btn");
    await alice.locator(".rec-panel").waitFor();
    await alice.waitForTimeout(1200);
    await alice.locator('.voice-btn, [data-action="rec-send"]').last().click();
    // Location: a place name and coordinates.
    await attach("location");
    const loc = alice.locator(".modal form");
    await loc.locator('input[name="name"]').fill("Drum Tower");
    await loc.locator('input[name="lat"]').fill("39.9409");
    await loc.locator('input[name="lon"]').fill("116.3883");
    await loc.locator('button[type="submit"]').click();
    // A link the server cannot fetch still makes a card with its URL.
    await attach("link");
    await alice.locator('.modal input[name="url"]').fill("http://127.0.0.1:9/page");
    await alice.locator('.modal button[type="submit"]').click();
    await attach("card");
    await alice.locator('.picker [data-contact="Bob"] input').check();
    await alice.locator(".picker .btn.primary").click();
    await noOutbox(alice);
    // Forward one message, then two merged as a chat history.
    await menu("kind: plain text", "Forward");
    await alice.locator('.picker [data-target="Bob"]').click();
    await menu("kind: plain text", "Select");
    await alice.locator('[data-action="forward-merged"]').click();
    await alice.locator('.picker [data-target="Bob"]').click();
    await noOutbox(alice);
    assert.equal(await alice.locator('.msg-row.out[data-state="failed"]').count(), 0, "nothing failed");
    // Bob sees each kind: text (twice: sent and forwarded), image, voice,
    // video, file, location, sticker, card, link, chat history.
    await waitMessage(bob, "kind: plain text");
    for (const k of [1, 2, 3, 4, 5, 6, 7, 8, 9]) await bob.locator(`.msg-row[data-kind="${k}"]`).first().waitFor({ timeout: 15000 });
    assert.equal(await bob.locator('.msg-row[data-kind="0"] .text', { hasText: "kind: plain text" }).count(), 2);
    assert.match(await bob.locator('.msg-row[data-kind="5"]').first().textContent(), /Drum Tower/);
    assert.match(await bob.locator('.msg-row[data-kind="8"]').first().textContent(), /127\.0\.0\.1:9\/page/);
    expectNoErrors(alice);
  });

  it("shows a refused send as failed at once, with its reason in Chinese, in its place, and marks the chat", async () => {
    const zh = await device(browser, server, "kinds_alice", { locale: "zh-CN" });
    await openChat(zh, `/chat/u/${b.session.user}`);
    writeFileSync(join(OUT, "page.png"), "<!doctype html><html><body>not a picture</body></html>");
    writeFileSync(join(OUT, "empty.txt"), "");
    await zh.click(".attach-btn");
    let [chooser] = await Promise.all([zh.waitForEvent("filechooser"), zh.click('[data-attach="photo"]')]);
    await chooser.setFiles(join(OUT, "page.png"));
    const failed = zh.locator('.msg-row.out[data-state="failed"]');
    await failed.first().waitFor({ timeout: 5000 });
    assert.equal(await failed.first().locator(".out-reason").textContent(), "这不是可以发送的图片（支持 JPEG、PNG、GIF、WebP）");
    await zh.click(".attach-btn");
    [chooser] = await Promise.all([zh.waitForEvent("filechooser"), zh.click('[data-attach="file"]')]);
    await chooser.setFiles(join(OUT, "empty.txt"));
    await zh.waitForFunction(() => document.querySelectorAll('.msg-row.out[data-state="failed"]').length === 2, null, { timeout: 5000 });
    assert.equal(await failed.nth(1).locator(".out-reason").textContent(), "不能发送空文件");
    // A retry cannot fix a refusal: only Delete is offered.
    await failed.first().locator(".out-state").click();
    const items = await zh.locator('[role="menuitem"]').allTextContents();
    assert.ok(items.includes("删除"), `menu: ${items}`);
    assert.ok(!items.includes("重试"), `no retry for a refusal: ${items}`);
    await zh.keyboard.press("Escape");
    // A later message from Bob comes after the failed ones.
    await b.body("send", { peer: a.session.user, clientId: "after-failed", text: "after the failed ones" });
    await waitMessage(zh, "after the failed ones");
    const order = await zh.evaluate(() => [...document.querySelectorAll('[data-screen="chat"] .msg-row')].map((r) => (r.matches(".out") ? "failed" : r.textContent.includes("after the failed ones") ? "bob" : "")).filter(Boolean));
    assert.deepEqual(order, ["failed", "failed", "bob"]);
    // The chat list marks the chat.
    await zh.locator('.chat-item[data-title="Bob"] .failed-mark').waitFor();
    // Delete both: the mark goes.
    for (let i = 0; i < 2; i++) {
      await failed.first().locator(".out-state").click();
      await zh.locator('[role="menuitem"]', { hasText: "删除" }).click();
    }
    await zh.locator('.chat-item[data-title="Bob"] .failed-mark').waitFor({ state: "detached" });
    expectNoErrors(zh);
  });
});
