// Group apps in the browser: from a group's info a member creates a poll,
// votes and sees the results as a chart, and the poll's card in the chat
// opens it (desktop, English); on a phone, in Chinese, a member checks in
// and sees the ranking, and submits homework the owner posted while the
// owner sees who has not. Empty states, errors in plain words, axe on
// each screen; screenshots go to docs/screenshots.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { device, friends } from "./people.mjs";
import { user } from "./protocol.mjs";
import { expectNoErrors, go } from "./ui.mjs";
import { axe } from "./axe.mjs";

const skip = skipReason();

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => document.querySelectorAll(".toast").forEach((t) => t.remove()));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SHOTS, name) });
}

describe("group apps", { skip }, () => {
  let server, browser, owner, mem, kid, g;

  before(async () => {
    server = await startServer();
    browser = await launch();
    owner = await user(server.url, "gapp_teacher", "王老师");
    mem = await user(server.url, "gapp_parent", "Ming's mum");
    kid = await user(server.url, "gapp_other", "Lei");
    await friends(mem, owner);
    await friends(kid, owner);
    g = await owner.body("createGroup", { name: "Class 3-2", members: [mem.session.user, kid.session.user] });
  });

  after(async () => {
    for (const c of [owner, mem, kid]) c?.close();
    await browser?.close();
    await server?.stop();
  });

  it("creates a poll, votes and shows the results (desktop, English)", async () => {
    const page = await device(browser, server, "gapp_parent");
    await go(page, `/chat/g/${g.id}/info`);
    await page.locator('[data-action="group-apps"]').click();
    // The board comes first; a member cannot post on it.
    await page.locator('[data-screen="group-apps"] .empty', { hasText: "No notices yet" }).waitFor();
    assert.equal(await page.locator('[data-action="an-new"]').count(), 0, "only the owner and admins post notices");
    await page.locator('[data-ga-tab="polls"]').click();
    await page.locator('[data-screen="group-apps"] .empty', { hasText: "No polls yet" }).waitFor();
    assert.deepEqual(await axe(page, "en desktop group apps empty", '[data-screen="group-apps"]'), []);
    await page.locator('[data-action="poll-new"]').click();
    await page.locator('.dialog-form input[name="question"]').fill("Where shall the spring outing go?");
    // Too few options: said in plain words, nothing created.
    await page.locator('.dialog-form textarea[name="options"]').fill("Summer Palace");
    await page.locator(".dialog-form .btn.primary").click();
    await page.locator(".toast", { hasText: "Give 2 to 20 options" }).waitFor();
    await page.locator('[data-action="poll-new"]').click();
    await page.locator('.dialog-form input[name="question"]').fill("Where shall the spring outing go?");
    await page.locator('.dialog-form textarea[name="options"]').fill("Summer Palace\nFragrant Hills\nBotanical Garden");
    await page.locator(".dialog-form .btn.primary").click();
    const card = page.locator('[data-poll="Where shall the spring outing go?"]');
    await card.waitFor();
    await card.locator('[data-option="Fragrant Hills"]').click();
    await card.locator('[data-option="Fragrant Hills"].mine').waitFor();
    // Others vote through the protocol; the screen follows the sync feed.
    const polls = (await owner.body("appPolls", { group: g.id })).polls;
    assert.equal(polls.length, 1);
    await owner.body("appPollVote", { group: g.id, poll: polls[0].id, choices: [1] });
    await kid.body("appPollVote", { group: g.id, poll: polls[0].id, choices: [0] });
    await card.locator(".ga-meta", { hasText: "3 voted" }).waitFor();
    assert.match(await card.locator('[data-option="Fragrant Hills"]').textContent(), /2 · 67%/);
    assert.match(await card.locator('[data-option="Fragrant Hills"]').textContent(), /王老师/, "a named poll shows who chose what");
    await shot(page, "desktop-en-group-poll.png");
    assert.deepEqual(await axe(page, "en desktop poll", '[data-screen="group-apps"]'), []);
    // An event with one place: the member takes it, the owner waits.
    await page.locator('[data-ga-tab="events"]').click();
    await page.locator('[data-screen="group-apps"] .empty', { hasText: "No events yet" }).waitFor();
    await page.locator('[data-action="ev-new"]').click();
    await page.locator('.dialog-form input[name="title"]').fill("Sketching at the Botanical Garden");
    await page.locator('.dialog-form input[name="place"]').fill("North gate");
    await page.locator('.dialog-form input[name="start"]').fill("2099-05-01T09:00");
    await page.locator(".dialog-form .btn.primary").click();
    await page.locator(".toast", { hasText: "within the coming year" }).waitFor();
    const start = new Date(Date.now() + 3 * 86400000);
    const local = new Date(start.getTime() - start.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    await page.locator('[data-action="ev-new"]').click();
    await page.locator('.dialog-form input[name="title"]').fill("Sketching at the Botanical Garden");
    await page.locator('.dialog-form input[name="place"]').fill("North gate");
    await page.locator('.dialog-form input[name="start"]').fill(local);
    await page.locator('.dialog-form input[name="limit"]').fill("1");
    await page.locator(".dialog-form .btn.primary").click();
    const ev = page.locator('[data-event="Sketching at the Botanical Garden"]');
    await ev.locator('[data-action="ev-signup"]').click();
    await ev.locator('[data-mine="1"]').waitFor();
    const evs = (await owner.body("appEvents", { group: g.id })).events;
    const w = await owner.body("appEventSignup", { group: g.id, id: evs[0].id });
    assert.equal(w.mine, 2, "the owner waits");
    await ev.locator(".ga-meta", { hasText: "1 waiting" }).waitFor();
    await shot(page, "desktop-en-group-event.png");
    assert.deepEqual(await axe(page, "en desktop events", '[data-screen="group-apps"]'), []);
    await page.locator('[data-ga-tab="polls"]').click();

    // The card in the chat opens the poll.
    await go(page, `/chat/g/${g.id}`);
    const chatCard = page.locator('[data-app-card="polls"]').first();
    await chatCard.waitFor();
    assert.match(await chatCard.textContent(), /Where shall the spring outing go\?/);
    await chatCard.click();
    await page.locator('[data-screen="group-apps"] [data-poll="Where shall the spring outing go?"]').waitFor();
    expectNoErrors(page);
    await page.close();
  });

  it("checks in and submits homework on a phone, in Chinese", async () => {
    const page = await device(browser, server, "gapp_parent", { phone: true, locale: "zh-CN" });
    await owner.body("appCheckin", { group: g.id });
    await go(page, `/chat/g/${g.id}/apps/checkin`);
    const btn = page.locator('[data-action="checkin"]');
    await btn.waitFor();
    assert.equal(await btn.textContent(), "打卡");
    await btn.click();
    await page.locator('[data-action="checkin"]', { hasText: "今日已打卡" }).waitFor();
    await page.locator('[data-rank="Ming\'s mum"]').waitFor();
    assert.equal(await page.locator("[data-rank]").count(), 2);
    assert.match(await page.locator(".ga-checkin").textContent(), /今日 2 人已打卡/);
    await shot(page, "phone-zh-group-checkin.png");
    assert.deepEqual(await axe(page, "zh phone check-in", '[data-screen="group-apps"]'), []);

    // Homework: a member cannot post it; the owner does.
    await page.locator('[data-ga-tab="homework"]').click();
    await page.locator('[data-screen="group-apps"] .empty', { hasText: "还没有作业" }).waitFor();
    assert.equal(await page.locator('[data-action="hw-new"]').count(), 0, "only the owner and admins post homework");
    await owner.body("appHomeworkPost", { group: g.id, title: "作文：我的家乡", text: "不少于 500 字", due: BigInt(Date.now() + 2 * 86400000) });
    const hw = page.locator('[data-homework="作文：我的家乡"]');
    await hw.waitFor();
    assert.match(await hw.textContent(), /未提交/);
    await hw.click();
    await page.locator('[data-action="hw-submit"]').click();
    await page.locator('.dialog-form textarea[name="text"]').fill("我的家乡在江南，小桥流水。");
    await page.locator(".dialog-form .btn.primary").click();
    await page.locator('[data-homework="作文：我的家乡"]', { hasText: "已提交" }).waitFor();
    await shot(page, "phone-zh-group-homework.png");
    assert.deepEqual(await axe(page, "zh phone homework", '[data-screen="group-apps"]'), []);
    expectNoErrors(page);
    await page.close();

    // The owner sees who has not submitted, and reminds them.
    const teacher = await device(browser, server, "gapp_teacher", { phone: true, locale: "zh-CN" });
    await go(teacher, `/chat/g/${g.id}/apps/homework`);
    await teacher.locator('[data-homework="作文：我的家乡"]', { hasText: "已交 1 / 2" }).click();
    const missing = teacher.locator('[data-list="missing"]');
    await missing.waitFor();
    assert.equal(await missing.textContent(), "Lei");
    await teacher.locator('[data-action="hw-remind"]').click();
    await teacher.locator(".toast", { hasText: "已在群聊中提醒 1 人" }).waitFor();
    // The owner posts a pinned notice on the board.
    await teacher.locator('[data-ga-tab="announce"]').click();
    await teacher.locator('[data-action="an-new"]').click();
    await teacher.locator('.dialog-form textarea[name="text"]').fill("周五运动会\n请穿校服，带水。");
    await teacher.locator('.dialog-form select[name="pin"]').selectOption("yes");
    await teacher.locator(".dialog-form .btn.primary").click();
    const notice = teacher.locator('[data-announcement="周五运动会"]');
    await notice.waitFor();
    assert.match(await notice.textContent(), /置顶/);
    await shot(teacher, "phone-zh-group-notices.png");
    assert.deepEqual(await axe(teacher, "zh phone notices", '[data-screen="group-apps"]'), []);
    expectNoErrors(teacher);
    await teacher.close();
  });
});
