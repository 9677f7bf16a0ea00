// The Group Assistant: the owner turns it on from the group's info on a
// desktop, in English, sets a welcome and a keyword; a member's message
// with the keyword is answered by the assistant; the statistics show the
// day's messages as bars. On a phone, in Chinese, an admin-less member is
// not offered the assistant.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { axe } from "./axe.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

// inADay is this time tomorrow as a datetime-local value.
function inADay() {
  const d = new Date(Date.now() + 24 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

describe("group assistant", { skip }, () => {
  let server, browser, ann, ben, cat, group;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [ann, ben, cat] = await people(server.url, [["as_ann01", "Ann"], ["as_ben01", "Ben"], ["as_cat01", "Cat"]]);
    group = (await ann.body("createGroup", { name: "Book club", members: [ben.session.user, cat.session.user] })).id;
  });

  after(async () => {
    for (const x of [ann, ben, cat]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("is turned on by the owner, answers a keyword and counts", async () => {
    const problems = [];
    const owner = await device(browser, server, "as_ann01");
    await go(owner, `/chat/g/${group}/info`);
    await owner.locator('[data-action="assistant"]').click();
    const screen = owner.locator('[data-screen="assistant"]');
    await screen.getByText("The assistant is off in this group.").waitFor();
    await screen.locator('[data-form="assistant-on"] input[name="timezone"]').fill("Asia/Shanghai");
    await screen.locator('[data-action="assistant-on"]').click();
    await screen.locator('[data-form="assistant-welcome"]').waitFor();
    // What is typed into one form outlives another form's save (each
    // change shows the screen anew); the saved form starts afresh.
    const keyword = screen.locator('[data-form="assistant-keyword"] input[name="keyword"]');
    await screen.locator('[data-form="assistant-welcome"] textarea').fill("Welcome {name}!");
    await keyword.fill("rules");
    await screen.locator('[data-form="assistant-keyword"] input[name="reply"]').fill("See the announcement.");
    await screen.locator('[data-form="assistant-welcome"] button[type="submit"]').click();
    await owner.locator(".toast", { hasText: "Saved" }).waitFor();
    assert.equal(await keyword.inputValue(), "rules");
    assert.equal(await screen.locator('[data-form="assistant-welcome"] textarea').inputValue(), "Welcome {name}!");
    await screen.locator('[data-form="assistant-keyword"] button[type="submit"]').click();
    await screen.locator("[data-keyword]").first().waitFor();
    assert.equal(await keyword.inputValue(), "");
    await screen.locator('[data-form="assistant-lottery"] input[name="title"]').fill("New year");
    await screen.locator('[data-form="assistant-lottery"] input[name="keyword"]').fill("lucky");
    await screen.locator('[data-form="assistant-lottery"] input[name="deadline"]').fill(inADay());
    await screen.locator('[data-form="assistant-lottery"] button[type="submit"]').click();
    await screen.locator("[data-lottery]").first().getByText(/send “lucky”/).waitFor();

    // Ben asks; the assistant answers in the group.
    await ben.body("send", { group, clientId: "e2e-k1", text: "what are the rules?" });
    await go(owner, `/chat/g/${group}`);
    await owner.getByText("See the announcement.").first().waitFor();

    await go(owner, `/chat/g/${group}/assistant`);
    await screen.locator('[data-assistant-totals]').getByText(/^[1-9]\d* messages/).waitFor();
    await screen.locator('svg[role="img"] rect:not([height="0"])').first().waitFor();
    problems.push(...(await axe(owner, "assistant")));
    expectNoErrors(owner);
    await owner.context().close();

    // A member without a role is not offered it.
    const member = await device(browser, server, "as_ben01", { phone: true, locale: "zh-CN" });
    await go(member, `/chat/g/${group}/info`);
    await member.locator('[data-action="leave"]').waitFor();
    assert.equal(await member.locator('[data-action="assistant"]').count(), 0);
    // …but tells the assistant their birthday, which only they see.
    await member.locator('[data-action="assistant-birthday"]').click();
    await member.locator('select[name="month"]').selectOption("3");
    await member.locator('select[name="day"]').selectOption("8");
    await member.locator('.dialog-form button[type="submit"]').click();
    await member.getByText("只有你和群助手能看到", { exact: false }).waitFor();
    const mine = await ben.body("assistantBirthdayGet", { group });
    assert.equal(mine.month, 3);
    assert.equal(mine.day, 8);
    await member.context().close();
    assert.deepEqual(problems, []);
  });
});
