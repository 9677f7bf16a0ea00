// Address books in the browser: back up a vCard from the phone-contacts
// screen and find the friends in it who may be found by phone (desktop,
// English); a group's shared address book from the group's info, with
// one's own entry, another member's, the history and the empty state (a
// phone, Chinese). Screenshots of both screens go to docs/screenshots.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { device, friends } from "./people.mjs";
import { Client, user } from "./protocol.mjs";
import { expectNoErrors, go } from "./ui.mjs";
import { axe } from "./axe.mjs";

const skip = skipReason();

// shot writes a screenshot without the toasts of earlier steps.
async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => document.querySelectorAll(".toast").forEach((t) => t.remove()));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SHOTS, name) });
}

// phoneUser registers a user with a verified phone number: the node's
// default sender writes the code to its log.
async function phoneUser(server, accountId, nickname, phone) {
  const c = await Client.open(server.url);
  await c.call("verifyContact", { channel: "phone", to: phone });
  const re = new RegExp(`to=${phone.replace("+", "\\+")} body="Your Hongyan verification code is (\\d{6})`);
  let code;
  for (let i = 0; i < 100 && !code; i++) {
    code = re.exec(server.log())?.[1];
    if (!code) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(code, `a verification code for ${phone} in the log`);
  const s = await c.body("register", { accountId, password: "a long password 1", nickname, phone, phoneCode: code, deviceName: "e2e seeder" });
  await c.call("hello", { token: s.token });
  c.session = s;
  return c;
}

describe("address books", { skip }, () => {
  let server, browser, me, mom, lin;

  before(async () => {
    server = await startServer();
    browser = await launch();
    me = await user(server.url, "abk_owner", "Owner");
    mom = await phoneUser(server, "abk_mom", "小明妈妈", "+8613800000201");
    lin = await phoneUser(server, "abk_lin", "Lin", "13800000202");
    await friends(mom, me);
  });

  after(async () => {
    for (const c of [me, mom, lin]) c?.close();
    await browser?.close();
    await server?.stop();
  });

  it("backs up a vCard and finds the contacts who are here", async () => {
    const page = await device(browser, server, "abk_owner");
    await go(page, "/contacts");
    await page.locator('[data-entry="phonebook"]').click();
    await page.locator('[data-screen="phonebook"] .empty', { hasText: "No backups yet" }).waitFor();
    const card = (n, tel) => `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:${n}\r\nTEL;TYPE=CELL:${tel}\r\nEND:VCARD\r\n`;
    await page.locator('[data-input="ab-file"]').setInputFiles({
      name: "contacts.vcf",
      mimeType: "text/vcard",
      buffer: Buffer.from(card("Mum of Ming", "+86 138 0000 0201") + card("Teacher Lin", "+86 138-0000-0202") + card("Nobody", "13800000299")),
    });
    const v = page.locator('[data-screen="phonebook"] [data-version="1"]');
    await v.waitFor();
    assert.match(await v.textContent(), /3 contacts/);
    await page.locator('[data-action="ab-match"]').click();
    await page.locator('[data-match="Teacher Lin"]').waitFor();
    await page.locator('[data-match="Mum of Ming"]').waitFor();
    assert.equal(await page.locator("[data-match]").count(), 2, "only the two who are here");
    assert.match(await page.locator('[data-match="Mum of Ming"]').textContent(), /Contact/, "a friend already is shown as a contact");
    assert.match(await page.locator('[data-match="Teacher Lin"]').textContent(), /\+86 138-0000-0202/, "a match shows the number as the contact has it");
    await shot(page, "desktop-en-phonebook.png");
    assert.deepEqual(await axe(page, "en desktop phone contacts", '[data-screen="phonebook"]'), []);
    // Restoring downloads the version as a vCard.
    await v.click();
    const [dl] = await Promise.all([page.waitForEvent("download"), page.locator(".sheet button", { hasText: "Restore" }).click()]);
    assert.equal(dl.suggestedFilename(), "contacts-v1.vcf");
    expectNoErrors(page);
    await page.close();
  });

  it("keeps a group's shared address book on a phone, in Chinese", async () => {
    await friends(lin, me);
    const g = await me.body("createGroup", { name: "三年二班家长", members: [mom.session.user, lin.session.user] });
    const page = await device(browser, server, "abk_owner", { phone: true, locale: "zh-CN" });
    await go(page, `/chat/g/${g.id}/info`);
    await page.locator('[data-action="group-book"]').click();
    await page.locator('[data-screen="group-book"] .empty', { hasText: "还没有人填写" }).waitFor();
    await page.locator('[data-action="gb-mine"]').click();
    await page.locator('.dialog-form input[name="name"]').fill("王老师");
    await page.locator('.dialog-form input[name="phone"]').fill("13900000001");
    await page.locator('.dialog-form input[name="role"]').fill("班主任");
    await page.locator(".dialog-form .btn.primary").click();
    await page.locator('[data-entry="王老师"]').waitFor();
    // Another member's entry appears for everyone.
    await mom.body("groupBookSet", { group: g.id, mine: true, name: "小明妈妈", phone: "13800000201", role: "家长" });
    await go(page, `/chat/g/${g.id}/book`);
    await page.locator('[data-entry="小明妈妈"]').waitFor();
    assert.equal(await page.locator("[data-entry]").count(), 2);
    await shot(page, "phone-zh-group-book.png");
    assert.deepEqual(await axe(page, "zh phone group address book", '[data-screen="group-book"]'), []);
    await page.locator('[data-action="gb-history"]').click();
    const hist = page.locator('[data-dialog="gb-history"]');
    await hist.waitFor();
    assert.match(await hist.textContent(), /添加了 小明妈妈/);
    expectNoErrors(page);
    await page.close();
  });
});
