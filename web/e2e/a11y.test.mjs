// Accessibility (WCAG 2.2 AA): axe-core over every main screen — signed
// out and in, lists, chats, settings, dialogs — on a desktop and a phone,
// in English and Chinese, light and dark; no serious or critical
// violation may remain. Also: dialogs keep the focus inside and give it
// back where it was, and badges say what they count.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason, DESKTOP, PHONE } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { go, login, newPage } from "./ui.mjs";
import { axe } from "./axe.mjs";

const skip = skipReason();

describe("accessibility", { skip }, () => {
  let server, browser, alice, bob, groupId;
  const clients = [];

  before(async () => {
    server = await startServer();
    browser = await launch();
    alice = await user(server.url, "a11y_alice", "Alice");
    bob = await user(server.url, "a11y_bob", "Bob");
    const carol = await user(server.url, "a11y_carol", "Carol");
    const dave = await user(server.url, "a11y_dave", "Dave");
    const eve = await user(server.url, "a11y_eve", "Eve");
    clients.push(alice, bob, carol, dave, eve);
    for (const f of [bob, carol, dave]) {
      const r = await f.body("friendRequest", { user: alice.session.user, greeting: "hi" });
      if (r.state === 0) await alice.body("answerRequest", { request: r.id, accept: true });
    }
    await eve.body("friendRequest", { user: alice.session.user, greeting: "hello, it's Eve" });
    const me = alice.session.user;
    let n = 0;
    const say = (from, to, text, extra = {}) => from.body("send", { peer: to, clientId: `a11y-${n++}`, text, ...extra });
    const first = await say(bob, me, "Hi Alice, lunch at noon?");
    await say(alice, bob.session.user, "Yes — see you at the canteen 🍜");
    await say(bob, me, "Great", { quote: first.id });
    await say(alice, bob.session.user, "Noon it is", { quote: first.id });
    await say(bob, me, "", { kind: 5, location: { latitude: 39.99, longitude: 116.19, name: "East gate", address: "Haidian" } });
    const oops = await say(alice, bob.session.user, "wrong chat");
    await alice.body("recall", { message: oops.id });
    await alice.body("favoriteAdd", { message: first.id });
    for (let i = 0; i < 3; i++) await say(carol, me, `unread ${i}`);
    const muted = (await alice.body("conversations", {})).conversations.find((c) => c.peer === dave.session.user);
    await say(dave, me, "in a muted chat");
    const dconv = muted?.conversation ?? (await alice.body("conversations", {})).conversations.find((c) => c.peer === dave.session.user).conversation;
    await alice.body("setConversation", { conversation: dconv, muted: true });
    const g = await alice.body("createGroup", { name: "Lunch club", members: [bob.session.user, carol.session.user] });
    groupId = g.id;
    await alice.body("updateGroup", { group: g.id, announcement: "Fridays at noon." });
    await bob.body("send", { group: g.id, clientId: "a11y-g1", text: "@Alice bring the menu", mentions: [me] });
  });

  after(async () => {
    for (const c of clients) c.close();
    await browser?.close();
    await server?.stop();
  });

  // Each screen: a path, and what shows when it is ready.
  const desktopScreens = () => [
    ["chats", "/", ".chat-item"],
    ["chat", `/chat/u/${bob.session.user}`, ".msg-row .text"],
    ["chat info", `/chat/u/${bob.session.user}/info`, '[data-screen="chat-info"] .row'],
    ["group chat", `/chat/g/${groupId}`, ".msg-row .text"],
    ["group info", `/chat/g/${groupId}/info`, '[data-screen="group-info"] [data-member]'],
    ["group members", `/chat/g/${groupId}/members`, "[data-member]"],
    ["contacts", "/contacts", "[data-contact]"],
    ["new friends", "/contacts/new", "[data-request]"],
    ["add friend", "/contacts/add", '[data-form="add"]'],
    ["contact card", `/contacts/${bob.session.user}`, '[data-screen="contact"]'],
    ["groups", "/contacts/groups", '[data-screen="groups"]'],
    ["new group", "/contacts/groups/new", '[data-screen="group-new"]'],
    ["invitations", "/contacts/invitations", '[data-screen="invitations"]'],
    ["discover", "/discover", '[data-entry="search"]'],
    ["search", "/discover/search", '[data-form="search"]'],
    ["favorites", "/discover/favorites", "[data-favorite]"],
    ["broadcast", "/discover/broadcast", '[data-screen="broadcast"]'],
    ["me", "/me", "[data-me]"],
    ["profile", "/me/profile", '[data-screen="profile"] .row'],
    ["my qr", "/me/qr", '[data-screen="myqr"]'],
    ["devices", "/me/devices", "[data-device]"],
    ["privacy", "/me/privacy", '[data-screen="privacy"] input'],
    ["password", "/me/password", '[data-form="password"]'],
    ["language", "/me/language", "[data-lang]"],
    ["notifications", "/me/notifications", '[data-screen="notifications"] input'],
  ];
  const phoneScreens = () => [
    ["chats", "/", ".chat-item"],
    ["chat", `/chat/u/${bob.session.user}`, ".msg-row .text"],
    ["contacts", "/contacts", "[data-contact]"],
    ["discover", "/discover", '[data-entry="search"]'],
    ["me", "/me", "[data-me]"],
  ];

  for (const lang of ["en", "zh"]) {
    for (const scheme of ["light", "dark"]) {
      it(`has no serious or critical violations: ${lang}, ${scheme}`, async () => {
        const problems = [];
        const check = async (page, label) => {
          // Let the list measure its rows and any transition end.
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          problems.push(...(await axe(page, `${lang} ${scheme} ${label}`)));
        };
        const locale = lang === "zh" ? "zh-CN" : "en-US";
        const page = await newPage(browser, server, { viewport: DESKTOP, locale, colorScheme: scheme });
        // Signed out.
        await page.goto("/");
        await page.waitForSelector('[data-form="login"]');
        await check(page, "sign in");
        await page.click('[data-tab="register"]');
        await page.waitForSelector('[data-form="register"]');
        await check(page, "register");
        await page.click('[data-tab="qr"]');
        await page.locator("img.qr-img").waitFor();
        await check(page, "qr login");
        await page.click('[data-tab="login"]');
        await login(page, "a11y_alice");
        // The page follows the system's colour scheme.
        const lum = await page.evaluate(() => {
          const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        });
        assert.ok(scheme === "dark" ? lum < 0.15 : lum > 0.8, `${scheme} scheme: page background luminance ${lum.toFixed(2)}`);
        for (const [label, path, ready] of desktopScreens()) {
          await go(page, path);
          await page.locator(ready).first().waitFor();
          await check(page, `desktop ${label}`);
        }
        // Dialogs: a menu, a confirmation, a form.
        await go(page, "/");
        await page.locator(".chat-item-btn").first().click({ button: "right" });
        await page.locator(".sheet").waitFor();
        await check(page, "desktop chat menu");
        await page.keyboard.press("Escape");
        await go(page, "/me");
        await page.click('[data-action="sign-out"]');
        await page.locator(".modal .dialog-form").waitFor();
        await check(page, "desktop confirm dialog");
        await page.keyboard.press("Escape");
        await go(page, "/me/profile");
        await page.click('[data-action="nickname"]');
        await page.locator(".modal form").waitFor();
        await check(page, "desktop form dialog");
        await page.keyboard.press("Escape");
        assert.deepEqual(page.errors, []);
        await page.context().close();

        const phone = await newPage(browser, server, { viewport: PHONE, locale, colorScheme: scheme });
        await login(phone, "a11y_alice");
        for (const [label, path, ready] of phoneScreens()) {
          await go(phone, path);
          await phone.locator(ready).first().waitFor();
          await check(phone, `phone ${label}`);
        }
        await phone.context().close();
        assert.deepEqual(problems, [], `${problems.length} serious or critical violations:\n${problems.join("\n")}`);
      });
    }
  }

  it("traps the focus in a dialog and gives it back where it was", async () => {
    const page = await newPage(browser, server, { viewport: DESKTOP });
    await login(page, "a11y_alice");
    await page.locator(".chat-item").first().waitFor();
    const opener = page.locator('[data-list="chats"] .bar-actions .icon-btn').first();
    await opener.focus();
    await page.keyboard.press("Enter");
    await page.locator(".sheet").waitFor();
    const inside = () => page.evaluate(() => !!document.activeElement?.closest(".modal"));
    assert.ok(await inside(), "the dialog takes the focus");
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      assert.ok(await inside(), `Tab ${i + 1} leaves the dialog`);
    }
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Shift+Tab");
      assert.ok(await inside(), `Shift+Tab ${i + 1} leaves the dialog`);
    }
    assert.equal(await page.getAttribute(".modal", "aria-modal"), "true");
    await page.keyboard.press("Escape");
    await page.locator(".sheet").waitFor({ state: "detached" });
    assert.ok(await opener.evaluate((el) => el === document.activeElement), "the focus is back on the button that opened the dialog");
    // A dialog closed by choosing an action gives the focus back too.
    await opener.focus();
    await page.keyboard.press("Enter");
    await page.locator(".sheet .sheet-item.cancel").click();
    assert.ok(await opener.evaluate((el) => el === document.activeElement), "the focus is back after Cancel");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it("reads badges with their meaning", async () => {
    for (const [locale, unread, chats] of [["en-US", /3 unread/, /unread/], ["zh-CN", /3 条未读/, /未读/]]) {
      const page = await newPage(browser, server, { viewport: DESKTOP, locale });
      await login(page, "a11y_alice");
      // A chat's unread count, and the muted chat's dot.
      await page.getByRole("button", { name: new RegExp(`^(?=.*Carol)(?=.*${unread.source})`) }).waitFor();
      await page.getByRole("button", { name: new RegExp(`^(?=.*Dave)(?=.*${chats.source})`) }).waitFor();
      // The Chats tab's total and the Contacts tab's new friend request.
      const name = (tab) => page.locator(`[data-tab="${tab}"]`).evaluate((el) => el.textContent);
      await page.locator('[data-tab="chats"] .badge').waitFor();
      assert.match(await name("chats"), new RegExp(unread.source.replace("3", "\\d+")));
      assert.match(await name("contacts"), locale === "en-US" ? /1 new/ : /1 个新/);
      await page.context().close();
    }
  });
});
