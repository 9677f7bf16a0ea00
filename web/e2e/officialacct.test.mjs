// Official accounts in the browser: follow by a QR code's link, the
// Subscriptions entry, the account's chat with a keyword reply and a menu
// tap, a broadcast reaching the follower, and the article reader (whose
// markup-looking text stays text); the console's follower search; a
// follower's voice clip and video reaching the console's inbox.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { launch, startServer, skipReason, SHOTS, PHONE, OUT } from "./harness.mjs";
import { webm } from "./people.mjs";
import { user } from "./protocol.mjs";
import { login, newPage, go, xssFired } from "./ui.mjs";

const skip = skipReason();
const PAYLOAD = `<img src=x onerror="(window.__xssFired=window.__xssFired||[]).push(1)"> stays text`;

describe("official accounts", { skip }, () => {
  let server, browser, op, reader, acct, notes, qr, article;

  before(async () => {
    server = await startServer();
    op = await user(server.url, "oa_operator", "Operator");
    reader = await user(server.url, "oa_reader1", "Reader");
    acct = (await op.body("oaCreate", { org: "Town Library", name: "Library News", kind: 2 })).account;
    notes = (await op.body("oaCreate", { org: "Town Library", name: "Library Notes", kind: 1 })).account;
    await reader.body("oaFollow", { account: notes.id });
    await op.body("oaSetReplies", { account: acct.id, welcome: { kind: "text", text: "Welcome to the library" } });
    await op.body("oaAddRule", { account: acct.id, keyword: "hours", contains: true, reply: { kind: "text", text: "Open 9 to 5" } });
    await op.body("oaAddRule", { account: acct.id, keyword: "NEW_BOOKS", reply: { kind: "text", text: "Ten new novels this week" } });
    await op.body("oaSetMenu", {
      account: acct.id,
      menu: { buttons: [{ name: "New books", type: "click", key: "NEW_BOOKS" }, { name: "More", sub: [{ name: "Site", type: "view", url: "https://library.example/" }] }] },
    });
    article = await op.body("oaSaveArticle", {
      account: acct.id,
      title: "Summer reading",
      author: "Librarian",
      body: [{ kind: "h", text: "Our picks" }, { kind: "p", text: PAYLOAD }],
    });
    await op.body("oaPublishArticle", { account: acct.id, id: article.id });
    qr = await op.body("oaCreateQr", { account: acct.id, sceneStr: "front-desk", expireSeconds: 3600n });
    browser = await launch();
  });

  after(async () => {
    op?.close();
    reader?.close();
    await browser?.close();
    await server?.stop();
  });

  it("follows by a QR link, chats, taps the menu and gets a broadcast", async () => {
    const page = await newPage(browser, server);
    await login(page, "oa_reader1");
    await go(page, new URL(qr.url).pathname);
    await page.locator('[data-screen="oa-profile"] [data-oa-follow="unfollow"]').waitFor({ timeout: 15000 });
    await page.locator('[data-screen="oa-profile"] [data-oa-open-chat]').click();
    await page.locator('[data-screen="oa-chat"]').getByText("Welcome to the library").waitFor();
    // The menu shows in place of the input bar; the toggle brings the input.
    await page.locator('[data-screen="oa-chat"] [data-menu-key="NEW_BOOKS"]').click();
    await page.locator('[data-screen="oa-chat"]').getByText("Ten new novels this week").waitFor();
    await page.locator('[data-screen="oa-chat"] [data-oa-toggle]').click();
    await page.locator('[data-screen="oa-chat"] .oa-input input').fill("What are your hours?");
    await page.locator('[data-screen="oa-chat"] [data-oa-send]').click();
    await page.locator('[data-screen="oa-chat"]').getByText("Open 9 to 5").waitFor();
    await op.body("oaBroadcast", { account: acct.id, all: true, content: { kind: "text", text: "Closed on Monday" } });
    await page.locator('[data-screen="oa-chat"]').getByText("Closed on Monday").waitFor({ timeout: 15000 });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SHOTS, "desktop-en-oa-chat.png") });
    // In the chat list the service account is a chat of its own, and
    // subscription accounts are under the Subscriptions entry.
    await go(page, "/chats");
    await page.locator(`[data-oa-chat="${acct.id}"]`).waitFor();
    await page.locator('[data-entry="subscriptions"]').click();
    await page.locator('[data-screen="oa-subscriptions"]').getByText("Library Notes").waitFor();
    assert.deepEqual(page.errors, []);
  });

  it("reads an article as text", async () => {
    const page = await newPage(browser, server, { locale: "zh-CN" });
    await login(page, "oa_reader1");
    await go(page, `/oa/${acct.id}`);
    await page.locator(`[data-screen="oa-profile"] [data-article="${article.id}"]`).click();
    await page.locator('[data-screen="oa-article"] [data-article-title]').getByText("Summer reading").waitFor();
    await page.locator('[data-screen="oa-article"]').getByText(PAYLOAD).waitFor();
    assert.deepEqual(await xssFired(page), []);
    assert.deepEqual(page.errors, []);
    // A phone in Chinese: the account's chat with its menu.
    const phone = await newPage(browser, server, { viewport: PHONE, locale: "zh-CN" });
    await login(phone, "oa_reader1");
    await go(phone, `/oa/${acct.id}/chat`);
    await phone.locator('[data-screen="oa-chat"] [data-menu-key="NEW_BOOKS"]').waitFor();
    await phone.locator('[data-screen="oa-chat"]').getByText("Ten new novels this week").waitFor();
    await phone.screenshot({ path: join(SHOTS, "phone-zh-oa-chat.png") });
    await page.screenshot({ path: join(SHOTS, "desktop-zh-oa-article.png") });
  });

  it("runs the console: keyword rules, the menu editor and a broadcast reaching a follower", async () => {
    const page = await newPage(browser, server);
    await login(page, "oa_operator");
    await go(page, "/discover/oa");
    await page.locator('[data-entry="oa-console"]').click();
    await page.locator(`[data-oa-console="${acct.id}"]`).click();
    const rules = page.locator('[data-oa-section="rules"]');
    await rules.locator('[data-keyword="hours"]').waitFor();
    await rules.locator('input[name="keyword"]').fill("parking");
    await rules.locator('select[name="match"]').selectOption("contains");
    await rules.locator('input[name="reply"]').fill("Park behind the building");
    await rules.locator('[data-oa-add="rule"]').click();
    await rules.locator('[data-keyword="parking"]').waitFor();
    const menu = page.locator('[data-oa-section="menu"]');
    await menu.locator('[data-oa-add="button"]').click();
    const third = menu.locator('[data-menu-line="0"]').nth(2);
    await third.locator("input").first().fill("Events");
    await third.locator("input").nth(1).fill("EVENTS");
    await menu.locator('[data-oa-preview="menu"]').getByText("Events").waitFor();
    await menu.locator('[data-oa-save="menu"]').click();
    const bc = page.locator('[data-oa-section="broadcast"]');
    await bc.locator("textarea").fill("Author talk on Friday");
    await bc.locator('[data-oa-send="broadcast"]').click();
    await page.locator(".dialog-actions .btn.primary").first().click();
    await page.locator('[data-oa-section="stats"] svg.oa-chart').first().waitFor();
    await page.locator(`[data-oa-section="operators"] [data-operator="${op.session.user}"]`).waitFor();
    await page.locator('[data-oa-section="stats"]').scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SHOTS, "desktop-en-oa-console.png") });
    // The follower has it, and the new menu button and rule work.
    const fan = await newPage(browser, server);
    await login(fan, "oa_reader1");
    await go(fan, `/oa/${acct.id}/chat`);
    await fan.locator('[data-screen="oa-chat"]').getByText("Author talk on Friday").waitFor({ timeout: 15000 });
    await fan.locator('[data-screen="oa-chat"] [data-menu-key="EVENTS"]').waitFor();
    const reply = await reader.body("oaSend", { account: acct.id, text: "where is parking?" });
    assert.ok(reply.id > 0n);
    const hist = await reader.body("oaHistory", { account: acct.id, limit: 5 });
    assert.equal(hist.messages[0].content.text, "Park behind the building");
    assert.deepEqual(page.errors, []);
    assert.deepEqual(fan.errors, []);
  });

  it("searches the console's followers by nickname on the server", async () => {
    const other = await user(server.url, "oa_reader2", "Zhang Wei");
    try {
      await other.body("oaFollow", { account: acct.id });
      const page = await newPage(browser, server, { locale: "zh-CN" });
      await login(page, "oa_operator");
      await go(page, "/discover/oa");
      await page.locator('[data-entry="oa-console"]').click();
      await page.locator(`[data-oa-console="${acct.id}"]`).click();
      const fans = page.locator('[data-oa-section="followers"]');
      await fans.locator(`[data-fan="${other.session.user}"]`).waitFor();
      await fans.locator(`[data-fan="${reader.session.user}"]`).waitFor();
      await fans.locator('[data-oa-search="followers"]').fill("zhang");
      await fans.locator(`[data-fan="${reader.session.user}"]`).waitFor({ state: "detached" });
      assert.equal(await fans.locator("[data-fan]").count(), 1);
      assert.equal(await fans.locator("[data-fan]").getAttribute("data-fan-name"), "Zhang Wei");
      await fans.locator('[data-oa-search="followers"]').fill("nobody-here");
      await fans.getByText("没有找到。").waitFor();
      assert.deepEqual(page.errors, []);
    } finally {
      other.close();
    }
  });

  it("sends the account a voice clip and a video, which the console plays", async () => {
    await reader.body("oaFollow", { account: acct.id }); // (already following when the first test ran)
    const page = await newPage(browser, server);
    await login(page, "oa_reader1");
    await go(page, `/oa/${acct.id}/chat`);
    const chat = page.locator('[data-screen="oa-chat"]');
    await chat.locator("[data-oa-toggle]").waitFor();
    if (await chat.locator(".oa-input").isHidden()) await chat.locator("[data-oa-toggle]").click();
    // Voice: Chromium's fake microphone; record for a second, then send.
    await chat.locator("[data-oa-voice]").click();
    await chat.locator(".rec-panel .rec-time").getByText("0:01").waitFor();
    await chat.locator('[data-action="rec-send"]').click();
    await chat.locator('.msg.mine [data-oa-kind="voice"]').waitFor({ timeout: 15000 });
    // A video from the photo-or-video picker.
    writeFileSync(join(OUT, "oa-clip.webm"), webm());
    await chat.locator("[data-oa-file]").setInputFiles(join(OUT, "oa-clip.webm"));
    await chat.locator('.msg.mine [data-oa-kind="video"]').waitFor({ timeout: 15000 });
    assert.deepEqual(page.errors, []);

    // The operator sees both in the console's inbox and plays them.
    const con = await newPage(browser, server);
    await login(con, "oa_operator");
    await go(con, "/discover/oa");
    await con.locator('[data-entry="oa-console"]').click();
    await con.locator(`[data-oa-console="${acct.id}"]`).click();
    const inbox = con.locator('[data-oa-section="inbox"]');
    const voice = inbox.locator('[data-inbox-kind="voice"]').first();
    const video = inbox.locator('[data-inbox-kind="video"]').first();
    await voice.waitFor();
    await video.waitFor();
    assert.match(await voice.innerText(), /Reader/);
    await voice.locator('[data-oa-play="voice"]').click();
    const audio = voice.locator('audio[data-oa-player="voice"]');
    await audio.waitFor();
    assert.match(await audio.getAttribute("src"), /^blob:/);
    await con.waitForFunction(() => (document.querySelector('audio[data-oa-player="voice"]')?.duration ?? 0) > 0);
    await video.locator('[data-oa-play="video"]').click();
    await video.locator('video[data-oa-player="video"]').waitFor();
    // Newest first: the video came after the voice clip.
    const kinds = await inbox.locator("[data-inbox-kind]").evaluateAll((els) => els.map((e) => e.getAttribute("data-inbox-kind")));
    assert.ok(kinds.indexOf("video") < kinds.indexOf("voice"), `inbox order ${kinds}`);
    assert.deepEqual(con.errors, []);
  });
});
