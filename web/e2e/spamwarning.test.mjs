// A message the server's spam screener flags but delivers (spam.action =
// "report", the default) shows a plain-words warning above it to the
// recipient — live on a phone, and after a sync from an old cursor on a
// desktop that signs in later, in English and Chinese — and not to the
// sender; a clean message shows none.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { expectNoErrors, openChat, waitMessage } from "./ui.mjs";

const skip = skipReason();

// From the spam rules' evaluation set (internal/spam/testdata/spam.txt).
const SCAM = "兼职刷单，日赚300-500元，手机就能做，有意者加V：sd88271";
const CLEAN = "lunch at noon?";
const EN = "This message may be spam or a scam. Don't send money or codes.";
const ZH = "这条消息可能是垃圾信息或诈骗";

describe("spam warning", { skip }, () => {
  let server, browser, bea, sam;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [bea, sam] = await people(server.url, [
      ["spamw_bea", "Bea"],
      ["spamw_sam", "Sam"],
    ]);
  });

  after(async () => {
    bea?.close();
    sam?.close();
    await browser?.close();
    await server?.stop();
  });

  const row = (page, text) => page.locator('[data-screen="chat"] .msg-row', { has: page.locator(".text", { hasText: text }) });

  it("warns the recipient, live and after a sync, on phone and desktop, not the sender", async () => {
    const samId = sam.session.user;
    const beaId = bea.session.user;
    // Bea's phone (Chinese) is in the chat before the messages come.
    const phone = await device(browser, server, "spamw_bea", { phone: true, locale: "zh-CN" });
    await openChat(phone, `/chat/u/${samId}`);
    await sam.body("send", { peer: beaId, clientId: "spamw-1", text: CLEAN });
    await sam.body("send", { peer: beaId, clientId: "spamw-2", text: SCAM });
    await waitMessage(phone, SCAM);
    await row(phone, SCAM).locator(".spam-warning", { hasText: ZH }).waitFor();
    assert.equal(await row(phone, CLEAN).locator(".spam-warning").count(), 0, "a clean message shows no warning");

    // Her desktop signs in afterwards and syncs both from the start.
    const desk = await device(browser, server, "spamw_bea");
    await openChat(desk, `/chat/u/${samId}`);
    await waitMessage(desk, SCAM);
    const warning = row(desk, SCAM).locator(".spam-warning");
    await warning.waitFor();
    assert.equal((await warning.textContent()).trim(), EN);
    assert.equal(await warning.getAttribute("role"), "note");
    assert.equal(await row(desk, CLEAN).locator(".spam-warning").count(), 0, "a clean message shows no warning");

    // The sender sees their message without a warning.
    const sender = await device(browser, server, "spamw_sam");
    await openChat(sender, `/chat/u/${beaId}`);
    await sender.locator('[data-screen="chat"] .msg-row .text', { hasText: SCAM }).first().waitFor();
    assert.equal(await sender.locator('[data-screen="chat"] .spam-warning').count(), 0, "the sender sees no warning");

    expectNoErrors(phone);
    expectNoErrors(desk);
    expectNoErrors(sender);
  });
});
