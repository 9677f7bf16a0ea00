// Search from the chat list's own bar finds contacts, groups and messages;
// a message found opens its chat at that message, highlighted, with the
// history around it; a chat's info page searches that chat alone.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { device, friends, people } from "./people.mjs";
import { user } from "./protocol.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

describe("search", { skip }, () => {
  let server, browser, page, a, b, c;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [a, b] = await people(server.url, [["find_alice", "Alice"], ["find_bob", "Bob Builder"]]);
    c = await user(server.url, "find_carol", "Carol");
    await friends(c, a);
    for (let i = 0; i < 300; i++) {
      const text = i === 60 ? "the needle in the haystack" : `filler message ${i}`;
      await b.body("send", { peer: a.session.user, clientId: `f${i}`, text });
    }
    await a.body("createGroup", { name: "Hiking club", members: [b.session.user, c.session.user] });
    page = await device(browser, server, "find_alice");
  });

  after(async () => {
    for (const x of [a, b, c]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  const searchBar = () => page.locator('[data-list="chats"] input[type="search"]');

  it("finds a contact and a group from the chat list's search bar", async () => {
    await go(page, "/");
    await searchBar().fill("bob");
    await page.locator('[data-result-contact="Bob Builder"]').click();
    await page.waitForFunction((id) => location.pathname === `/chat/u/${id}`, String(b.session.user));
    await go(page, "/");
    await searchBar().fill("hiking");
    await page.locator('[data-result-group="Hiking club"]').click();
    await page.waitForFunction(() => location.pathname.startsWith("/chat/g/"));
  });

  it("opens a message found at that message, highlighted, with history around it", async () => {
    await go(page, "/");
    await searchBar().fill("needle");
    await searchBar().press("Enter");
    await page.locator("[data-result-message]", { hasText: "the needle in the haystack" }).click();
    const hit = page.locator('[data-screen="chat"] .msg-row.highlight', { hasText: "the needle in the haystack" });
    await hit.waitFor();
    const box = await hit.boundingBox();
    const list = await page.locator('[data-screen="chat"] .vlist').boundingBox();
    assert.ok(box.y >= list.y && box.y + box.height <= list.y + list.height, "the message is in view");
    await page.locator('[data-screen="chat"] .msg-row .text', { hasText: /^filler message 59$/ }).waitFor();
    await page.locator('[data-screen="chat"] .msg-row .text', { hasText: /^filler message 61$/ }).waitFor();
    assert.equal(await page.locator('[data-screen="chat"] .msg-row .text', { hasText: /^filler message 299$/ }).count(), 0, "not opened at the bottom");
  });

  it("searches one chat from its info page", async () => {
    await go(page, `/chat/u/${b.session.user}/info`);
    await page.click('[data-action="search-chat"]');
    const q = page.locator('[data-screen="chat-search"] input[type="search"]');
    await q.fill("needle");
    await q.press("Enter");
    await page.locator('[data-screen="chat-search"] [data-result-message]', { hasText: "the needle" }).click();
    await page.locator('[data-screen="chat"] .msg-row.highlight', { hasText: "the needle" }).waitFor();
    expectNoErrors(page);
  });
});
