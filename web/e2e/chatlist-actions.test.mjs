// Actions on chat-list rows: a context menu on a desktop (right click or
// the keyboard's menu key), a long press on a phone; pin, mute, mark as
// read, delete. A deleted chat leaves the list on every device of its
// owner, with its history, and comes back with the next message.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason, DESKTOP, PHONE } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { go, login, newPage, openChat } from "./ui.mjs";

const skip = skipReason();

// longPress holds a finger on the element for ms, as a phone's touch
// screen reports it (no mouse events, no contextmenu from the browser).
async function longPress(page, locator, ms = 800) {
  const box = await locator.boundingBox();
  const cdp = await page.context().newCDPSession(page);
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [point] });
  await page.waitForTimeout(ms);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

describe("chat list actions", { skip }, () => {
  let server, browser, alice, bob, carol;

  before(async () => {
    server = await startServer();
    browser = await launch();
    alice = await user(server.url, "rows_alice", "Alice");
    bob = await user(server.url, "rows_bob", "Bob");
    carol = await user(server.url, "rows_carol", "Carol");
    for (const f of [bob, carol]) {
      const r = await f.body("friendRequest", { user: alice.session.user, greeting: "hi" });
      if (r.state === 0) await alice.body("answerRequest", { request: r.id, accept: true });
    }
    await bob.body("send", { peer: alice.session.user, clientId: "b1", text: "old news from Bob" });
    await carol.body("send", { peer: alice.session.user, clientId: "c1", text: "hello from Carol" });
  });

  after(async () => {
    for (const c of [alice, bob, carol]) c?.close();
    await browser?.close();
    await server?.stop();
  });

  it("deletes a chat from the list on every device; a new message brings it back without the old ones", async () => {
    const page = await newPage(browser, server, { viewport: DESKTOP });
    const other = await newPage(browser, server, { viewport: DESKTOP });
    await login(page, "rows_alice");
    await login(other, "rows_alice");
    const row = (p) => p.locator('.chat-item[data-title="Bob"]');
    await row(page).waitFor();
    await row(other).waitFor();
    await row(page).locator(".chat-item-btn").click({ button: "right" });
    const menu = page.locator(".sheet");
    for (const label of ["Pin", "Mute", "Mark as read", "Delete chat"]) await menu.getByRole("menuitem", { name: label }).waitFor();
    await menu.getByRole("menuitem", { name: "Delete chat" }).click();
    await page.locator(".modal .btn.danger").click();
    await row(page).waitFor({ state: "detached" });
    await row(other).waitFor({ state: "detached" });
    await page.locator('.chat-item[data-title="Carol"]').waitFor();
    await page.reload();
    await page.locator('.chat-item[data-title="Carol"]').waitFor();
    assert.equal(await row(page).count(), 0, "still gone after a reload");
    await bob.body("send", { peer: alice.session.user, clientId: "b2", text: "are you there?" });
    await row(page).locator(".chat-item-preview", { hasText: "are you there?" }).waitFor();
    await openChat(page, `/chat/u/${bob.session.user}`);
    await page.locator(".msg-row .text", { hasText: "are you there?" }).waitFor();
    assert.equal(await page.locator(".msg-row .text", { hasText: "old news from Bob" }).count(), 0, "the old history is gone");
    assert.deepEqual(page.errors, []);
    await page.context().close();
    await other.context().close();
  });

  it("opens the row's menu from the keyboard", async () => {
    const page = await newPage(browser, server, { viewport: DESKTOP });
    await login(page, "rows_alice");
    const btn = page.locator('.chat-item[data-title="Carol"] .chat-item-btn');
    await btn.focus();
    await page.keyboard.press("Shift+F10");
    await page.locator(".sheet").getByRole("menuitem", { name: "Delete chat" }).waitFor();
    await page.keyboard.press("Escape");
    assert.ok(await btn.evaluate((el) => el === document.activeElement), "the focus is back on the row");
    await page.context().close();
  });

  it("long-press on a phone opens the row's menu instead of the chat", async () => {
    const page = await newPage(browser, server, { viewport: PHONE, hasTouch: true, isMobile: true });
    await login(page, "rows_alice");
    const row = page.locator('.chat-item[data-title="Carol"]');
    await row.waitFor();
    await longPress(page, row.locator(".chat-item-btn"));
    const menu = page.locator(".sheet");
    await menu.waitFor();
    assert.equal(new URL(page.url()).pathname, "/", "the chat did not open");
    assert.equal(await menu.count(), 1, "one menu");
    await menu.getByRole("menuitem", { name: "Pin" }).click();
    await page.locator('.chat-item.pinned[data-title="Carol"]').waitFor();
    // A tap still opens the chat.
    await row.locator(".chat-item-btn").tap();
    await page.waitForSelector('[data-screen="chat"]');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
