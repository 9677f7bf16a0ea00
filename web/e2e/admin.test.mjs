// The administrator console at /admin: the first sign-in with a one-time
// password and TOTP enrolment (QR), the reports queue with the reported
// content, a ban from a report that signs the user out, a dismissal, the
// audit log; a viewer on a phone in Chinese who can read but not act.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { PHONE_DEVICE } from "./people.mjs";
import { user, Client } from "./protocol.mjs";
import { newPage } from "./ui.mjs";

const skip = skipReason();

// totp is RFC 6238's code of a base32 secret now (SHA-1, 6 digits, 30 s).
function totp(secret, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(at / 30000)));
  const mac = createHmac("sha1", key).update(msg).digest();
  const off = mac[19] & 0xf;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1e6).padStart(6, "0");
}

// createAdmin runs `hongyan admin create-admin` on the running server's data.
function createAdmin(server, name, role) {
  const out = execFileSync(server.bin, ["admin", "--data", server.data, "create-admin", name, "--role", role], { encoding: "utf8" });
  return JSON.parse(out).password;
}

async function shot(page, name) {
  await page.evaluate(() => document.querySelectorAll(".toast").forEach((t) => t.remove()));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SHOTS, name) });
}

// firstSignIn takes an administrator through sign-in and setup.
async function firstSignIn(page, name, password, { newPassword = "a long admin password", signIn = "Sign in", finish = "Finish" } = {}) {
  await page.goto("/admin");
  const form = page.locator('[data-form="admin-sign-in"]');
  await form.locator('input[name="name"]').fill(name);
  await form.locator('input[name="password"]').fill(password);
  await form.getByRole("button", { name: signIn }).click();
  const setup = page.locator('[data-form="admin-setup"]');
  await setup.waitFor();
  assert.ok(await setup.locator("img.admin-qr").evaluate((img) => img.naturalWidth > 0), "the enrolment QR code is drawn");
  const secret = await setup.locator("[data-secret]").getAttribute("data-secret");
  await setup.locator('input[name="new_password"]').fill(newPassword);
  await setup.locator('input[name="code"]').fill(totp(secret));
  await setup.getByRole("button", { name: finish }).click();
  await page.locator('[data-screen="admin-dashboard"]').waitFor();
}

