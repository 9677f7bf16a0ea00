// A chat list of many conversations: it is a virtualised list too, so only
// a window of rows is in the DOM, and scrolling reaches the oldest chat.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { login, newPage } from "./ui.mjs";

const skip = skipReason();
const CHATS = Number(process.env.CHATLIST_CHATS || 120);

describe(`a chat list of ${CHATS} chats`, { skip }, () => {
  let server, browser, page, me;
  const friends = [];

  before(async () => {
    server = await startServer();
    browser = await launch();
    me = await user(server.url, "list_owner", "Owner");
    for (let i = 0; i < CHATS; i++) {
      const f = await user(server.url, `list_friend_${String(i).padStart(3, "0")}`, `Friend ${i}`);
      const r = await f.body("friendRequest", { user: me.session.user, greeting: "hi" });
      if (r.state === 0) await me.body("answerRequest", { request: r.id, accept: true });
      await f.body("send", { peer: me.session.user, clientId: `c${i}`, text: `hello from friend ${i}` });
      friends.push(f);
    }
  });

  after(async () => {
    me?.close();
    for (const f of friends) f.close();
    await browser?.close();
    await server?.stop();
  });

  it("keeps only a window of rows in the DOM and scrolls to the oldest chat", async () => {
    page = await newPage(browser, server);
    await login(page, "list_owner");
    const newest = `Friend ${CHATS - 1}`;
    await page.locator(`.chat-item[data-title="${newest}"]`).waitFor({ timeout: 60000 });
    const r = await page.evaluate(async () => {
      const v = document.querySelector(".vlist.chat-list");
      const rows = () => v.querySelectorAll(".chat-item").length;
      let maxRows = rows();
      for (let i = 0; i < 500 && v.scrollTop + v.clientHeight < v.scrollHeight - 2; i++) {
        v.scrollTop += 400;
        await new Promise((r) => requestAnimationFrame(r));
        maxRows = Math.max(maxRows, rows());
      }
      return { maxRows };
    });
    await page.locator('.chat-item[data-title="Friend 0"] .chat-item-preview', { hasText: "hello from friend 0" }).waitFor();
    console.log(`chat list figures: ${JSON.stringify({ chats: CHATS, max_rows_in_dom: r.maxRows })}`);
    assert.ok(r.maxRows < CHATS, `virtualised: at most a window of the ${CHATS} rows in the DOM, saw ${r.maxRows}`);
    assert.deepEqual(page.errors, []);
  });
});
