// The wallet in the browser against the real binary: top-up with its
// progress, the payment password (set, a wrong one refused, locked after
// five), a transfer in a 1:1 chat accepted
// on the other side with both balances right and a second tab following
// live, too little money said in plain words, and a lucky red packet in a
// group grabbed by two members until it is finished, with who got how
// much and the best-luck marker. Screenshots of the wallet, the transfer
// card and the red packet go to docs/screenshots.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { launch, startServer, skipReason, SHOTS } from "./harness.mjs";
import { people, device } from "./people.mjs";
import { go, PASSWORD } from "./ui.mjs";
import { axe } from "./axe.mjs";

const skip = skipReason();
const PIN = "135790";

// balanceOf reads the balance the wallet screen shows.
async function balanceOf(page) {
  return (await page.locator('[data-screen="wallet"] [data-balance]').textContent()).trim();
}

async function waitBalance(page, want) {
  await page.locator('[data-screen="wallet"] [data-balance]', { hasText: want }).waitFor();
  assert.equal(await balanceOf(page), want);
}

// shot writes a screenshot without the toasts of earlier steps.
async function shot(page, name) {
  await page.evaluate(() => document.querySelectorAll(".toast").forEach((t) => t.remove()));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SHOTS, name) });
}

async function openWallet(page) {
  await go(page, "/me");
  await page.click('[data-entry="wallet"]');
  await page.locator('[data-screen="wallet"] [data-ledger]').waitFor();
}

async function topUp(page, amount) {
  await page.click('[data-screen="wallet"] [data-action="topup"]');
  await page.locator('.money-form [data-field="amount"] input').fill(amount);
  await page.click('.money-form [data-action="submit"]');
}

// enterPin types the six digits on the pad's keys.
async function enterPin(page, pin) {
  const pad = page.locator("[data-pay]").last();
  for (const d of pin) await pad.locator(`[data-key="${d}"]`).click();
}

async function setPin(page, pin) {
  await page.click('[data-screen="wallet"] [data-action="pin"]');
  await page.locator(".sheet-item", { hasText: /Set payment password|设置支付密码/ }).click();
  await enterPin(page, pin);
  await page.locator("[data-pay] .hint", { hasText: /again|再次/ }).waitFor();
  await enterPin(page, pin);
  const code = (await page.locator("[data-recovery-code]").textContent()).trim();
  assert.match(code, /^[A-Z2-9]{16}$/);
  await page.locator('[data-screen="recovery-code"] .btn.primary').click();
}

async function openChatWith(page, path) {
  await go(page, path);
  await page.waitForSelector('[data-screen="chat"] .composer-input');
}

async function attach(page, what) {
  await page.click('[data-screen="chat"] .attach-btn');
  await page.click(`[data-attach="${what}"]`);
}