describe("administrator console", { skip }, () => {
  let server, browser, ann, ben, cat;

  before(async () => {
    server = await startServer();
    browser = await launch();
    ann = await user(server.url, "adm_ann", "Ann");
    ben = await user(server.url, "adm_ben", "Ben Spam");
    cat = await user(server.url, "adm_cat", "Cat");
    await ann.body("report", { kind: "user", target: "adm_ben", reason: "sends ads <b>all day</b>" });
    await cat.body("report", { kind: "user", target: "adm_ann", reason: "I clicked by mistake" });
    await cat.body("oaCreate", { org: "City Library", name: "City Library News", kind: 1 });
  });

  after(async () => {
    for (const x of [ann, ben, cat]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("signs a moderator in with TOTP enrolment, bans from a report, dismisses another, and logs it all", async () => {
    const password = createAdmin(server, "mod1", "moderator");
    const page = await newPage(browser, server);
    // A wrong password says so and leaves the form.
    await page.goto("/admin");
    const form = page.locator('[data-form="admin-sign-in"]');
    await form.locator('input[name="name"]').fill("mod1");
    await form.locator('input[name="password"]').fill("not the password");
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".toast.error").waitFor();
    await firstSignIn(page, "mod1", password);
    // The dashboard: three users and the built-in bots' accounts (the
    // Group Assistant and the Group Guard), today's two reports, as tiles
    // and charts.
    await page.locator('[data-tile="users"] strong', { hasText: "5" }).waitFor();
    assert.equal(await page.locator('[data-tile="open-reports"] strong').innerText(), "2");
    assert.match(await page.locator('[data-chart="reports"] svg').getAttribute("aria-label"), /, 2$/);
    await shot(page, "desktop-en-admin-dashboard.png");
    await page.locator('[data-tab="reports"]').click();

    const report = page.locator("[data-report]", { hasText: "adm_ben" });
    await report.waitFor();
    assert.match(await report.innerText(), /sends ads <b>all day<\/b>/, "the reason is shown as text");
    assert.match(await report.locator("[data-snapshot]").innerText(), /account adm_ben/);
    await shot(page, "desktop-en-admin-reports.png");

    await report.locator('[data-action="penalize"]').click();
    const dialog = page.locator('[role="dialog"]');
    await dialog.locator('select[name="kind"]').selectOption("ban");
    await dialog.locator('input[name="for"]').fill("3d");
    await dialog.locator('input[name="reason"]').fill("advertising");
    await dialog.locator('button[type="submit"]').click();
    await page.locator(".toast", { hasText: "Done." }).waitFor();
    await report.waitFor({ state: "detached" });
    // Ben is signed out and may not sign in.
    await new Promise((r) => (ben.ws.readyState === 3 ? r() : ben.ws.once("close", r)));
    const c = await Client.open(server.url);
    await assert.rejects(c.body("login", { login: "adm_ben", password: "a long password 1", deviceName: "x" }), /permission_denied/);
    c.close();

    const other = page.locator("[data-report]", { hasText: "adm_ann" });
    await other.locator('[data-action="dismiss"]').click();
    await page.locator('[role="dialog"] input[name="reason"]').fill("no reason to act");
    await page.locator('[role="dialog"] button[type="submit"]').click();
    await other.waitFor({ state: "detached" });
    await page.locator(".admin-list .empty").waitFor();

    await page.locator('[data-tab="penalties"]').click();
    await page.locator("[data-penalty]", { hasText: "Ban" }).waitFor();
    await page.locator('[data-tab="audit"]').click();
    for (const action of ["penalty.add", "report.action", "report.dismiss", "admin.setup"]) {
      await page.locator(`[data-audit="${action}"]`).first().waitFor();
    }
    await shot(page, "desktop-en-admin-audit.png");
    await page.locator('[data-tab="users"]').click();
    await page.locator('input[name="q"]').fill("adm_ben");
    await page.locator('[data-form="admin-user-search"] button[type="submit"]').click();
    await page.locator("[data-user] [data-penalty]").waitFor();
    // The verification badge of an official account.
    await page.locator('[data-tab="oa"]').click();
    await page.locator('[data-form="admin-oa-search"] input[name="q"]').fill("library");
    await page.locator('[data-form="admin-oa-search"] button[type="submit"]').click();
    const oa = page.locator("[data-oa]", { hasText: "City Library News" });
    await oa.locator('[data-action="verify"]').click();
    await oa.locator("[data-verified]").waitFor();
    // A moderator does not manage administrators.
    await page.locator('[data-tab="admins"]').click();
    await page.locator('[data-admin="mod1"]').waitFor();
    assert.equal(await page.locator('[data-action="new-admin"]').count(), 0);
    assert.equal(page.errors.length, 0, page.errors.join("\n"));
    await page.context().close();
  });

  it("lets a viewer on a phone read in Chinese but not act", async () => {
    const password = createAdmin(server, "view1", "viewer");
    const page = await newPage(browser, server, { ...PHONE_DEVICE, locale: "zh-CN" });
    await firstSignIn(page, "view1", password, { signIn: "登录", finish: "完成" });
    await page.locator('[data-tile="users"]', { hasText: "用户数" }).waitFor();
    await page.locator('[data-tab="reports"]', { hasText: "举报" }).click();
    await page.locator('select[name="state"]').selectOption("actioned");
    const r = page.locator("[data-report]", { hasText: "adm_ben" });
    await r.waitFor();
    assert.equal(await r.locator("[data-action]").count(), 0, "a viewer has no actions");
    await shot(page, "phone-zh-admin-reports.png");
    // The API refuses a viewer's change even if the page offered it.
    const status = await page.evaluate(async () => {
      const me = await (await fetch("/admin/api/me")).json();
      const r = await fetch("/admin/api/penalties", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf },
        body: JSON.stringify({ user: "adm_cat", kind: "ban", for: "1h", reason: "x" }),
      });
      return r.status;
    });
    assert.equal(status, 403);
    await page.locator('[data-tab="groups"]').click();
    await page.locator('[data-form="admin-group-search"] input[name="q"]').fill("999999");
    await page.locator('[data-form="admin-group-search"] button[type="submit"]').click();
    await page.getByText("没有这个群。").waitFor();
    await page.locator('[data-action="sign-out"]').click();
    await page.locator('[data-form="admin-sign-in"]').waitFor();
    assert.equal(page.errors.length, 0, page.errors.join("\n"));
    await page.context().close();
  });
});
