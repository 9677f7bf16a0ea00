// Forwarding to groups from the web client: the owner of several groups
// forwards a member's message from one group's message menu to three of
// them (desktop, English): one gets it from the Group Guard, one has no
// Guard, one is over the hourly limit, and the dialog says so in plain
// words. On a phone, in Chinese, a long press offers the same; over the
// limit it says so.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { center, device, people, touch } from "./people.mjs";
import { axe } from "./axe.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

describe("forward to groups", { skip }, () => {
  let server, browser, ann, ben, cat, main, alpha, beta, gamma;

  before(async () => {
    // Two groups an hour: the third target of the first forward is over it.
    server = await startServer({ env: { HONGYAN_LIMITS_GROUP_FORWARDS_PER_HOUR: "2" } });
    browser = await launch();
    [ann, ben, cat] = await people(server.url, [["fw_ann01", "Ann"], ["fw_ben01", "Ben"], ["fw_cat01", "Cat"]]);
    const members = [ben.session.user, cat.session.user];
    main = (await ann.body("createGroup", { name: "Main hall", members })).id;
    alpha = (await ann.body("createGroup", { name: "Alpha team", members })).id;
    beta = (await ann.body("createGroup", { name: "Beta team", members })).id;
    gamma = (await ann.body("createGroup", { name: "Gamma team", members })).id;
    for (const g of [alpha, gamma]) {
      const rules = await ann.body("guardGet", { group: g });
      await ann.body("botAddToGroup", { group: g, bot: rules.bot, scopes: ["messages:send", "groups:read", "members:manage"] });
    }
    await ben.body("send", { group: main, clientId: "fw-1", text: "Meetup on Friday at 7" });
  });

  after(async () => {
    for (const x of [ann, ben, cat]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("forwards from the message menu and tells sent from limited", async () => {
    const page = await device(browser, server, "fw_ann01");
    await go(page, `/chat/g/${main}`);
    await page.locator(".msg-row .bubble", { hasText: "Meetup on Friday at 7" }).click({ button: "right" });
    await page.locator('[role="menuitem"]', { hasText: "Forward to groups…" }).click();
    const dialog = page.locator('[data-screen="forward-groups"]');
    await dialog.waitFor();
    assert.equal(await dialog.locator("[data-forward-group]").count(), 3, "the groups I own, not the one the message is in");
    await dialog.locator('input[type="search"]').fill("gamma");
    assert.equal(await dialog.locator("[data-forward-group]:visible").count(), 1);
    await dialog.locator('[data-forward-group="Gamma team"] input').check();
    await dialog.locator('input[type="search"]').fill("");
    await dialog.locator('[data-forward-group="Alpha team"] input').check();
    await dialog.locator('[data-forward-group="Beta team"] input').check();
    await dialog.locator('[data-action="forward-groups-send"]').click();
    await dialog.locator("[data-forward-done]").getByText("1 sent, 2 not sent").waitFor();
    await dialog.locator('[data-forward-result="sent"]').getByText("Alpha team: Sent").waitFor();
    await dialog.locator('[data-forward-result="permission_denied"]').getByText("Beta team: Not sent: add the Group Guard to this group first.").waitFor();
    await dialog.locator('[data-forward-result="rate_limited"]').getByText("Gamma team: Not sent: you reached the hourly limit. Try again later.").waitFor();
    const problems = await axe(page, "forward to groups");
    mkdirSync(SHOTS, { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SHOTS, "desktop-en-forward-groups.png") });
    const hist = await ann.body("history", { conversation: alpha });
    assert.ok(hist.messages.some((m) => m.text === "Meetup on Friday at 7"), "Alpha team got the message");
    expectNoErrors(page);
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  it("is offered on a phone, in Chinese, and says when over the limit", async () => {
    const page = await device(browser, server, "fw_ann01", { phone: true, locale: "zh-CN" });
    await go(page, `/chat/g/${main}`);
    const bubble = page.locator(".msg-row .bubble", { hasText: "Meetup on Friday at 7" });
    await bubble.waitFor();
    const p = await center(bubble);
    await touch(page, p.x, p.y, { holdMs: 800 });
    await page.locator('[role="menuitem"]', { hasText: "转发到多个群…" }).click();
    const dialog = page.locator('[data-screen="forward-groups"]');
    await dialog.locator('[data-forward-group="Gamma team"] input').check();
    await dialog.locator('[data-action="forward-groups-send"]').click();
    await dialog.locator('[data-forward-result="rate_limited"]').getByText("未发送：已达到每小时的上限，请稍后再试。").waitFor();
    const problems = await axe(page, "forward to groups (phone)");
    expectNoErrors(page);
    await page.context().close();
    assert.deepEqual(problems, []);
  });
});
