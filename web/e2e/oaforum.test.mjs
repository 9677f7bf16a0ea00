// Official accounts' micro-community and console in the browser: a
// follower posts with an image and replies, another follower sees the
// image, the operator pins and removes; the console's tag editor, follower
// search and tagging, a broadcast to a tag reaching only that tag's
// follower, and the statistics for a chosen range.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT, PHONE, SHOTS, pngImage } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { login, newPage, go, xssFired } from "./ui.mjs";
import { axe } from "./axe.mjs";

const skip = skipReason();
const PAYLOAD = `<img src=x onerror="(window.__xssFired=window.__xssFired||[]).push(1)"> is text`;

describe("official accounts: community and console", { skip }, () => {
  let server, browser, op, fan1, fan2, acct;

  before(async () => {
    server = await startServer();
    op = await user(server.url, "forum_operator", "Operator");
    fan1 = await user(server.url, "forum_reader1", "Reader One");
    fan2 = await user(server.url, "forum_reader2", "Reader Two");
    acct = (await op.body("oaCreate", { org: "Town Library", name: "Library Forum", kind: 2 })).account;
    await fan1.body("oaFollow", { account: acct.id });
    await fan2.body("oaFollow", { account: acct.id });
    browser = await launch();
  });

  after(async () => {
    op?.close();
    fan1?.close();
    fan2?.close();
    await browser?.close();
    await server?.stop();
  });

  it("lets followers post and reply, and the operator pin and remove", async () => {
    const older = await fan2.body("oaForumPost", { account: acct.id, text: "Older post: " + PAYLOAD });
    // A stranger neither reads nor writes.
    const stranger = await user(server.url, "forum_stranger", "Stranger");
    await assert.rejects(stranger.body("oaForumPost", { account: acct.id, text: "hi" }), { code: "failed_precondition" });
    await assert.rejects(stranger.body("oaForumList", { account: acct.id }), { code: "failed_precondition" });
    stranger.close();

    const page = await newPage(browser, server);
    await login(page, "forum_reader1");
    await go(page, `/oa/${acct.id}`);
    await page.locator('[data-screen="oa-profile"] [data-oa-open-forum]').click();
    const forum = page.locator('[data-screen="oa-forum"]');
    await forum.getByText(PAYLOAD, { exact: false }).waitFor();
    // Authors are named by their public nickname.
    await forum.locator(`article[data-post="${older.id}"]`).getByText("Reader Two").waitFor();
    const png = pngImage(120, 80);
    writeFileSync(join(OUT, "forum.png"), png);
    await forum.locator("textarea").fill("Where is the reading room?");
    await forum.locator("[data-forum-file]").setInputFiles(join(OUT, "forum.png"));
    await forum.locator("[data-chosen]").waitFor();
    await forum.locator("[data-forum-send]").click();
    const mine = forum.locator("article[data-post]").filter({ hasText: "Where is the reading room?" });
    await mine.locator('img[src^="blob:"]').waitFor();
    assert.equal(await forum.locator("article[data-post]").first().textContent().then((s) => s.includes("reading room")), true, "the newest post comes first");
    // A reply, in the older post's thread.
    await forum.locator(`article[data-post="${older.id}"] .oa-post-open`).click();
    const thread = page.locator('[data-screen="oa-forum-post"]');
    await thread.locator("textarea").fill("Second floor, by the windows");
    await thread.locator("[data-forum-send]").click();
    await thread.locator("[data-forum-replies]").getByText("Second floor, by the windows").waitFor();
    assert.deepEqual(await xssFired(page), []);
    // The other follower sees the image (the media feature asks the forum)
    // and, on a phone in Chinese, the community.
    const other = await newPage(browser, server, { viewport: PHONE, locale: "zh-CN" });
    await login(other, "forum_reader2");
    await go(other, `/oa/${acct.id}/forum`);
    await other.locator('[data-screen="oa-forum"] article[data-post] img[src^="blob:"]').first().waitFor();
    await other.locator('[data-screen="oa-forum"]').getByText("回复 1").waitFor();
    await other.screenshot({ path: join(SHOTS, "phone-zh-oa-forum.png") });
    assert.deepEqual(await axe(other, "zh phone community", '[data-screen="oa-forum"]'), []);

    // The operator pins the older post and removes the new one.
    const console = await newPage(browser, server);
    await login(console, "forum_operator");
    await go(console, `/oa/console/${acct.id}`);
    const mod = console.locator('[data-oa-section="forum"]');
    await mod.locator("article[data-post]").first().waitFor();
    const mineId = await mod.locator("article[data-post]").filter({ hasText: "Where is the reading room?" }).getAttribute("data-post");
    await mod.locator(`article[data-post="${older.id}"] [data-oa-pin="pin"]`).click();
    await mod.locator(`article[data-post="${older.id}"][data-pinned-post="1"]`).waitFor();
    assert.equal(await mod.locator("article[data-post]").first().getAttribute("data-post"), String(older.id));
    await mod.locator(`article[data-post="${mineId}"] img[src^="blob:"]`).waitFor();
    await mod.scrollIntoViewIfNeeded();
    await console.mouse.move(0, 0);
    await console.screenshot({ path: join(SHOTS, "desktop-en-oa-forum-console.png") });
    assert.deepEqual(await axe(console, "console community", '[data-oa-section="forum"]'), []);
    await mod.locator(`article[data-post="${mineId}"] [data-oa-remove]`).click();
    await console.locator(".dialog-actions button:last-child").click();
    await mod.locator(`article[data-post="${mineId}"]`).waitFor({ state: "detached" });
    // Its replies on demand: the operator removes the reply too.
    await mod.locator(`article[data-post="${older.id}"] .oa-post-open`).click();
    await mod.locator("[data-forum-replies]").getByText("Second floor, by the windows").waitFor();
    await mod.locator("[data-forum-replies] article[data-post] [data-oa-remove]").click();
    await console.locator(".dialog-actions button:last-child").click();
    await mod.locator("[data-forum-replies]").getByText("Second floor, by the windows").waitFor({ state: "detached" });

    // The follower's list: the pinned post first, the removed one gone.
    await go(page, `/oa/${acct.id}/forum`);
    await forum.locator(`article[data-post="${older.id}"][data-pinned-post="1"]`).waitFor();
    assert.equal(await forum.locator("article[data-post]").first().getAttribute("data-post"), String(older.id));
    assert.equal(await forum.locator(`article[data-post="${mineId}"]`).count(), 0);
    await assert.rejects(fan1.body("oaForumThread", { post: BigInt(mineId) }), { code: "not_found" });
    const th = await fan1.body("oaForumThread", { post: older.id });
    assert.equal(th.replies.length, 0);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(other.errors, []);
    assert.deepEqual(console.errors, []);
  });

  it("edits tags, finds and tags followers, broadcasts to a tag and shows a chosen range", async () => {
    await op.call("oaUpdateFollower", { account: acct.id, user: fan2.session.user, remark: "Night owl" });
    const page = await newPage(browser, server);
    await login(page, "forum_operator");
    await go(page, `/oa/console/${acct.id}`);

    // Tags: create two, rename one, delete it.
    const tags = page.locator('[data-oa-section="tags"]');
    for (const name of ["Volunteers", "Temp"]) {
      await tags.locator('input[name="tag"]').fill(name);
      await tags.locator('[data-oa-add="tag"]').click();
      await tags.locator(`[data-tag="${name}"]`).waitFor();
    }
    await tags.locator('[data-tag="Temp"] [data-oa-rename="tag"]').click();
    await page.locator('.dialog-form input[name="name"]').fill("Donors");
    await page.locator(".dialog-actions .btn.primary").click();
    await tags.locator('[data-tag="Donors"]').waitFor();
    await tags.locator('[data-tag="Donors"] [data-oa-delete="tag"]').click();
    await page.locator(".dialog-actions button:last-child").click();
    await tags.locator('[data-tag="Donors"]').waitFor({ state: "detached" });

    // Followers: search by remark, then by name; tag the one found.
    const fans = page.locator('[data-oa-section="followers"]');
    await fans.locator(`[data-fan="${fan1.session.user}"]`).waitFor();
    await fans.locator('[data-oa-search="followers"]').fill("night");
    await fans.locator(`[data-fan="${fan1.session.user}"]`).waitFor({ state: "detached" });
    assert.equal(await fans.locator("[data-fan]").count(), 1);
    await fans.locator(`[data-fan="${fan2.session.user}"]`).waitFor();
    await fans.locator('[data-oa-search="followers"]').fill("reader one");
    await fans.locator(`[data-fan="${fan1.session.user}"]`).waitFor();
    assert.equal(await fans.locator("[data-fan]").count(), 1);
    await fans.locator(`[data-select-fan="${fan1.session.user}"]`).check();
    await fans.locator('select[name="tag"]').selectOption({ label: "Volunteers" });
    await fans.locator('[data-oa-tag-chosen="add"]').click();
    await fans.locator(`[data-fan="${fan1.session.user}"] [data-fan-tag="Volunteers"]`).waitFor();
    await tags.locator('[data-tag="Volunteers"]').getByText("Followers: 1").waitFor();
    for (const sec of ["tags", "followers", "broadcast", "stats"]) assert.deepEqual(await axe(page, `console ${sec}`, `[data-oa-section="${sec}"]`), []);

    // A broadcast to the tag: its follower gets it, the other does not.
    const bc = page.locator('[data-oa-section="broadcast"]');
    await bc.locator("textarea").fill("Volunteers meet at six");
    await bc.locator('select[name="target"]').selectOption("tag");
    await bc.locator('select[name="target-tag"]').selectOption({ label: "Volunteers (1)" });
    await bc.locator('[data-oa-send="broadcast"]').click();
    await page.locator(".dialog-actions .btn.primary").click();
    await bc.locator(".oa-broadcasts").getByText("Volunteers meet at six").waitFor();
    const fan = await newPage(browser, server);
    await login(fan, "forum_reader1");
    await go(fan, `/oa/${acct.id}/chat`);
    await fan.locator('[data-screen="oa-chat"]').getByText("Volunteers meet at six").waitFor({ timeout: 15000 });
    const h2 = await fan2.body("oaHistory", { account: acct.id, limit: 10 });
    assert.equal(h2.messages.some((m) => m.content?.text === "Volunteers meet at six"), false, "the untagged follower got the tag's broadcast");

    // Untagging empties the tag again.
    await fans.locator(`[data-select-fan="${fan1.session.user}"]`).waitFor();
    await fans.locator('[data-oa-tag-chosen="remove"]').click();
    await fans.locator(`[data-fan="${fan1.session.user}"] [data-fan-tag="Volunteers"]`).waitFor({ state: "detached" });

    // Statistics for one chosen day.
    const today = new Date().toISOString().slice(0, 10);
    const stats = page.locator('[data-oa-section="stats"]');
    await stats.locator('input[name="from"]').fill(today);
    await stats.locator('input[name="to"]').fill(today);
    await stats.locator('[data-oa-show="stats"]').click();
    await stats.locator("svg.oa-chart text", { hasText: today }).first().waitFor();
    assert.equal(await stats.locator("svg.oa-chart").count(), 2);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(fan.errors, []);
  });
});
