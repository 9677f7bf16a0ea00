// Live codes (活码): the owner makes one from the group's info on a
// desktop, in English; a stranger opens its link on a phone, in Chinese,
// and joins; once the group is full the next scan goes to a new group,
// which the code's page shows with its scans.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { user } from "./protocol.mjs";
import { axe } from "./axe.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

async function shot(page, name) {
  await page.evaluate(() => document.querySelectorAll(".toast").forEach((t) => t.remove()));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SHOTS, name) });
}

describe("live codes", { skip }, () => {
  let server, browser, ann, ben, cat, dan, eve, group;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [ann, ben, cat] = await people(server.url, [["lc_ann01", "Ann"], ["lc_ben01", "Ben"], ["lc_cat01", "Cat"]]);
    dan = await user(server.url, "lc_dan01", "Dan");
    eve = await user(server.url, "lc_eve01", "Eve");
    group = (await ann.body("createGroup", { name: "Book club", members: [ben.session.user, cat.session.user] })).id;
  });

  after(async () => {
    for (const x of [ann, ben, cat, dan, eve]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("is made by the owner, fills its group, then a new one", async () => {
    const problems = [];
    const owner = await device(browser, server, "lc_ann01");
    await go(owner, `/chat/g/${group}/info`);
    await owner.locator('[data-action="livecodes"]').click();
    await owner.locator('[data-screen="livecodes"]').getByText("No live codes for this group yet.").waitFor();
    await owner.locator('[data-form="livecode"] input[name="max"]').fill("4");
    await owner.locator('[data-form="livecode"] button[type="submit"]').click();
    const box = owner.locator('[data-screen="livecode"] [data-live-code-url]');
    await box.waitFor();
    const url = await box.getAttribute("data-live-code-url");
    const path = new URL(url).pathname;
    assert.match(path, /^\/l\/[A-Z2-7]{32}$/);
    assert.equal(await owner.locator('[data-screen="livecode"] img.qr-img').evaluate((img) => img.complete && img.naturalWidth > 0), true, "the QR code image loads");

    // A member who is not the owner is not offered live codes.
    const member = await device(browser, server, "lc_ben01");
    await go(member, `/chat/g/${group}/info`);
    await member.locator('[data-action="group-qr"]').waitFor();
    assert.equal(await member.locator('[data-action="livecodes"]').count(), 0);
    await member.context().close();

    // A stranger opens the link on a phone, in Chinese, and joins.
    const phone = await device(browser, server, "lc_dan01", { phone: true, locale: "zh-CN" });
    await go(phone, path);
    await phone.locator('[data-screen="livecode-join"]').getByText("这个活码会把你带进一个还有空位的群。").waitFor();
    problems.push(...(await axe(phone, "phone zh live code")));
    await shot(phone, "phone-zh-livecode-join.png");
    await phone.locator('[data-action="livecode-join"]').click();
    await phone.waitForURL(`**/chat/g/${group}`);
    const members = (await ann.body("groupMembers", { group })).members.map((m) => m.user);
    assert.ok(members.includes(dan.session.user), "Dan is a member of the group");
    expectNoErrors(phone);
    await phone.context().close();

    // The group holds 4 now: Eve's scan makes the next group.
    const r = await eve.body("livecodeScan", { token: url });
    assert.notEqual(r.group, group);

    await owner.reload();
    const rows = owner.locator('[data-screen="livecode"] [data-live-code-group]');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /Full/);
    assert.equal(await rows.nth(1).getAttribute("data-live-code-group"), String(r.group));
    await owner.locator('[data-screen="livecode"] svg[role="img"] rect').first().waitFor();
    problems.push(...(await axe(owner, "live code")));
    await shot(owner, "desktop-en-livecode.png");
    expectNoErrors(owner);
    await owner.context().close();
    assert.deepEqual(problems, []);
  });
});
