// Me → Delete account: a wrong password is refused in plain words, a
// request shows the date it takes effect, and cancelling keeps the account.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { device } from "./people.mjs";
import { PASSWORD, expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

describe("delete account", { skip }, () => {
  let server, browser, a;

  before(async () => {
    server = await startServer();
    browser = await launch();
    a = await user(server.url, "del_web_ann", "Ann");
  });

  after(async () => {
    a?.close();
    await browser?.close();
    await server?.stop();
  });

  it("asks with the password, shows the date, and cancels", async () => {
    const page = await device(browser, server, "del_web_ann");
    await go(page, "/me");
    await page.click('[data-entry="delete-account"]');
    const f = page.locator('[data-form="delete-account"]');
    await f.waitFor();
    const what = await page.locator('[data-del="what"]').textContent();
    assert.match(what, /15 days/);
    assert.match(what, /Deleted account/);
    await f.locator('input[name="password"]').fill("not the password");
    await f.locator('[data-action="delete-account"]').click();
    await page.locator(".modal .btn.danger").click();
    await page.locator(".form-error", { hasText: "password is wrong" }).waitFor();

    await f.locator('input[name="password"]').fill(PASSWORD);
    await f.locator('[data-action="delete-account"]').click();
    await page.locator(".modal .btn.danger").click();
    const due = page.locator('[data-del="due"]');
    await due.waitFor();
    const year = String(new Date(Date.now() + 15 * 24 * 3600 * 1000).getFullYear());
    assert.ok((await due.textContent()).includes(year), `due: ${await due.textContent()}`);

    // The state is the server's: reopening the screen shows it again.
    await go(page, "/me");
    await page.click('[data-entry="delete-account"]');
    await due.waitFor();

    await page.click('[data-action="cancel-delete"]');
    await f.waitFor();
    expectNoErrors(page);
  });
});
