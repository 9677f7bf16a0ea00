// Large files go through the server's resumable uploads with visible
// progress: a send can be cancelled while it uploads (nothing arrives),
// and an upload cut off by a lost connection resumes from where the
// server is instead of starting again.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { login, newPage, noOutbox, openChat, sendText } from "./ui.mjs";

const skip = skipReason();
const MiB = 1 << 20;

// bigFile writes n bytes that do not compress to a file to attach.
function bigFile(name, n) {
  const buffer = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer.writeUInt32LE(x >>> 0, i);
  }
  const path = join(OUT, name);
  writeFileSync(path, buffer);
  return path;
}

// throttle limits the page's upload speed (bytes per second; -1: none).
async function throttle(page, upload) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: upload });
  return cdp;
}

async function attach(page, file) {
  await page.click(".attach-btn");
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.click('[data-attach="file"]')]);
  await chooser.setFiles(file);
}

describe("resumable uploads with progress", { skip }, () => {
  let server, browser, alice, bob, page, requests;

  before(async () => {
    server = await startServer();
    browser = await launch();
    alice = await user(server.url, "upl_alice", "Alice");
    bob = await user(server.url, "upl_bob", "Bob");
    const r = await bob.body("friendRequest", { user: alice.session.user, greeting: "hi" });
    if (r.state === 0) await alice.body("answerRequest", { request: r.id, accept: true });
    page = await newPage(browser, server);
    requests = [];
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith("/media")) requests.push({ method: r.method(), path: u.pathname, offset: r.headers()["upload-offset"] });
    });
    await login(page, "upl_alice");
    await openChat(page, `/chat/u/${bob.session.user}`);
  });

  after(async () => {
    alice?.close();
    bob?.close();
    await browser?.close();
    await server?.stop();
  });

  const bobFiles = async () => {
    const conv = (await bob.body("conversations", {})).conversations.find((c) => c.peer === alice.session.user);
    if (!conv) return [];
    const h = await bob.body("history", { conversation: conv.conversation, limit: 50 });
    return h.messages.filter((m) => m.media);
  };

  it("shows the progress of a large upload and cancels it", async () => {
    const cdp = await throttle(page, 2 * MiB);
    await attach(page, bigFile("holiday.mov.bin", 24 * MiB));
    const bar = page.locator(".msg-row.out [data-upload] progress");
    await bar.waitFor();
    assert.match(await bar.getAttribute("aria-label"), /holiday\.mov\.bin/);
    await page.waitForFunction(() => document.querySelector(".msg-row.out [data-upload] progress")?.value >= 3 * (1 << 20));
    assert.match(await page.locator(".upload-pct").textContent(), /^\d+% · 24\.0 MB$/);
    assert.ok(requests.some((r) => r.method === "POST" && r.path === "/media/uploads"), "a resumable upload");
    assert.ok(!requests.some((r) => r.method === "POST" && r.path === "/media"), "not in one request");
    await page.click('[data-action="cancel-upload"]');
    await page.locator(".msg-row.out").waitFor({ state: "detached" });
    const patches = requests.filter((r) => r.method === "PATCH").length;
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    // A message sent after it arrives; the cancelled file never does.
    await sendText(page, "never mind the video");
    await noOutbox(page);
    assert.equal((await bobFiles()).length, 0, "nothing arrived");
    assert.equal(requests.filter((r) => r.method === "PATCH").length, patches, "no chunk after cancelling");
    await cdp.detach();
  });

  it("resumes an upload cut off by a lost connection from the server's offset", async () => {
    requests.length = 0;
    const cdp = await throttle(page, 3 * MiB);
    await attach(page, bigFile("dataset.bin", 20 * MiB));
    // Wait until the server holds at least two chunks, then cut the network.
    await page.waitForFunction(() => document.querySelector(".msg-row.out [data-upload] progress")?.value >= 5 * (1 << 20));
    // The network goes away through the same DevTools session that
    // throttles it (a second session's offline switch does not override
    // this one's conditions), and the send waits to be retried.
    await cdp.send("Network.emulateNetworkConditions", { offline: true, latency: 0, downloadThroughput: 0, uploadThroughput: 0 });
    await page.locator('.msg-row.out:is([data-state="pending"], [data-state="failed"])').waitFor();
    const before = requests.length;
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await noOutbox(page);
    const after = requests.slice(before);
    assert.ok(after.some((r) => r.method === "HEAD"), `asked the server where it is: ${JSON.stringify(after)}`);
    const first = after.find((r) => r.method === "PATCH");
    assert.ok(first && Number(first.offset) >= 4 * MiB, `resumed at ${first?.offset}, not from the start`);
    assert.equal(requests.filter((r) => r.method === "POST" && r.path === "/media/uploads").length, 1, "one upload, resumed");
    const files = await bobFiles();
    assert.equal(files.length, 1);
    assert.equal(files[0].media.name, "dataset.bin");
    assert.equal(Number(files[0].media.size), 20 * MiB);
    assert.deepEqual(page.errors, []);
    await cdp.detach();
  });
});
