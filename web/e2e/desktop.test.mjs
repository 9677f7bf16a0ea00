// The chat on a desktop: a message's menu at the cursor and from the
// keyboard, a pasted text over the limit, time separators, voice with a
// timer and cancel, favourite pictures, and locations from the browser's
// position or a search of places.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason, pngImage } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { expectNoErrors, go, noOutbox, openChat, waitMessage } from "./ui.mjs";

const skip = skipReason();

describe("chatting on a desktop", { skip }, () => {
  let server, browser, page, a, b;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [a, b] = await people(server.url, [["desk_alice", "Alice"], ["desk_bob", "Bob"]]);
    await b.body("send", { peer: a.session.user, clientId: "d1", text: "right-click me" });
    const r = await fetch(`${server.url}/media?kind=image&name=fav.png`, { method: "POST", body: pngImage(90, 60), headers: { Authorization: `Bearer ${b.session.token}` } });
    await b.body("send", { peer: a.session.user, clientId: "d2", kind: 1, media: (await r.json()).id });
    await b.body("send", { peer: a.session.user, clientId: "d3", kind: 5, location: { latitude: 39.9929, longitude: 116.1887, name: "香山公园东门", address: "Haidian" } });
    page = await device(browser, server, "desk_alice", {
      permissions: ["geolocation"],
      geolocation: { latitude: 31.2304, longitude: 121.4737, accuracy: 30 },
    });
    await openChat(page, `/chat/u/${b.session.user}`);
    await waitMessage(page, "right-click me");
  });

  after(async () => {
    a?.close();
    b?.close();
    await browser?.close();
    await server?.stop();
  });

  it("opens a message's menu at the cursor, and from the keyboard; a click opens nothing", async () => {
    const bubble = page.locator(".msg-row .bubble", { hasText: "right-click me" });
    await bubble.click();
    await page.waitForTimeout(400);
    assert.equal(await page.locator('[role="menu"]').count(), 0, "a click opens no menu");
    const box = await bubble.boundingBox();
    const at = { x: box.x + 12, y: box.y + 8 };
    await page.mouse.click(at.x, at.y, { button: "right" });
    const menu = page.locator(".ctx-menu[role='menu']");
    await menu.waitFor();
    const m = await menu.boundingBox();
    assert.ok(Math.abs(m.x - at.x) <= 4 && Math.abs(m.y - at.y) <= 4, `menu at the cursor: ${JSON.stringify(m)} vs ${JSON.stringify(at)}`);
    assert.ok(m.width < 400 && m.height < 500, "a small menu, not a sheet");
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    // Keyboard: the bubble is focusable, has a role, and Enter opens it.
    assert.equal(await bubble.getAttribute("role"), "article");
    await bubble.focus();
    await page.keyboard.press("Enter");
    await menu.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("role")), "menuitem");
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    await bubble.focus();
    await page.keyboard.press("ContextMenu");
    await menu.waitFor();
    await page.keyboard.press("Escape");
  });

  it("shows a favourite picture as the picture", async () => {
    await page.locator('.msg-row[data-kind="1"] .bubble').click({ button: "right" });
    await page.locator('[role="menuitem"]', { hasText: "Save to favorites" }).click();
    await page.locator(".toast", { hasText: "Saved to favorites" }).waitFor();
    await go(page, "/discover/favorites");
    await page.locator('[data-screen="favorites"] img[src^="blob:"]').first().waitFor();
  });

  it("shows today's time separators as the time only, yesterday's with 'Yesterday'", async () => {
    const p = await device(browser, server, "desk_alice");
    await openChat(p, `/chat/u/${b.session.user}`);
    assert.match(await p.locator('[data-screen="chat"] .time-line').first().textContent(), /^\d{2}:\d{2}$/);
    await p.clock.setFixedTime(Date.now() + 24 * 3600 * 1000);
    await p.reload();
    await p.locator('[data-screen="chat"] .time-line').first().waitFor();
    assert.match(await p.locator('[data-screen="chat"] .time-line').first().textContent(), /^Yesterday \d{2}:\d{2}$/);
    await p.clock.setFixedTime(Date.now() + 3 * 24 * 3600 * 1000);
    await p.reload();
    await p.locator('[data-screen="chat"] .time-line').first().waitFor();
    assert.match(await p.locator('[data-screen="chat"] .time-line').first().textContent(), /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{2}:\d{2}$/);
    await p.context().close();
  });

  it("says when a pasted text is over the limit and sends it in parts or as a file", async () => {
    await openChat(page, `/chat/u/${b.session.user}`);
    const long = Array.from({ length: 600 }, (_, i) => `word${i}`).join(" ") + " " + "长".repeat(500);
    const n = [...long].length;
    assert.ok(n > 4000);
    await page.evaluate((t) => navigator.clipboard.writeText(t), long);
    const input = page.locator(".composer-input");
    await input.focus();
    await page.keyboard.press("Control+V");
    assert.equal(await input.evaluate((el) => [...el.value].length), n, "nothing cut");
    const note = page.locator(".too-long");
    await note.waitFor();
    assert.match(await note.textContent(), /4,?000/);
    await note.locator('[data-action="send-parts"]').click();
    await noOutbox(page);
    let got = [];
    const conversation = (await a.body("conversations", {})).conversations[0].conversation;
    for (let i = 0; i < 60 && got.length < 2; i++, await page.waitForTimeout(250)) {
      got = (await b.body("history", { conversation, limit: 10 })).messages.filter((s) => s.kind === 0 && s.sender === a.session.user).map((s) => s.text);
    }
    assert.equal(got.length, 2, "two parts");
    assert.equal(got.join(""), long, "the parts make the whole");
    await page.evaluate((t) => navigator.clipboard.writeText(t), long);
    await input.focus();
    await page.keyboard.press("Control+V");
    await note.locator('[data-action="send-file"]').click();
    await noOutbox(page);
    await page.locator('.msg-row.mine[data-kind="4"]').last().waitFor();
    assert.equal(await input.inputValue(), "");
  });

  it("records voice with a running timer and cancels it", async () => {
    await page.click(".voice-btn");
    const time = page.locator(".rec-panel .rec-time");
    await time.waitFor();
    await page.waitForFunction(() => /0:0[1-9]/.test(document.querySelector(".rec-panel .rec-time")?.textContent ?? ""), null, { timeout: 8000 });
    await page.click('[data-action="rec-cancel"]');
    await page.locator(".rec-panel").waitFor({ state: "detached" });
    await page.waitForTimeout(600);
    assert.equal(await page.locator('.msg-row.out, .msg-row.mine[data-kind="2"]').count(), 0, "nothing sent");
  });

  it("sends my current location, or a place found by name", async () => {
    await openChat(page, `/chat/u/${b.session.user}`);
    await page.click(".attach-btn");
    await page.click('[data-attach="location"]');
    const dlg = page.locator(".modal form");
    await dlg.locator('[data-action="my-location"]').click();
    // The position comes back later, and the status then says so.
    await dlg.locator('[role="status"]', { hasText: "31.230400" }).waitFor();
    await dlg.locator('input[name="lat"]').evaluate((el) => el.value).then((v) => assert.equal(Number(v).toFixed(3), "31.230"));
    await dlg.locator('input[name="name"]').fill("People's Square");
    await dlg.locator('button[type="submit"]').click();
    await noOutbox(page);
    await page.locator('.msg-row.mine[data-kind="5"]', { hasText: "People's Square" }).waitFor();
    // A place found by name among the places in my chats.
    await page.click(".attach-btn");
    await page.click('[data-attach="location"]');
    await dlg.locator('input[name="place"]').fill("香山");
    await dlg.locator('[data-place="香山公园东门"]').click();
    await noOutbox(page);
    await page.locator('.msg-row.mine[data-kind="5"]', { hasText: "香山公园东门" }).waitFor();
    expectNoErrors(page);
  });
});
