// Driving the client the way a person does: through the screens.
import assert from "node:assert/strict";

export const PASSWORD = "a long password 1";

// newPage opens a browser context (one device) with an XSS trap: any
// payload that runs calls window.__xss or opens a dialog, and both are
// recorded in page.xss.
export async function newPage(browser, server, { viewport = { width: 1280, height: 800 }, locale = "en-US", serviceWorkers = "block", colorScheme = "light", permissions = [], ...more } = {}) {
  const context = await browser.newContext({ viewport, locale, serviceWorkers, colorScheme, baseURL: server.url, permissions: ["microphone", "clipboard-read", "clipboard-write", ...permissions], ...more });
  await context.addInitScript(() => {
    window.__xssFired = [];
    window.__xss = (x) => window.__xssFired.push(String(x));
  });
  const page = await context.newPage();
  page.xss = [];
  page.errors = [];
  page.on("dialog", (d) => {
    page.xss.push("dialog: " + d.message());
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.setDefaultTimeout(15000);
  return page;
}

export async function xssFired(page) {
  const inPage = await page.evaluate(() => window.__xssFired ?? []).catch(() => []);
  return [...page.xss, ...inPage];
}

export async function register(page, accountId, nickname, password = PASSWORD) {
  await page.goto("/");
  await page.click('[data-tab="register"]');
  const f = page.locator('[data-form="register"]');
  await f.locator('input[name="account_id"]').fill(accountId);
  await f.locator('input[name="nickname"]').fill(nickname);
  await f.locator('input[name="password"]').fill(password);
  await f.locator('button[type="submit"]').click();
  await page.waitForSelector('[data-screen="app"]');
  return userId(page);
}

export async function login(page, loginName, password = PASSWORD) {
  await page.goto("/");
  const f = page.locator('[data-form="login"]');
  await f.locator('input[name="login"]').fill(loginName);
  await f.locator('input[name="password"]').fill(password);
  await f.locator('button[type="submit"]').click();
  await page.waitForSelector('[data-screen="app"]');
}

export async function userId(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem("hy.session")).user);
}

// go navigates inside the app without reloading it.
export async function go(page, path) {
  await page.evaluate((p) => {
    history.pushState(null, "", p);
    dispatchEvent(new PopStateEvent("popstate"));
  }, path);
}

export async function addFriend(page, accountId, remark) {
  await go(page, "/contacts/add");
  const f = page.locator('[data-form="add"]');
  await f.locator('input[name="query"]').fill(accountId);
  await f.locator('button[type="submit"]').click();
  await page.click(`[data-profile="${accountId}"] [data-action="add"]`);
  const dialog = page.locator(".modal form");
  if (remark !== undefined) await dialog.locator('input[name="remark"]').fill(remark);
  await dialog.locator('button[type="submit"]').click();
  await page.waitForSelector(".toast");
}

export async function acceptRequest(page, fromName) {
  await go(page, "/contacts/new");
  const row = page.locator(`[data-request="${fromName}"]`);
  await row.locator('[data-action="accept"]').click();
  // Accepting opens the new friend's chat.
  await page.waitForSelector('[data-screen="chat"]');
}

// befriend: a asks, b accepts.
export async function befriend(a, b, bAccount, aNick) {
  await addFriend(a, bAccount);
  await acceptRequest(b, aNick);
}

export async function openChat(page, path) {
  await go(page, path);
  await page.waitForSelector('[data-screen="chat"] .composer-input');
}

export async function sendText(page, text) {
  const input = page.locator('[data-screen="chat"] .composer-input');
  await input.fill(text);
  await input.press("Enter");
}

export function message(page, text) {
  return page.locator('[data-screen="chat"] .msg-row:not(.out) .text', { hasText: text });
}

export async function waitMessage(page, text, timeout = 15000) {
  await message(page, text).first().waitFor({ timeout });
}

export async function countMessages(page, text) {
  return page.locator('[data-screen="chat"] .msg-row .text', { hasText: text }).count();
}

export async function noOutbox(page) {
  await page.waitForFunction(() => !document.querySelector('[data-screen="chat"] .msg-row.out'), null, { timeout: 20000 });
}

export function expectNoErrors(page) {
  assert.deepEqual(page.errors, [], "page errors");
}
