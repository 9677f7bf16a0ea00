// Me → Bots: create a bot (its token shown once), set its webhook (the
// signing secret shown), and read the delivery log as events reach a local
// receiver; on a desktop in English and a phone in Chinese.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { device, friends } from "./people.mjs";
import { user } from "./protocol.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

describe("bots", { skip }, () => {
  let server, browser, ann, ben, hook, hits = 0;

  before(async () => {
    server = await startServer({ env: { HONGYAN_BOTS_ALLOW_PRIVATE_WEBHOOKS: "true" } });
    browser = await launch();
    ann = await user(server.url, "bot_ann", "Ann");
    ben = await user(server.url, "bot_ben", "Ben");
    await friends(ann, ben);
    hook = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.headers["webhook-signature"]?.startsWith("v1,")) hits++;
        res.writeHead(204).end();
      });
    });
    await new Promise((r) => hook.listen(0, "127.0.0.1", r));
  });

  after(async () => {
    for (const x of [ann, ben]) x?.close();
    hook?.close();
    await browser?.close();
    await server?.stop();
  });

  it("creates a bot, sets its webhook and shows the delivery log", async () => {
    const page = await device(browser, server, "bot_ann");
    await go(page, "/me");
    await page.locator('[data-entry="bots"]').click();
    await page.locator('[data-screen="bots"]').getByText(/No bots yet/).waitFor();
    await page.locator('[data-action="bot-create"]').click();
    await page.locator('[role="dialog"] input[name="name"]').fill("Helper");
    await page.locator('[role="dialog"] button[type="submit"]').click();
    const token = await page.locator("[data-secret]").inputValue();
    assert.match(token, /^hyb_/);
    await page.locator('[role="dialog"]').getByRole("button", { name: "OK" }).click();
    const list = await ann.body("botList", {});
    const bot = list.bots[0];
    await page.locator(`[data-bot="${bot.id}"]`).click();
    await page.locator('[data-screen="bot"]').getByText(/No webhook/).waitFor();
    await page.locator('[data-action="bot-webhook"]').click();
    await page.locator('[role="dialog"] input[name="url"]').fill(`http://127.0.0.1:${hook.address().port}/hook`);
    await page.locator('[role="dialog"] button[type="submit"]').click();
    assert.match(await page.locator("[data-secret]").inputValue(), /^whsec_/);
    await page.locator('[role="dialog"]').getByRole("button", { name: "OK" }).click();
    await page.locator("[data-webhook]").waitFor();
    // Ben adds the bot and writes to it: the events reach the receiver.
    await ben.body("friendRequest", { user: bot.account, greeting: "hello" });
    await ben.body("send", { peer: bot.account, clientId: "e2e-1", text: "hi bot" });
    for (let i = 0; i < 60 && !(await page.locator('[data-delivery="delivered"]').count()); i++) {
      await page.locator('[data-action="bot-refresh"]').click();
      await page.waitForTimeout(250);
    }
    await page.locator('[data-delivery="delivered"]').first().waitFor();
    assert.ok(hits >= 1, "the receiver got signed deliveries");
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "desktop-en-bot.png") });
    expectNoErrors(page);
    await page.context().close();
  });

  it("lists bots on a phone in Chinese", async () => {
    const page = await device(browser, server, "bot_ann", { phone: true, locale: "zh-CN" });
    await go(page, "/me/bots");
    await page.locator('[data-screen="bots"]').getByText("我的机器人").first().waitFor();
    await page.locator("[data-bot]").first().waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "phone-zh-bots.png") });
    // A bot made on another device appears without a reload.
    await ann.body("botCreate", { name: "Second" });
    await page.locator("[data-bot]").nth(1).waitFor();
    const benPage = await device(browser, server, "bot_ben", { phone: true, locale: "zh-CN" });
    await go(benPage, "/me/bots");
    await benPage.locator('[data-screen="bots"]').getByText(/还没有机器人/).waitFor();
    expectNoErrors(page);
    expectNoErrors(benPage);
    await page.context().close();
    await benPage.context().close();
  });
});
