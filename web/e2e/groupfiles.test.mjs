// Group files and the group album in the browser: on a desktop, in
// English, a member shares a file from the group's apps (Files), sees it
// listed with its size and the group's quota, and deletes it; on a phone,
// in Chinese, a member creates an album, adds photos, opens one and
// comments on it. Axe on each screen.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT, SHOTS, pngImage } from "./harness.mjs";
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

describe("group files and album", { skip }, () => {
  let server, browser, owner, mem, kid, g;

  before(async () => {
    server = await startServer();
    browser = await launch();
    owner = await user(server.url, "gfile_owner", "王老师");
    mem = await user(server.url, "gfile_member", "Ming's mum");
    kid = await user(server.url, "gfile_other", "Lei");
    await friends(mem, owner);
    await friends(kid, owner);
    g = await owner.body("createGroup", { name: "Class 3-2", members: [mem.session.user, kid.session.user] });
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "reading-list.txt"), "1. Journey to the West\n2. 红楼梦\n");
    writeFileSync(join(OUT, "outing.png"), pngImage(120, 80));
  });

  after(async () => {
    for (const c of [owner, mem, kid]) c?.close();
    await browser?.close();
    await server?.stop();
  });

  it("shares, lists and deletes a group file (desktop, English)", async () => {
    const page = await device(browser, server, "gfile_member");
    await go(page, `/chat/g/${g.id}/apps/files`);
    await page.locator('[data-screen="group-apps"] .empty', { hasText: "No files yet" }).waitFor();
    assert.deepEqual(await axe(page, "en desktop group files empty", '[data-screen="group-apps"]'), []);
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.locator('[data-action="file-upload"]').click()]);
    await chooser.setFiles(join(OUT, "reading-list.txt"));
    const card = page.locator('[data-file="reading-list.txt"]');
    await card.waitFor();
    await page.locator("[data-quota]", { hasText: "used" }).waitFor();
    // The owner sees it through the protocol.
    const list = await owner.body("appFiles", { group: g.id });
    assert.equal(list.files.length, 1);
    assert.equal(list.files[0].name, "reading-list.txt");
    assert.deepEqual(await axe(page, "en desktop group files", '[data-screen="group-apps"]'), []);
    await shot(page, "desktop-en-group-files.png");
    await card.locator('[data-action="file-delete"]').click();
    await page.locator('[data-screen="group-apps"] .empty', { hasText: "No files yet" }).waitFor();
    expectNoErrors(page);
  });

  it("creates an album, adds a photo and comments on it (phone, Chinese)", async () => {
    const page = await device(browser, server, "gfile_member", { phone: true, locale: "zh-CN" });
    await go(page, `/chat/g/${g.id}/apps/album`);
    await page.locator('[data-screen="group-apps"] .empty', { hasText: "还没有相册" }).waitFor();
    await page.locator('[data-action="album-new"]').click();
    await page.locator('.dialog-form input[name="name"]').fill("春游");
    await page.locator(".dialog-form .btn.primary").click();
    await page.locator('[data-album="春游"]').click();
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.locator('[data-action="album-add"]').click()]);
    await chooser.setFiles(join(OUT, "outing.png"));
    const photo = page.locator('[data-photo="outing.png"]');
    await photo.waitFor();
    assert.deepEqual(await axe(page, "zh phone album", '[data-dialog="album"]'), []);
    await photo.click();
    await page.locator('[data-dialog="photo"] input').fill("真漂亮");
    await page.locator('[data-action="comment"]').click();
    await page.locator('[data-comment="真漂亮"]').waitFor();
    assert.deepEqual(await axe(page, "zh phone photo", '[data-dialog="photo"]'), []);
    await shot(page, "phone-zh-group-album.png");
    // The batch posted one card into the chat.
    const albums = (await owner.body("appAlbums", { group: g.id })).albums;
    assert.equal(albums.length, 1);
    assert.equal(albums[0].photos, 1);
    expectNoErrors(page);
  });
});
