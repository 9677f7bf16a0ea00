// Signing in again right after signing out, server errors in the user's
// language, and changing the password with a confirmation.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { device } from "./people.mjs";
import { PASSWORD, expectNoErrors, go, newPage } from "./ui.mjs";

const skip = skipReason();

describe("accounts", { skip }, () => {
  let server, browser, a;

  before(async () => {
    server = await startServer();
    browser = await launch();
    a = await user(server.url, "acct_alice", "Alice");
  });

  after(async () => {
    a?.close();
    await browser?.close();
    await server?.stop();
  });

  it("signs in again at once after signing out", async () => {
    const page = await device(browser, server, "acct_alice");
    for (let round = 0; round < 3; round++) {
      await go(page, "/me");
      await page.click('[data-action="sign-out"]');
      await page.locator(".modal .btn.danger").click();
      const f = page.locator('[data-form="login"]');
      await f.waitFor();
      await f.locator('input[name="login"]').fill("acct_alice");
      await f.locator('input[name="password"]').fill(PASSWORD);
      await f.locator('button[type="submit"]').click();
      await page.waitForSelector('[data-screen="app"]', { timeout: 8000 });
    }
    expectNoErrors(page);
  });

  it("shows server errors in Chinese by their code and reason", async () => {
    const page = await newPage(browser, server, { locale: "zh-CN" });
    await page.goto("/");
    const f = page.locator('[data-form="login"]');
    await f.locator('input[name="login"]').fill("acct_alice");
    await f.locator('input[name="password"]').fill("not the password");
    await f.locator('button[type="submit"]').click();
    await page.locator(".form-error", { hasText: "账号或密码错误" }).waitFor();
    await page.click('[data-tab="register"]');
    const r = page.locator('[data-form="register"]');
    await r.locator('input[name="account_id"]').fill("acct_alice");
    await r.locator('input[name="nickname"]').fill("Another");
    await r.locator('input[name="password"]').fill(PASSWORD);
    await r.locator('button[type="submit"]').click();
    await page.locator(".form-error", { hasText: "该账号已被注册" }).waitFor();
    await r.locator('input[name="account_id"]').fill("acct_bob_zh");
    // A phone is bound only with the code sent to it.
    await r.locator('input[name="phone"]').fill("+8613700000009");
    await r.locator('button[type="submit"]').click();
    await page.locator(".form-error", { hasText: "请先发送验证码并填写" }).waitFor();
    await r.locator('input[name="phone"]').fill("");
    await r.locator('button[type="submit"]').click();
    await page.waitForSelector('[data-screen="app"]');
    await go(page, "/contacts/add");
    await page.locator('[data-form="add"] input[name="query"]').fill("nobody_here");
    await page.locator('[data-form="add"] button[type="submit"]').click();
    await page.locator(".search-result", { hasText: "没有找到该用户" }).waitFor();
    const text = await page.evaluate(() => document.body.innerText);
    for (const raw of ["wrong account or password", "already taken", "no user found"]) assert.ok(!text.includes(raw), `no raw English: ${raw}`);
    expectNoErrors(page);
  });

  it("asks for the new password twice", async () => {
    const page = await device(browser, server, "acct_alice");
    await go(page, "/me/password");
    const f = page.locator('[data-form="password"]');
    await f.locator('input[name="old"]').fill(PASSWORD);
    await f.locator('input[name="new"]').fill("a brand new password");
    await f.locator('input[name="confirm"]').fill("a brand new passw0rd");
    await f.locator('button[type="submit"]').click();
    await f.locator(".form-error", { hasText: "The two new passwords differ" }).waitFor();
    // Nothing changed: the old password still works.
    const c = await user(server.url, "acct_alice", "Alice");
    c.close();
    await f.locator('input[name="confirm"]').fill("a brand new password");
    await f.locator('button[type="submit"]').click();
    await page.locator(".toast", { hasText: "Password changed" }).waitFor();
    const c2 = await user(server.url, "acct_alice", "Alice", "a brand new password");
    await c2.body("changePassword", { oldPassword: "a brand new password", newPassword: PASSWORD });
    c2.close();
  });
});
