// Contacts in A–Z (pinyin) order with an index, accepting a request that
// opens the chat with its greeting, unnamed groups titled by their members
// with a grid avatar, and /add/N for people the client cannot see (the
// same whether or not anyone has the ID).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { device, friends } from "./people.mjs";
import { user } from "./protocol.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

describe("contacts and groups", { skip }, () => {
  let server, browser, page, me;
  const others = {};

  before(async () => {
    server = await startServer();
    browser = await launch();
    me = await user(server.url, "abc_owner", "Owner");
    const names = [["abc_zhang", "张三"], ["abc_li", "李四"], ["abc_alice", "Alice"], ["abc_bob", "bob"], ["abc_wang", "王五"], ["abc_aming", "阿明"], ["abc_digits", "123"]];
    for (const [id, nick] of names) {
      others[nick] = await user(server.url, id, nick);
      await friends(others[nick], me);
    }
    page = await device(browser, server, "abc_owner", { locale: "zh-CN" });
  });

  after(async () => {
    me?.close();
    for (const c of Object.values(others)) c.close();
    await browser?.close();
    await server?.stop();
  });

  it("lists contacts A–Z by pinyin with section letters and an index", async () => {
    await go(page, "/contacts");
    await page.locator('[data-contact="张三"]').waitFor();
    const order = await page.evaluate(() =>
      [...document.querySelectorAll('[data-list="contacts"] [data-letter], [data-list="contacts"] [data-contact]')].map((e) => e.dataset.letter ?? e.dataset.contact),
    );
    const az = order.slice(order.indexOf("A"));
    assert.deepEqual(az, ["A", ...az.slice(1, 3), "B", "bob", "L", "李四", "W", "王五", "Z", "张三", "#", "123"]);
    assert.deepEqual(new Set(az.slice(1, 3)), new Set(["Alice", "阿明"]));
    // On a short window the index scrolls a letter's section to the top.
    await page.setViewportSize({ width: 1280, height: 400 });
    const index = page.locator('[data-list="contacts"] .az-index');
    await index.locator('[data-jump="B"]').click();
    const sec = await page.locator('[data-list="contacts"] [data-letter="B"]').boundingBox();
    const body = await page.locator('[data-list="contacts"] .pane-body').boundingBox();
    assert.ok(Math.abs(sec.y - body.y) < 4, `the B section is at the top: ${sec.y} vs ${body.y}`);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("opens the chat with the request's greeting after accepting it", async () => {
    const dan = await user(server.url, "abc_dan", "Dan");
    await dan.body("friendRequest", { user: me.session.user, greeting: "我是Dan，周末一起爬山" });
    await go(page, "/contacts/new");
    await page.locator('[data-request="Dan"] [data-action="accept"]').click();
    await page.waitForFunction((id) => location.pathname === `/chat/u/${id}`, String(dan.session.user));
    await page.locator('[data-screen="chat"]', { hasText: "我是Dan，周末一起爬山" }).waitFor();
    dan.close();
  });

  it("titles an unnamed group by its first members, with a grid of their avatars", async () => {
    const g = await me.body("createGroup", { name: "", members: [others["Alice"].session.user, others["bob"].session.user, others["李四"].session.user] });
    await go(page, "/");
    // The row may show the generic title until the members' names have
    // synced; wait for the names, then check them.
    const row = page.locator(`.chat-item[data-conv="${g.id}"][data-title*="、"]`);
    await row.waitFor();
    const title = await row.getAttribute("data-title");
    assert.match(title, /^(Alice|bob|李四)、(Alice|bob|李四)、(Alice|bob|李四)$/);
    assert.ok(!title.includes("#"));
    assert.equal(await row.locator(".avatar-grid > *").count(), 4, "a grid of the four members' avatars");
    await go(page, `/chat/g/${g.id}`);
    assert.equal(await page.locator('[data-screen="chat"] .bar h1').textContent(), title);
  });

  it("answers /add/N the same for nobody and for someone hidden, without internal numbers", async () => {
    const eve = await user(server.url, "abc_eve_hidden", "Eve");
    await eve.body("updateSettings", { findByAccountId: false, findByPhone: false });
    const seen = [];
    for (const id of ["987654", String(eve.session.user)]) {
      await go(page, `/add/${id}`);
      await page.locator('[data-screen="add-link"] [data-action="add"]').waitFor();
      const text = await page.locator('[data-screen="add-link"]').innerText();
      assert.ok(!text.includes(id), `no internal number: ${text}`);
      seen.push(text);
    }
    assert.equal(seen[0], seen[1], "nobody and a hidden user look the same");
    eve.close();
    expectNoErrors(page);
  });
});
