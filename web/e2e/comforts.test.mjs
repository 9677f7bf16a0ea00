// Comforts around features the server has: exporting all one's data from
// Me, desktop notifications and a sound for new messages (muted chats stay
// quiet unless one is mentioned), re-editing a recalled message on the
// device that recalled it, and sending images and files by pasting or
// dropping them into a chat.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT, pngImage } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { go, login, newPage, noOutbox, openChat, sendText, waitMessage } from "./ui.mjs";

const skip = skipReason();

// A page whose browser grants notifications (recorded in window.__notes),
// counts the chime's tones (window.__tones) and is not in front.
async function alertedPage(browser, server) {
  const page = await newPage(browser, server);
  await page.context().addInitScript(() => {
    window.__notes = [];
    window.__tones = 0;
    window.Notification = class {
      static permission = "granted";
      static requestPermission() {
        return Promise.resolve("granted");
      }
      constructor(title, opts) {
        window.__notes.push({ title, body: opts?.body ?? "" });
      }
      close() {}
    };
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () {
      window.__tones++;
      return create.call(this);
    };
    document.hasFocus = () => false;
  });
  return page;
}

describe("comforts", { skip }, () => {
  let server, browser, alice, bob, carol, aliceId, bobId, groupId;

  before(async () => {
    server = await startServer();
    browser = await launch();
    alice = await user(server.url, "comfy_alice", "Alice");
    bob = await user(server.url, "comfy_bob", "Bob");
    carol = await user(server.url, "comfy_carol", "Carol");
    aliceId = alice.session.user;
    bobId = bob.session.user;
    for (const [a, b] of [[alice, bob], [alice, carol], [bob, carol]]) {
      const r = await a.body("friendRequest", { user: b.session.user, greeting: "hi" });
      if (r.state === 0) await b.body("answerRequest", { request: r.id, accept: true });
    }
    await alice.body("send", { peer: bobId, clientId: "c0", text: "first words" });
    const g = await alice.body("createGroup", { name: "Book club", members: [bobId, carol.session.user] });
    groupId = g.id;
  });

  after(async () => {
    for (const c of [alice, bob, carol]) c?.close();
    await browser?.close();
    await server?.stop();
  });

  it("exports all my data from Me", async () => {
    const page = await newPage(browser, server);
    await login(page, "comfy_alice");
    await go(page, "/me");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click('[data-entry="export"]')]);
    assert.match(dl.suggestedFilename(), /^hongyan-comfy_alice-\d{4}-\d\d-\d\d\.zip$/);
    const path = join(OUT, "export.zip");
    await dl.saveAs(path);
    const zip = readFileSync(path);
    assert.equal(zip.subarray(0, 2).toString(), "PK", "a ZIP archive");
    for (const name of ["profile.json", "contacts.json", "messages.json"]) assert.ok(zip.includes(name), `the archive holds ${name}`);
    await page.locator('[data-entry="export"] [role="status"]', { hasText: /Saved/ }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it("alerts with a notification and a sound, except for muted chats unless mentioned", async () => {
    const page = await alertedPage(browser, server);
    await login(page, "comfy_bob");
    await page.locator('.chat-item[data-title="Alice"]').waitFor();
    await page.waitForFunction(() => !document.querySelector(".conn-status.on"));
    const notes = () => page.evaluate(() => window.__notes);
    await alice.body("send", { peer: bobId, clientId: "n1", text: "ping from Alice" });
    await page.waitForFunction(() => window.__notes.some((n) => n.body.includes("ping from Alice")));
    assert.deepEqual((await notes()).find((n) => n.body.includes("ping")).title, "Alice");
    assert.ok((await page.evaluate(() => window.__tones)) > 0, "a chime played");
    // Muted: the chat with Alice and the group.
    const convs = (await bob.body("conversations", {})).conversations;
    await bob.body("setConversation", { conversation: convs.find((c) => c.peer === aliceId).conversation, muted: true });
    await bob.body("setConversation", { conversation: groupId, muted: true });
    await page.locator('.chat-item[data-title="Alice"] .muted-icon').waitFor();
    // A burst chimes once: at most one chime in 1.5 s.
    await page.waitForTimeout(1600);
    const tones = await page.evaluate(() => window.__tones);
    await alice.body("send", { peer: bobId, clientId: "n2", text: "quiet please" });
    await carol.body("send", { group: groupId, clientId: "n3", text: "nobody in particular" });
    await carol.body("send", { group: groupId, clientId: "n4", text: "@Bob your turn to pick", mentions: [bobId] });
    await page.waitForFunction(() => window.__notes.some((n) => n.body.includes("your turn to pick")));
    const got = await notes();
    assert.equal(got.find((n) => n.body.includes("your turn"))?.title, "Book club");
    assert.ok(!got.some((n) => n.body.includes("quiet please") || n.body.includes("nobody in particular")), `muted chats alerted: ${JSON.stringify(got)}`);
    assert.ok((await page.evaluate(() => window.__tones)) > tones, "the mention chimed");
    // Sound off in Me → Notifications: a notification, no chime.
    await go(page, "/me/notifications");
    await page.locator('input[name="sound"]').uncheck();
    const before = await page.evaluate(() => window.__tones);
    await bob.body("setConversation", { conversation: groupId, muted: false });
    await carol.body("send", { group: groupId, clientId: "n5", text: "silent but shown" });
    await page.waitForFunction(() => window.__notes.some((n) => n.body.includes("silent but shown")));
    assert.equal(await page.evaluate(() => window.__tones), before, "no chime with the sound off");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it("puts a recalled text back into the composer on the device that recalled it", async () => {
    const page = await newPage(browser, server);
    const other = await newPage(browser, server);
    await login(page, "comfy_alice");
    await login(other, "comfy_alice");
    await openChat(page, `/chat/u/${bobId}`);
    await sendText(page, "meet at 7, not 8");
    await noOutbox(page);
    await page.locator(".msg-row.mine .bubble", { hasText: "meet at 7, not 8" }).click({ button: "right" });
    await page.locator('[role="menuitem"]', { hasText: "Recall" }).click();
    const line = page.locator('.sys-line[data-kind="recalled"]').last();
    await line.locator('[data-action="reedit"]').click();
    assert.equal(await page.locator(".composer-input").inputValue(), "meet at 7, not 8");
    assert.ok(await page.locator(".composer-input").evaluate((el) => el === document.activeElement), "the composer has the focus");
    // After a reload still; never on another device.
    await page.locator(".composer-input").fill("");
    await page.reload();
    await page.locator('.sys-line[data-kind="recalled"] [data-action="reedit"]').last().waitFor();
    await openChat(other, `/chat/u/${bobId}`);
    await other.locator('.sys-line[data-kind="recalled"]').last().waitFor();
    assert.equal(await other.locator('[data-action="reedit"]').count(), 0, "the other device cannot re-edit");
    assert.deepEqual(page.errors, []);
    await page.context().close();
    await other.context().close();
  });

  it("sends an image pasted into the composer and a file dropped on the chat", async () => {
    const page = await newPage(browser, server);
    const receiver = await newPage(browser, server);
    await login(page, "comfy_alice");
    await login(receiver, "comfy_bob");
    await openChat(page, `/chat/u/${bobId}`);
    await openChat(receiver, `/chat/u/${aliceId}`);
    const png = [...pngImage(80, 60)];
    await page.locator(".composer-input").evaluate((input, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
      input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png);
    const dialog = page.locator('[data-dialog="send-files"]');
    await dialog.locator(".drop-name", { hasText: "pasted.png" }).waitFor();
    await dialog.locator("img.drop-thumb").waitFor();
    await dialog.locator('[data-action="send-files"]').click();
    await noOutbox(page);
    await receiver.locator('.msg-row[data-kind="1"] img.msg-img[src^="blob:"]').first().waitFor();
    assert.equal(await page.locator(".composer-input").inputValue(), "", "nothing pasted as text");
    // Dropping a file on the chat.
    await page.locator('[data-screen="chat"]').evaluate((chat) => {
      const dt = new DataTransfer();
      dt.items.add(new File(["chapter 3 notes"], "notes.txt", { type: "text/plain" }));
      for (const type of ["dragenter", "dragover", "drop"]) chat.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await dialog.locator(".drop-name", { hasText: "notes.txt" }).waitFor();
    await dialog.locator('[data-action="send-files"]').click();
    await noOutbox(page);
    await receiver.locator(".file-card .card-title", { hasText: "notes.txt" }).waitFor();
    // Text still pastes as text.
    await sendText(page, "done");
    await waitMessage(receiver, "done");
    assert.deepEqual(page.errors, []);
    await page.context().close();
    await receiver.context().close();
  });
});