describe("wallet", { skip }, () => {
  let server, browser, alice, bob, carol, group;

  before(async () => {
    // The sandbox provider takes a moment, so that the progress shows.
    server = await startServer({ env: { HONGYAN_WALLET_SANDBOX_DELAY: "700ms", HONGYAN_WALLET_TEST_CLOCK: "true" } });
    [alice, bob, carol] = await people(server.url, [
      ["walice", "Alice"],
      ["wbob01", "Bob"],
      ["wcarol", "Carol"],
    ]);
    group = (await alice.body("createGroup", { name: "Spring Festival", members: [bob.session.user, carol.session.user] })).id;
    browser = await launch();
  });

  after(async () => {
    for (const c of [alice, bob, carol]) c?.close();
    await browser?.close();
    await server?.stop();
  });

  it("tops up, sets the payment password, and a transfer is accepted on the other side", async () => {
    const a = await device(browser, server, "walice");
    const a2 = await device(browser, server, "walice");
    const b = await device(browser, server, "wbob01", { phone: true, locale: "zh-CN" });
    const problems = [];

    await openWallet(a);
    await a.locator('[data-screen="wallet"] .empty').waitFor();
    await waitBalance(a, "¥0.00");
    await openWallet(a2);

    await topUp(a, "100");
    await a.locator('[data-wallet-status].busy', { hasText: "Topping up ¥100.00" }).waitFor();
    assert.equal(await a.locator('[data-screen="wallet"] [data-action="topup"]').isDisabled(), true, "top-up button while the provider works");
    await waitBalance(a, "¥100.00");
    await a.locator('[data-ledger] [data-kind="1"]', { hasText: "+¥100.00" }).waitFor();
    // The other tab follows through the change log.
    await waitBalance(a2, "¥100.00");
    await setPin(a, PIN);

    // A wrong password is refused and says so; the right one pays.
    await openChatWith(a, `/chat/u/${bob.session.user}`);
    await attach(a, "transfer");
    await a.locator('.money-form [data-field="amount"] input').fill("12.34");
    await a.locator('.money-form [data-field="note"] input').fill("lunch");
    await a.click('.money-form [data-action="submit"]');
    assert.equal((await a.locator("[data-pay-amount]").textContent()).trim(), "¥12.34");
    problems.push(...(await axe(a, "pay pad")));
    await enterPin(a, "000000");
    await a.locator("[data-pay-status].error", { hasText: "Wrong payment password" }).waitFor();
    await enterPin(a, PIN);
    const aCard = a.locator(`[data-screen="chat"] .money-card.transfer`).last();
    await aCard.waitFor();
    await a.locator('[data-screen="chat"] .money-card.transfer[data-state="pending"]').waitFor();
    assert.match(await aCard.textContent(), /¥12\.34/);
    await waitBalance(a2, "¥87.66");

    // Bob sees the card, opens it and accepts.
    await openChatWith(b, `/chat/u/${alice.session.user}`);
    const bCard = b.locator('[data-screen="chat"] .money-card.transfer[data-state="pending"]');
    await bCard.waitFor();
    await shot(b, "phone-zh-transfer.png");
    await bCard.click();
    await b.locator('[data-screen="transfer-detail"] [data-action="accept"]').waitFor();
    problems.push(...(await axe(b, "transfer detail")));
    await b.locator('[data-screen="transfer-detail"] [data-action="accept"]').click();
    await b.locator('[data-screen="transfer-detail"][data-state="accepted"]').waitFor();
    await b.keyboard.press("Escape");
    await b.locator('[data-screen="chat"] .money-card.transfer[data-state="accepted"]').waitFor();
    // Alice's card turns without a reload.
    await a.locator('[data-screen="chat"] .money-card.transfer[data-state="accepted"]').waitFor();
    await shot(a, "desktop-en-transfer.png");

    await openWallet(b);
    await waitBalance(b, "¥12.34");
    await b.locator('[data-ledger] [data-kind="5"]', { hasText: "+¥12.34" }).waitFor();
    await waitBalance(a2, "¥87.66");
    await a2.locator('[data-ledger] [data-kind="4"]', { hasText: "-¥12.34" }).waitFor();
    await shot(a2, "desktop-en-wallet.png");
    await shot(b, "phone-zh-wallet.png");
    problems.push(...(await axe(a2, "wallet")), ...(await axe(b, "phone zh wallet")));

    // The ledger entry opens its details, and from there the transfer.
    await a2.click('[data-ledger] [data-kind="4"]');
    await a2.locator('[data-screen="movement"]', { hasText: "Bob" }).waitFor();
    await a2.click('[data-screen="movement"] [data-action="show-transfer"]');
    await a2.locator('[data-screen="transfer-detail"][data-state="accepted"]').waitFor();

    assert.deepEqual(problems, [], "accessibility");
    for (const p of [a, a2, b]) assert.deepEqual(p.errors, []);
    for (const p of [a, a2, b]) await p.context().close();
  });

  it("says so when the balance is too low; a returned transfer and a 1:1 red packet", async () => {
    const a = await device(browser, server, "walice");
    await openChatWith(a, `/chat/u/${carol.session.user}`);
    await attach(a, "transfer");
    await a.locator('.money-form [data-field="amount"] input').fill("1000");
    await a.click('.money-form [data-action="submit"]');
    await enterPin(a, PIN);
    await a.locator("[data-pay-status].error", { hasText: "Your balance is too low." }).waitFor();
    await a.keyboard.press("Escape");
    // An amount that is not money is refused before anything is sent.
    await attach(a, "transfer");
    await a.locator('.money-form [data-field="amount"] input').fill("1.234");
    await a.click('.money-form [data-action="submit"]');
    await a.locator("[data-form-error]", { hasText: "at most two decimals" }).waitFor();
    await a.keyboard.press("Escape");

    // A transfer the receiver returns: both cards say so, and the money
    // is back.
    const c = await device(browser, server, "wcarol", { phone: true });
    await attach(a, "transfer");
    await a.locator('.money-form [data-field="amount"] input').fill("5");
    await a.click('.money-form [data-action="submit"]');
    await enterPin(a, PIN);
    await a.locator('[data-screen="chat"] .money-card.transfer[data-state="pending"]').waitFor();
    await openChatWith(c, `/chat/u/${alice.session.user}`);
    await c.locator('[data-screen="chat"] .money-card.transfer[data-state="pending"]').click();
    await c.click('[data-screen="transfer-detail"] [data-action="return"]');
    await c.locator('[data-screen="transfer-detail"][data-state="returned"]').waitFor();
    await c.keyboard.press("Escape");
    await a.locator('[data-screen="chat"] .money-card.transfer[data-state="returned"]').waitFor();

    // A red packet in a 1:1 chat: one share, opened by the friend.
    await attach(a, "red-packet");
    await a.locator('.money-form [data-field="amount"] input').fill("2");
    await a.locator('.money-form [data-field="greeting"] input').fill("For your birthday");
    await a.click('.money-form [data-action="submit"]');
    await enterPin(a, PIN);
    await a.locator('[data-screen="chat"] .money-card.packet[data-state="open"]', { hasText: "For your birthday" }).waitFor();
    await c.locator('[data-screen="chat"] .money-card.packet', { hasText: "For your birthday" }).click();
    await c.click('[data-screen="packet-open"] [data-action="open-packet"]');
    await c.locator("[data-my-share]", { hasText: "¥2.00" }).waitFor();
    await c.keyboard.press("Escape");
    await a.locator('[data-screen="chat"] .money-card.packet[data-state="finished"]', { hasText: "Opened" }).waitFor();

    await openWallet(a);
    await waitBalance(a, "¥85.66");
    await a.locator('[data-ledger] [data-kind="6"]', { hasText: "+¥5.00" }).waitFor();
    await a.locator('[data-ledger] [data-kind="8"]', { hasText: "-¥2.00" }).waitFor();
    for (const p of [a, c]) assert.deepEqual(p.errors, []);
    await c.context().close();
    await a.context().close();
  });

  it("sends a lucky red packet into a group that two members grab until it is finished", async () => {
    const a = await device(browser, server, "walice");
    const b = await device(browser, server, "wbob01");
    const c = await device(browser, server, "wcarol", { phone: true, locale: "zh-CN" });
    const problems = [];

    await openChatWith(a, `/chat/g/${group}`);
    // Equal shares: the amount is each one's, the total follows.
    await attach(a, "red-packet");
    const form = a.locator(".money-form");
    await form.locator('[data-field="type"] select').selectOption("normal");
    await form.locator('[data-field="count"] input').fill("2");
    await form.locator('[data-field="amount"] input').fill("0.5");
    assert.equal((await form.locator("[data-form-total]").textContent()).trim(), "¥1.00");
    // No more shares than the group has members.
    await form.locator('[data-field="count"] input').fill("4");
    await form.locator('[data-action="submit"]').click();
    await form.locator("[data-form-error]", { hasText: "between 1 and 3" }).waitFor();
    await a.keyboard.press("Escape");

    await attach(a, "red-packet");
    await form.locator('[data-field="type"] select').selectOption("lucky");
    await form.locator('[data-field="count"] input').fill("2");
    await form.locator('[data-field="amount"] input').fill("3");
    await form.locator('[data-field="greeting"] input').fill("Happy New Year");
    assert.equal((await form.locator("[data-form-total]").textContent()).trim(), "¥3.00");
    await form.locator('[data-action="submit"]').click();
    await enterPin(a, PIN);
    const aCard = a.locator('[data-screen="chat"] .money-card.packet[data-state="open"]');
    await aCard.waitFor();

    // Bob opens his share.
    await openChatWith(b, `/chat/g/${group}`);
    await b.locator('[data-screen="chat"] .money-card.packet', { hasText: "Happy New Year" }).click();
    await b.click('[data-screen="packet-open"] [data-action="open-packet"]');
    await b.locator('[data-screen="packet-detail"] [data-my-share]').waitFor();
    const bobShare = (await b.locator("[data-my-share]").textContent()).trim();
    await b.keyboard.press("Escape");
    await b.locator('[data-screen="chat"] .money-card.packet[data-state="grabbed"]').waitFor();

    // Carol takes the rest: the packet is finished.
    await openChatWith(c, `/chat/g/${group}`);
    await c.locator('[data-screen="chat"] .money-card.packet').click();
    await c.click('[data-screen="packet-open"] [data-action="open-packet"]');
    await c.locator('[data-screen="packet-detail"][data-state="grabbed"]').waitFor();
    const carolShare = (await c.locator("[data-my-share]").textContent()).trim();
    const fen = (s) => Number(s.replace(/[¥.]/g, ""));
    assert.equal(fen(bobShare) + fen(carolShare), 300, `shares ${bobShare} + ${carolShare}, want ¥3.00`);
    await c.locator("[data-packet-line]", { hasText: "已被抢光" }).waitFor();
    assert.equal(await c.locator("[data-grab]").count(), 2);
    assert.equal(await c.locator("[data-luckiest]").count(), 1);
    await shot(c, "phone-zh-red-packet.png");
    problems.push(...(await axe(c, "phone zh red packet")));
    await c.keyboard.press("Escape");

    // The sender's card is finished without a reload, and the detail lists
    // who got how much.
    await a.locator('[data-screen="chat"] .money-card.packet[data-state="finished"]').waitFor();
    await a.locator('[data-screen="chat"] .money-card.packet').click();
    await a.locator('[data-screen="packet-detail"][data-state="finished"]').waitFor();
    assert.equal(await a.locator("[data-grab]").count(), 2);
    await a.locator('[data-screen="packet-detail"] [data-luckiest] .pk-best', { hasText: "Best luck" }).waitFor();
    await shot(a, "desktop-en-red-packet.png");
    problems.push(...(await axe(a, "red packet detail")));
    await a.keyboard.press("Escape");

    // A late member finds it taken; the ledgers show the movements.
    await b.locator('[data-screen="chat"] .money-card.packet').click();
    await b.locator('[data-screen="packet-detail"][data-state="grabbed"]').waitFor();
    await b.keyboard.press("Escape");
    await openWallet(b);
    await b.locator('[data-ledger] [data-kind="9"]', { hasText: `+${bobShare}` }).waitFor();
    await openWallet(a);
    await a.locator('[data-ledger] [data-kind="8"]', { hasText: "-¥3.00" }).waitFor();
    await waitBalance(a, "¥82.66");

    assert.deepEqual(problems, [], "accessibility");
    for (const p of [a, b, c]) assert.deepEqual(p.errors, []);
    for (const p of [a, b, c]) await p.context().close();
  });

  it("locks payments after five wrong payment passwords and says until when", async () => {
    await carol.body("walletTopup", { amount: 500n, key: "e2e-carol-topup" });
    await carol.body("walletSetPin", { pin: "246802" });
    // In the dark scheme, which the accessibility checks cover too.
    const c = await device(browser, server, "wcarol", { colorScheme: "dark" });
    const problems = [];
    await openWallet(c);
    await c.locator('[data-ledger] [data-kind="1"]', { hasText: "+¥5.00" }).waitFor();
    problems.push(...(await axe(c, "dark wallet")));
    await openChatWith(c, `/chat/u/${alice.session.user}`);
    await attach(c, "transfer");
    await c.locator('.money-form [data-field="amount"] input').fill("1");
    await c.click('.money-form [data-action="submit"]');
    for (let i = 0; i < 5; i++) {
      await enterPin(c, "111111");
      await c.locator(`[data-pay][data-tries="${i + 1}"] [data-pay-status].error`, { hasText: "Wrong payment password" }).waitFor();
      if (i === 0) problems.push(...(await axe(c, "dark pay pad with an error")));
      assert.equal(await c.locator("[data-pay] .pin-dot.on").count(), 0, "the next try starts from an empty pad");
    }
    // Locked now: even the right password is refused, with the time.
    await enterPin(c, "246802");
    await c.locator('[data-pay][data-tries="6"] [data-pay-status].error', { hasText: "payments are locked until" }).waitFor();
    assert.deepEqual(problems, [], "accessibility");
    assert.deepEqual(c.errors, []);
    await c.context().close();
  });

  it("changes the payment password, resets a forgotten one with the recovery code, and pays with the new one", async () => {
    const first = await bob.body("walletSetPin", { pin: "102030" });
    const b = await device(browser, server, "wbob01", { phone: true });
    await openWallet(b);
    // Change: the current one, then the new one twice.
    await b.click('[data-screen="wallet"] [data-action="pin"]');
    await b.locator(".sheet-item", { hasText: "Change payment password" }).click();
    await enterPin(b, "102030");
    await b.locator("[data-pay] .hint", { hasText: "Choose six digits" }).waitFor();
    await enterPin(b, "405060");
    await b.locator("[data-pay] .hint", { hasText: "again" }).waitFor();
    // Two different ones are refused in the pad.
    await enterPin(b, "111111");
    await b.locator("[data-pay-status].error", { hasText: "differ" }).waitFor();
    await enterPin(b, "405060");
    await b.locator(".toast", { hasText: "Payment password changed." }).waitFor();
    // Forgotten: the account password, the recovery code and a new one. A
    // wrong account password is refused first.
    await b.click('[data-screen="wallet"] [data-action="pin"]');
    await b.locator(".sheet-item", { hasText: "Forgot payment password" }).click();
    await b.locator('.money-form [data-field="password"] input').fill("not the password");
    await b.locator('.money-form [data-field="code"] input').fill(first.recoveryCode);
    await b.click('.money-form [data-action="submit"]');
    await enterPin(b, "708090");
    await enterPin(b, "708090");
    await b.locator("[data-pay-status].error", { hasText: "Wrong account password" }).waitFor();
    await b.locator("[data-pay] .btn.wide", { hasText: "Cancel" }).click();
    await b.locator("[data-pay]").waitFor({ state: "detached" });
    await b.click('[data-screen="wallet"] [data-action="pin"]');
    await b.locator(".sheet-item", { hasText: "Forgot payment password" }).click();
    await b.locator('.money-form [data-field="password"] input').fill(PASSWORD);
    await b.locator('.money-form [data-field="code"] input').fill(first.recoveryCode);
    await b.click('.money-form [data-action="submit"]');
    await enterPin(b, "708090");
    await b.locator("[data-pay] .hint", { hasText: "again" }).waitFor();
    await enterPin(b, "708090");
    const code = (await b.locator("[data-recovery-code]").textContent()).trim();
    assert.match(code, /^[A-Z2-9]{16}$/);
    assert.notEqual(code, first.recoveryCode);
    await b.locator('[data-screen="recovery-code"] .btn.primary').click();
    // The new password pays.
    await openChatWith(b, `/chat/u/${alice.session.user}`);
    await attach(b, "transfer");
    await b.locator('.money-form [data-field="amount"] input').fill("1");
    await b.click('.money-form [data-action="submit"]');
    await enterPin(b, "708090");
    const card = b.locator('[data-screen="chat"] .money-card.transfer[data-state="pending"]', { hasText: "¥1.00" });
    await card.waitFor();
    // Alice takes it (through the protocol), and Bob's card follows.
    await alice.body("transferAccept", { transfer: BigInt(await card.getAttribute("data-transfer")) });
    await b.locator('[data-screen="chat"] .money-card.transfer[data-state="accepted"]', { hasText: "¥1.00" }).waitFor();
    assert.deepEqual(b.errors, []);
    await b.context().close();
  });

  it("shows what is left of a red packet refunded after 24 hours, in its card and the ledger", { timeout: 180000 }, async () => {
    const a = await device(browser, server, "walice");
    await openChatWith(a, `/chat/g/${group}`);
    await attach(a, "red-packet");
    const form = a.locator(".money-form");
    await form.locator('[data-field="type"] select').selectOption("normal");
    await form.locator('[data-field="count"] input').fill("2");
    await form.locator('[data-field="amount"] input').fill("1");
    await form.locator('[data-field="greeting"] input').fill("Left over");
    await form.locator('[data-action="submit"]').click();
    await enterPin(a, PIN);
    await a.locator('[data-screen="chat"] .money-card.packet[data-state="open"]', { hasText: "Left over" }).waitFor();
    const packet = (await a.locator('[data-screen="chat"] .money-card.packet', { hasText: "Left over" }).getAttribute("data-packet")).trim();
    const grabbed = await bob.body("redPacketGrab", { packet: BigInt(packet) });
    assert.equal(grabbed.amount, 100n);

    // As if 24 hours had passed (the node's test clock, while it is
    // stopped); the page catches up when the node is back. (Only a red
    // packet is left unanswered here: expire-now does not yet refund a
    // pending transfer.)
    await server.kill();
    const out = execFileSync(server.bin, ["admin", "--data", server.data, "expire-now"], { env: { ...process.env, HONGYAN_WALLET_TEST_CLOCK: "true" }, encoding: "utf8" });
    assert.deepEqual(JSON.parse(out), { refunded: 1 });
    await server.restart();

    await a.locator('[data-screen="chat"] .money-card.packet[data-state="expired"]', { hasText: "Left over" }).waitFor({ timeout: 30000 });
    await a.locator('[data-screen="chat"] .money-card.packet', { hasText: "Left over" }).click();
    await a.locator('[data-screen="packet-detail"][data-state="expired"] [data-packet-line]', { hasText: "¥1.00 went back to the sender" }).waitFor();
    await a.keyboard.press("Escape");
    await openWallet(a);
    await a.locator('[data-ledger] [data-kind="10"]', { hasText: "+¥1.00" }).waitFor();
    assert.deepEqual(a.errors, []);
    await a.context().close();
  });
});
