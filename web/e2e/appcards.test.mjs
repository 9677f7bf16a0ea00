// A third-party app's card: a bot holding apps:write, granted in a group,
// uploads an image and posts a card with it through the bot API; the chat
// shows its image, title, description and the app's name, and the card is a link that opens in a new tab
// (noopener) — on a desktop in English and a phone in Chinese. A
// javascript: link is refused by the server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS, pngImage } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { axe } from "./axe.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();
const URL_ = "https://books.example/vote/12";

describe("app cards", { skip }, () => {
  let server, browser, ann, ben, cat, group;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [ann, ben, cat] = await people(server.url, [["ac_ann01", "Ann"], ["ac_ben01", "Ben"], ["ac_cat01", "Cat"]]);
    group = (await ann.body("createGroup", { name: "Book club", members: [ben.session.user, cat.session.user] })).id;
    const bot = (await ann.body("botCreate", { name: "Book Picks" })).bot;
    const scopes = ["messages:send", "apps:write"];
    await ann.body("botAddToGroup", { group, bot: bot.id, scopes });
    const token = (await ann.body("botToken", { bot: bot.id, scopes })).token;
    const post = (card) =>
      fetch(`${server.url}/bot/v1/groups/${group}/cards`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(card) });
    const bad = await post({ title: "x", url: "javascript:alert(1)" });
    assert.equal(bad.status, 400);
    const up = await fetch(`${server.url}/bot/v1/media?name=cover.png`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: pngImage(96, 96) });
    assert.equal(up.status, 200, await up.clone().text());
    const image = (await up.json()).media;
    const ok = await post({ title: "Book of the month", description: "The Three-Body Problem\nVote by Friday", url: URL_, image, client_id: "c1" });
    assert.equal(ok.status, 200, await ok.text());
  });

  after(async () => {
    for (const x of [ann, ben, cat]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  for (const [phone, locale] of [[false, "en-US"], [true, "zh-CN"]]) {
    it(`shows the card (${phone ? "phone" : "desktop"}, ${locale})`, async () => {
      const page = await device(browser, server, "ac_ben01", { phone, locale });
      await go(page, `/chat/g/${group}`);
      const card = page.locator("a.app-link-card");
      await card.waitFor();
      assert.equal(await card.getAttribute("href"), URL_);
      assert.equal(await card.getAttribute("target"), "_blank");
      assert.match((await card.getAttribute("rel")) ?? "", /\bnoopener\b/);
      await card.locator(".card-title").getByText("Book of the month").waitFor();
      await card.locator(".card-desc").getByText("Vote by Friday", { exact: false }).waitFor();
      await card.locator(".card-foot").getByText("Book Picks").waitFor();
      await card.locator("img.link-img[src^='blob:']").waitFor();
      const problems = await axe(page, "app card");
      if (!phone) {
        mkdirSync(SHOTS, { recursive: true });
        await page.mouse.move(0, 0);
        await page.screenshot({ path: join(SHOTS, "desktop-en-app-card.png") });
      }
      expectNoErrors(page);
      await page.context().close();
      assert.deepEqual(problems, []);
    });
  }
});
