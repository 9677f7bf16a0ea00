// Screenshots of the key screens — login, chat list, chat, contacts, Me,
// group info — in the desktop (1280×800) and phone (390×844) layouts, in
// English and Chinese, written to docs/screenshots/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, missing, SHOTS, DESKTOP, PHONE, pngImage } from "./harness.mjs";
import { user, supports } from "./protocol.mjs";
import { go, login, newPage, openChat } from "./ui.mjs";

const skip = skipReason();

describe("screenshots", { skip }, () => {
  let server, browser, groupId, groups, alice, bob;

  before(async () => {
    server = await startServer();
    browser = await launch();
    mkdirSync(SHOTS, { recursive: true });
    // The story behind the pictures, told through the protocol.
    alice = await user(server.url, "lin_xiao", "林晓 Lin");
    bob = await user(server.url, "bob_chen", "Bob 陈");
    const carol = await user(server.url, "carol_wu", "吴佳 Carol");
    for (const [a, b] of [[alice, bob], [alice, carol], [bob, carol]]) {
      const r = await a.body("friendRequest", { user: b.session.user, greeting: "hi" });
      if (r.state === 0) await b.body("answerRequest", { request: r.id, accept: true }).catch(() => b.call("answerRequest", { request: r.id, accept: true }));
    }
    const say = (from, to, text) => from.body("send", { peer: to.session.user, clientId: `shot-${Math.random()}`, text });
    await say(bob, alice, "周末去爬山吗？Hiking this weekend?");
    await say(alice, bob, "好呀！Which trail?");
    await say(bob, alice, "香山 — meet at 8:00 at the east gate 🥾");
    const upload = async (c, kind, name, body, extra = "") => {
      const r = await fetch(`${server.url}/media?kind=${kind}&name=${encodeURIComponent(name)}${extra}`, { method: "POST", body, headers: { Authorization: `Bearer ${c.session.token}` } });
      return r.ok ? (await r.json()).id : undefined;
    };
    const photo = await upload(bob, "image", "trail.png", pngImage(240, 160));
    if (photo) await bob.body("send", { peer: alice.session.user, clientId: "shot-img", kind: 1, media: photo });
    await bob.body("send", { peer: alice.session.user, clientId: "shot-loc", kind: 5, text: "香山公园东门", location: { latitude: 39.9929, longitude: 116.1887, name: "香山公园东门 Fragrant Hills east gate", address: "Haidian, Beijing" } }).catch(() => {});
    await say(alice, bob, "Deal. I'll bring water and snacks 🍎");
    await say(carol, alice, "Did you get the photos from Saturday?");
    await alice.body("setConversation", { conversation: (await alice.body("conversations", {})).conversations.find((c) => c.peer === carol.session.user).conversation, pinned: true });
    groups = await supports(alice, "listGroups", {});
    if (groups) {
      const g = await alice.body("createGroup", { name: "周末徒步 Weekend hikers", members: [bob.session.user, carol.session.user] });
      groupId = g.id;
      await alice.body("updateGroup", { group: g.id, announcement: "集合时间：早上 8 点，东门。Meet 8:00 at the east gate." });
      await bob.body("send", { group: g.id, clientId: "shot-g1", text: "I'll bring the map 🗺️" });
    }
  });

  after(async () => {
    alice?.close();
    bob?.close();
    await browser?.close();
    await server?.stop();
  });

  for (const [layout, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    for (const lang of ["en", "zh"]) {
      it(`${layout} ${lang}`, async (t) => {
        const page = await newPage(browser, server, { viewport, locale: lang === "zh" ? "zh-CN" : "en-US" });
        const shot = async (name) => {
          await page.mouse.move(0, 0);
          await page.screenshot({ path: join(SHOTS, `${layout}-${lang}-${name}.png`) });
        };
        await page.goto("/");
        await page.waitForSelector('[data-form="login"]');
        await shot("login");
        await login(page, "lin_xiao");
        await page.locator('.chat-item[data-title="Bob 陈"]').waitFor();
        await page.waitForTimeout(300);
        await shot("chats");
        await openChat(page, `/chat/u/${bob.session.user}`);
        await page.locator(".msg-row .text", { hasText: "snacks" }).waitFor();
        await page.waitForTimeout(300);
        await shot("chat");
        await go(page, layout === "phone" ? "/contacts" : `/contacts/${bob.session.user}`);
        await page.locator('[data-contact="Bob 陈"]').first().waitFor();
        await shot("contacts");
        await go(page, layout === "phone" ? "/me" : "/me/profile");
        await page.locator("[data-me]").waitFor();
        await shot("me");
        assert.deepEqual(page.errors, []);
        if (!groups) {
          await page.context().close();
          return missing(t, "group info screenshot skipped: server capability missing: groups");
        }
        await go(page, `/chat/g/${groupId}/info`);
        await page.locator('[data-screen="group-info"] [data-member]').first().waitFor();
        await page.waitForTimeout(300);
        await shot("group");
        await page.context().close();
      });
    }
  }
});
