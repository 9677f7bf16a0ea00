// Moments through the screens, against the real binary: a post with photos
// reaches a friend, who opens the viewer, likes and comments; the author's
// new-messages bar and notifications follow; search finds the post; a
// forwarded card and a saved favorite open it only for those who may see
// it; someone who is not the author's friend sees nothing; deleting takes
// it away; the cover reaches the owner's other device and friends, not
// strangers. Screenshots of the Moments screens go to docs/screenshots.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT, SHOTS, DESKTOP, PHONE, pngImage } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { center, device, friends, touch } from "./people.mjs";
import { axe } from "./axe.mjs";
import { go, newPage, login, xssFired } from "./ui.mjs";

const skip = skipReason();

async function feed(page) {
  await go(page, "/discover");
  await page.click('[data-entry="moments"]');
  await page.locator('[data-screen="moments"]').waitFor();
}

describe("Moments", { skip }, () => {
  let server, browser, ann, ben, cat, pics;

  before(async () => {
    server = await startServer();
    browser = await launch();
    mkdirSync(OUT, { recursive: true });
    ann = await user(server.url, "mo_ann", "Ann 安");
    ben = await user(server.url, "mo_ben", "Ben 本");
    cat = await user(server.url, "mo_cat", "Cat 猫");
    await friends(ben, ann);
    await friends(cat, ben); // cat is ben's friend, not ann's
    pics = [pngImage(240, 160), pngImage(160, 240)].map((b, i) => {
      const p = join(OUT, `moment-${i}.png`);
      writeFileSync(p, b);
      return p;
    });
  });

  after(async () => {
    for (const c of [ann, ben, cat]) c?.close();
    await browser?.close();
    await server?.stop();
  });

  it("post with photos, seen, liked, commented, searched, forwarded, saved and deleted", async () => {
    const a = await device(browser, server, "mo_ann");
    const uploads = [];
    a.on("request", (r) => r.method() === "POST" && new URL(r.url()).pathname === "/media" && uploads.push(r.url()));
    await feed(a);
    await a.locator('[data-screen="moments"] .mo-end .empty').waitFor();

    // Compose: text, two photos, a location, a mention.
    await a.click(".mo-new-btn");
    const form = a.locator('[data-form="moment"]');
    await form.locator('textarea[name="text"]').fill("周末爬山 Hiking at Fragrant Hills");
    const [chooser] = await Promise.all([a.waitForEvent("filechooser"), form.locator('[data-action="images"]').click()]);
    await chooser.setFiles(pics);
    await assert.doesNotReject(form.locator(".mo-previews [data-preview]").nth(1).waitFor());
    await form.locator('input[name="location"]').fill("香山");
    await form.locator('[data-action="mention"]').click();
    await a.locator('.modal [data-contact="Ben 本"] input[type="checkbox"]').check();
    await a.locator(".modal .btn.primary").click();
    await form.locator('[data-action="post"]').click();
    const mine = a.locator('[data-screen="moments"] [data-post]', { hasText: "Fragrant Hills" });
    await mine.waitFor();
    assert.equal(uploads.length, 2, "both photos uploaded");
    assert.equal(await mine.locator(".mo-cell").count(), 2);
    assert.equal(await mine.locator('[data-location="香山"]').count(), 1);
    const postId = await mine.getAttribute("data-post");

    // Ben, on a phone, sees it with the mention badge on Discover.
    const b = await device(browser, server, "mo_ben", { phone: true });
    await b.locator('[data-tab="discover"] .badge.dot').waitFor(); // read when the app starts
    await go(b, "/discover");
    await b.locator('[data-entry="moments"] .badge', { hasText: "1" }).waitFor();
    await b.click('[data-entry="moments"]');
    const post = b.locator(`[data-post="${postId}"]`);
    await post.waitFor();
    assert.match(await post.locator(".mo-mentions").textContent(), /Ben 本/);

    // Pull to refresh: a post made meanwhile appears after a pull down.
    const later = await ann.body("momentPost", { text: "A second thought" });
    assert.equal(await b.locator(`[data-post="${later.id}"]`).count(), 0);
    const top = await center(b.locator('[data-screen="moments"] .mo-cover'));
    await touch(b, top.x, top.y, { holdMs: 50, moveTo: { x: top.x, y: top.y + 240 } });
    await b.locator(`[data-post="${later.id}"]`).waitFor();

    // The viewer: full screen, the next photo, closed by Escape.
    await post.locator(".mo-cell").first().click();
    const viewer = b.locator('[data-screen="moments-viewer"]');
    await viewer.waitFor();
    await b.waitForFunction(() => document.querySelector('[data-screen="moments-viewer"] .viewer-img')?.src.startsWith("blob:"));
    assert.equal((await viewer.locator(".mo-count").textContent()).trim(), "1 / 2");
    await viewer.locator('[data-action="next"]').click();
    assert.equal((await viewer.locator(".mo-count").textContent()).trim(), "2 / 2");
    await b.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });

    // Like and comment; the author's bar shows 2 new messages at once.
    await post.locator('[data-action="like"]').click();
    await b.locator(`[data-post="${postId}"] [data-likes="1"]`).waitFor();
    await b.locator(`[data-post="${postId}"] [data-action="comment"]`).click();
    await b.locator('.modal textarea[name="text"]').fill("好美！Lovely");
    await b.locator('.modal button[type="submit"]').click();
    await b.locator(`[data-post="${postId}"] .mo-comment`, { hasText: "Lovely" }).waitFor();
    await a.locator('[data-action="notifications"][data-unread="2"]').waitFor();
    await a.locator('[data-tab="discover"] .badge.dot').waitFor();
    await a.click('[data-action="notifications"]');
    await a.locator('[data-screen="moment-notifications"] .mo-note').nth(1).waitFor();
    assert.equal(await a.locator('.mo-note[data-kind="1"]').count(), 1, "the like");
    assert.match(await a.locator('.mo-note[data-kind="2"]').textContent(), /Lovely/);
    // Opening them read them, on the server too.
    await a.locator('[data-screen="moment-notifications"] [data-read="done"]').waitFor();
    await a.locator('[data-tab="discover"] .badge').waitFor({ state: "detached" });
    assert.equal((await ann.body("momentNotifications", { limit: 5 })).unread, 0);

    // Ann replies to ben's comment; ben is told.
    await go(a, `/discover/moments/p/${postId}`);
    await a.locator('[data-screen="moment-post"] .mo-comment', { hasText: "Lovely" }).click();
    await a.locator(".sheet-item", { hasText: "Reply to Ben 本" }).click();
    await a.locator('.modal textarea[name="text"]').fill("Thanks!");
    await a.locator('.modal button[type="submit"]').click();
    await a.locator('[data-screen="moment-post"] .mo-comment', { hasText: "Ann 安 replied to Ben 本: Thanks!" }).waitFor();
    const told = await ben.body("momentNotifications", { limit: 10 });
    assert.ok(told.notifications.some((n) => n.kind === 3 && n.comment?.text === "Thanks!"), "ben has the reply");

    // Ann's album, from her contact card.
    await go(b, `/contacts/${ann.session.user}`);
    await b.locator('[data-action="moments"]').click();
    await b.locator(`[data-screen="moments-album"] [data-post="${postId}"]`).waitFor();

    // Search finds it for a friend; not for cat.
    await go(b, "/discover/moments/search");
    await b.locator('[data-form="moment-search"] input').fill("hiking");
    await b.locator('[data-form="moment-search"] button[type="submit"]').click();
    await b.locator(`[data-screen="moment-search"] [data-post="${postId}"]`).waitFor();

    // Ben saves it, and forwards it to cat as a card.
    await b.locator(`[data-screen="moment-search"] [data-post="${postId}"] .mo-more`).click();
    await b.locator(".sheet-item", { hasText: "Save to favorites" }).click();
    await b.locator(".toast", { hasText: "Saved" }).waitFor();
    await go(b, "/discover/favorites");
    await b.locator(`[data-screen="favorites"] [data-moment-card="/discover/moments/p/${postId}"]`).waitFor();
    await b.locator("[data-favorite]").first().click();
    await b.locator(".sheet-item", { hasText: "Open" }).click();
    await b.locator(`[data-screen="moment-post"] [data-post="${postId}"]`).waitFor();
    await b.locator(`[data-screen="moment-post"] .mo-more`).click();
    await b.locator(".sheet-item", { hasText: "Forward" }).click();
    await b.locator('.modal [data-target="Cat 猫"]').click();
    await b.locator(".toast", { hasText: "Sent" }).waitFor();

    // Cat is not ann's friend: not in the feed, not by search, not by the card.
    const c = await device(browser, server, "mo_cat");
    await feed(c);
    await c.locator('[data-screen="moments"] .mo-end .empty').waitFor();
    assert.equal(await c.locator(`[data-post="${postId}"]`).count(), 0);
    await go(c, "/discover/moments/search");
    await c.locator('[data-form="moment-search"] input').fill("hiking");
    await c.locator('[data-form="moment-search"] button[type="submit"]').click();
    await c.locator('[data-screen="moment-search"] .empty').waitFor();
    await go(c, `/discover/moments/u/${ann.session.user}`);
    await c.locator('[data-screen="moments-album"] .mo-end .empty').waitFor();
    await go(c, `/chat/u/${ben.session.user}`);
    await c.locator(`[data-moment-card="/discover/moments/p/${postId}"]`).click();
    await c.locator('[data-screen="moment-post"] .empty', { hasText: "may not see it" }).waitFor();

    // Settings: hidden from ben, the post is gone for him; shown again, back.
    await go(a, "/discover/moments/settings");
    await a.locator('[data-screen="moment-settings"] [data-action="hideMineFrom"]').click();
    await a.locator('.modal [data-contact="Ben 本"] input[type="checkbox"]').check();
    await a.locator(".modal .btn.primary").click();
    const hidden = a.locator(`[data-screen="moment-settings"] [data-person="${ben.session.user}"]`);
    await hidden.waitFor();
    await go(b, "/discover");
    await go(b, `/discover/moments/p/${postId}`);
    await b.locator('[data-screen="moment-post"] .empty', { hasText: "may not see it" }).waitFor();
    await hidden.locator('[data-action="unhide"]').click();
    await hidden.waitFor({ state: "detached" });
    await go(b, "/discover");
    await go(b, `/discover/moments/p/${postId}`);
    await b.locator(`[data-screen="moment-post"] [data-post="${postId}"]`).waitFor();

    // Ann deletes it; ben's post screen finds it gone.
    await go(a, "/discover/moments");
    await a.locator(`[data-screen="moments"] [data-post="${postId}"] .mo-more`).click();
    await a.locator(".sheet-item", { hasText: "Delete" }).click();
    await a.locator(".modal .btn.danger").click();
    await a.locator(`[data-screen="moments"] [data-post="${postId}"]`).waitFor({ state: "detached" });
    await go(b, "/discover");
    await go(b, `/discover/moments/p/${postId}`);
    await b.locator('[data-screen="moment-post"] .empty').waitFor();

    // Text is only ever text: payloads in a post, a place, a link title and
    // a comment run nothing.
    const evil = '<img src=x onerror="__xss(1)"><script>__xss(2)</script>';
    const bad = await ben.body("momentPost", { text: evil, location: evil, link: "https://example.com/x", linkTitle: evil });
    await ann.body("momentComment", { post: bad.id, text: evil });
    await go(a, "/discover");
    await go(a, "/discover/moments");
    await a.locator(`[data-post="${bad.id}"] .mo-comment`).waitFor();
    assert.equal(await a.locator(`[data-post="${bad.id}"] .mo-text`).textContent(), evil);
    assert.deepEqual(await xssFired(a), []);
    await ben.body("momentDelete", { post: bad.id });
    await ann.body("momentDelete", { post: later.id });

    for (const p of [a, b, c]) {
      assert.deepEqual(p.errors, []);
      await p.context().close();
    }
  });

  it("sets the cover: on my feed, on my other device, on my page for a friend, not for a stranger", async () => {
    const page = await device(browser, server, "mo_ann", { locale: "zh-CN" });
    const other = await device(browser, server, "mo_ann");
    await feed(page);
    await feed(other);
    const chooser = page.waitForEvent("filechooser");
    await page.locator('[data-screen="moments"] button.mo-cover-img').click();
    await (await chooser).setFiles(pics[0]);
    await page.locator(".toast", { hasText: "封面已更换。" }).waitFor({ timeout: 15000 });
    const img = page.locator('[data-screen="moments"] .mo-cover-img img');
    await img.waitFor();
    assert.match(await img.getAttribute("src"), /^blob:/);
    const id = await page.locator('[data-screen="moments"] .mo-cover-img').getAttribute("data-cover-media");
    assert.ok(id, "the cover's media ID");
    // My other device hears of it through the change log.
    await other.locator(`[data-screen="moments"] .mo-cover-img[data-cover-media="${id}"] img`).waitFor({ timeout: 15000 });
    // A friend sees it at the top of my page; a stranger does not.
    const friend = await device(browser, server, "mo_ben");
    await go(friend, `/discover/moments/u/${ann.session.user}`);
    await friend.locator(`[data-screen="moments-album"] .mo-cover-img[data-cover-media="${id}"] img`).waitFor({ timeout: 15000 });
    assert.equal(await friend.locator("[data-screen=moments-album] button.mo-cover-img").count(), 0, "only my own cover is a button");
    const stranger = await device(browser, server, "mo_cat");
    await go(stranger, `/discover/moments/u/${ann.session.user}`);
    await stranger.locator('[data-screen="moments-album"]').getByText("No posts to show.").waitFor(); // the first page has come
    assert.equal(await stranger.locator('[data-screen="moments-album"] .mo-cover-img').getAttribute("data-cover-media"), "");
    for (const p of [page, other, friend, stranger]) {
      assert.deepEqual(p.errors, []);
      await p.context().close();
    }
  });

  it("screenshots and accessibility of the Moments screens", async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A feed worth showing, posted through the protocol.
    const up = async (cl, body) => {
      const r = await fetch(`${server.url}/media?kind=image&name=p.png`, { method: "POST", body, headers: { Authorization: `Bearer ${cl.session.token}` } });
      return (await r.json()).id;
    };
    const media = [];
    for (const [w, hh] of [[240, 160], [160, 240], [200, 200], [240, 160]]) media.push(await up(ben, pngImage(w, hh)));
    const p1 = await ben.body("momentPost", { text: "香山的红叶 🍁 The maples on Fragrant Hills", media, location: "香山公园 Fragrant Hills Park" });
    await ann.body("momentLike", { post: p1.id });
    await ann.body("momentComment", { post: p1.id, text: "太美了！Stunning" });
    const p2 = await ann.body("momentPost", { text: "New trail map for Saturday — who's in?", link: "https://example.com/trail", linkTitle: "Xiangshan east trail" });
    await ben.body("momentLike", { post: p2.id });
    await ben.body("momentComment", { post: p2.id, text: "Count me in 🙋" });
    // axe-core over each screen: no serious or critical violation.
    const problems = [];
    for (const [layout, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
      for (const lang of ["en", "zh"]) {
        const page = await newPage(browser, server, { viewport, locale: lang === "zh" ? "zh-CN" : "en-US", ...(layout === "phone" ? { hasTouch: true, isMobile: true } : {}) });
        const shot = async (name) => {
          await page.mouse.move(0, 0);
          await page.waitForTimeout(300);
          await page.screenshot({ path: join(SHOTS, `${layout}-${lang}-${name}.png`) });
        };
        await login(page, "mo_ann");
        await go(page, "/discover/moments");
        await page.locator(`[data-post="${p1.id}"] .mo-img`).first().waitFor();
        await page.waitForFunction(() => [...document.querySelectorAll(".mo-img")].every((i) => i.complete && i.naturalWidth > 0));
        await shot("moments");
        problems.push(...(await axe(page, `${layout} ${lang} moments`)));
        await page.locator(`[data-post="${p1.id}"] .mo-cell`).nth(1).click();
        await page.waitForFunction(() => document.querySelector('[data-screen="moments-viewer"] .viewer-img')?.complete);
        await shot("moments-viewer");
        problems.push(...(await axe(page, `${layout} ${lang} viewer`)));
        await page.keyboard.press("Escape");
        await go(page, "/discover/moments/new");
        await page.locator('[data-form="moment"] textarea').fill(lang === "zh" ? "周六见！" : "See you on Saturday!");
        await shot("moments-new");
        problems.push(...(await axe(page, `${layout} ${lang} compose`)));
        await go(page, "/discover/moments/notifications");
        await page.locator(".mo-note").first().waitFor();
        await shot("moments-messages");
        problems.push(...(await axe(page, `${layout} ${lang} notifications`)));
        await go(page, "/discover/moments/settings");
        await page.locator('[data-screen="moment-settings"] input[name="strangers_see_10"]').waitFor();
        problems.push(...(await axe(page, `${layout} ${lang} settings`)));
        assert.deepEqual(page.errors, []);
        await page.context().close();
      }
    }
    // The dark scheme, on a phone.
    const dark = await newPage(browser, server, { viewport: PHONE, colorScheme: "dark", hasTouch: true, isMobile: true });
    await login(dark, "mo_ann");
    await go(dark, "/discover/moments");
    await dark.locator(`[data-post="${p1.id}"] .mo-img`).first().waitFor();
    problems.push(...(await axe(dark, "phone en dark moments")));
    await go(dark, "/discover/moments/new");
    await dark.locator('[data-form="moment"]').waitFor();
    problems.push(...(await axe(dark, "phone en dark compose")));
    await dark.context().close();
    assert.deepEqual(problems, []);
  });
});
