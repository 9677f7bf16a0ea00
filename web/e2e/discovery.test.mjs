// Discover's people nearby (browser geolocation, and a typed position when
// the browser gives none), shake and drift bottles (a voice bottle from
// the microphone too), on a desktop and a
// phone, in English and Chinese; nobody is ever shown a position.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launch, startServer, skipReason } from "./harness.mjs";
import { device } from "./people.mjs";
import { user } from "./protocol.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();
const WEST_LAKE = { latitude: 30.2590, longitude: 120.1388 };

describe("discovery", { skip }, () => {
  let server, browser, ann, ben, cat, dan;

  before(async () => {
    server = await startServer();
    browser = await launch();
    ann = await user(server.url, "near_ann", "Ann");
    ben = await user(server.url, "near_ben", "Ben Nearby");
    cat = await user(server.url, "near_cat", "Cat");
    dan = await user(server.url, "near_dan", "Dan");
    await ben.body("nearbySet", { lat: 30.2600, lon: 120.1390 });
  });

  after(async () => {
    for (const x of [ann, ben, cat, dan]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("shows people nearby from the browser's location, as distance bands only", async () => {
    const page = await device(browser, server, "near_ann", { geolocation: WEST_LAKE, permissions: ["geolocation"] });
    await go(page, "/discover");
    await page.locator('[data-entry="nearby"]').click();
    await page.locator('[data-screen="nearby"] [data-action="nearby-locate"]').click();
    const benRow = page.locator(`[data-nearby="${ben.session.user}"]`);
    await benRow.waitFor();
    const text = await benRow.innerText();
    assert.match(text, /Ben Nearby/);
    assert.match(text, /Within (100|200|500) m/);
    assert.doesNotMatch(text, /30\.2|120\.1/, "no coordinates are shown");
    // Greeting is a friend request.
    await benRow.click();
    await page.getByRole("menuitem", { name: "Say hello" }).click();
    await page.locator('[role="dialog"] button[type="submit"]').click();
    await page.locator(".toast", { hasText: /request|friends/i }).waitFor();
    expectNoErrors(page);
    await page.context().close();
  });

  it("takes a typed position on a phone when the browser gives none, in Chinese, and clears it", async () => {
    const page = await device(browser, server, "near_cat", { phone: true, locale: "zh-CN" });
    await go(page, "/discover/nearby");
    await page.locator('[data-screen="nearby"]').getByText("附近的人").first().waitFor();
    await page.locator('[data-form="nearby-manual"] input[name="lat"]').fill("91");
    await page.locator('[data-form="nearby-manual"] input[name="lon"]').fill("120");
    await page.locator('[data-form="nearby-manual"] button[type="submit"]').click();
    await page.locator(".toast.error").waitFor();
    await page.locator('[data-form="nearby-manual"] input[name="lat"]').fill("30.2585");
    await page.locator('[data-form="nearby-manual"] input[name="lon"]').fill("120.1380");
    await page.locator('[data-form="nearby-manual"] button[type="submit"]').click();
    await page.locator(`[data-nearby="${ben.session.user}"]`, { hasText: "米以内" }).waitFor();
    await page.getByRole("button", { name: "更多" }).click();
    await page.getByRole("menuitem", { name: "清除位置信息" }).click();
    await page.locator('[role="dialog"]').getByRole("button", { name: "清除位置信息" }).click();
    await page.locator("[data-nearby-intro]").waitFor({ state: "visible" });
    // Cleared: Ben no longer finds Cat.
    const r = await ben.body("nearbyList", { gender: 0 });
    assert.ok(!r.people.some((p) => p.card.user === cat.session.user), "a cleared location is not listed");
    expectNoErrors(page);
    await page.context().close();
  });

  it("matches two people shaking at the same moment", async () => {
    const page = await device(browser, server, "near_dan", { phone: true });
    await go(page, "/discover/shake");
    const waiting = await ann.body("shake", { located: false });
    assert.equal(waiting.match, undefined, "the first to shake waits");
    await page.locator('[data-action="shake"]').click();
    await page.locator(`[data-shake-match="${ann.session.user}"]`, { hasText: "Ann" }).waitFor();
    const theirs = await ann.body("shakeResult", {});
    assert.equal(theirs.match.card.user, dan.session.user);
    expectNoErrors(page);
    await page.context().close();
  });

  it("picks up a bottle, answers it anonymously and lists it; empty states", async () => {
    const page = await device(browser, server, "near_dan");
    await go(page, "/discover/bottles");
    await page.locator("[data-bottle-list]", { hasText: "No bottles yet." }).waitFor();
    await page.locator('[data-action="bottle-pick"]').click();
    await page.locator(".toast", { hasText: "The sea is empty" }).waitFor();
    const thrown = await ann.body("bottleThrow", { text: "Anyone out there?" });
    await page.locator('[data-action="bottle-pick"]').click();
    await page.locator('[data-screen="bottle"] [data-bottle-text]', { hasText: "Anyone out there?" }).waitFor();
    assert.doesNotMatch(await page.locator('[data-screen="bottle"]').innerText(), /Ann|near_ann/, "the thrower stays anonymous");
    await page.locator('[data-form="bottle-reply"] input').fill("Hello from the shore");
    await page.locator('[data-form="bottle-reply"] button[type="submit"]').click();
    await page.locator('[data-screen="bottle"] [data-bottle-message]', { hasText: "Hello from the shore" }).waitFor();
    const seen = await ann.body("bottleGet", { bottle: thrown.id });
    assert.equal(seen.messages[0].text, "Hello from the shore");
    assert.equal(seen.messages[0].mine, false);
    // The thrower's answer arrives while the bottle is open.
    await ann.body("bottleReply", { bottle: thrown.id, text: "Hi, shore" });
    await page.locator('[data-screen="bottle"] [data-bottle-message]', { hasText: "Hi, shore" }).waitFor();
    // Adding each other: Dan's request reaches Ann, from Dan.
    await page.locator('[data-action="bottle-greet"]').click();
    await page.locator('[role="dialog"] button[type="submit"]').click();
    await page.locator(".toast", { hasText: "Friend request sent." }).waitFor();
    await go(page, "/discover/bottles");
    await page.locator(`[data-bottle="${thrown.id}"]`, { hasText: "2 messages" }).waitFor();
    expectNoErrors(page);
    await page.context().close();
  });

  it("throws a voice bottle from the microphone; the picker plays it and answers", async () => {
    const page = await device(browser, server, "near_cat", { locale: "zh-CN" });
    await go(page, "/discover/bottles");
    await page.locator('[data-action="bottle-throw-voice"]').click();
    // Chromium's fake microphone; a second of it, then throw.
    await page.locator(".rec-panel .rec-time").getByText("0:01").waitFor();
    await page.locator('[data-action="rec-send"]').click();
    await page.locator(".toast", { hasText: "你的瓶子漂走了。" }).waitFor({ timeout: 15000 });
    await page.locator("[data-bottle]", { hasText: "语音" }).waitFor();
    const mine = (await cat.body("bottles", {})).bottles.find((b) => b.voice);
    assert.ok(mine && mine.voiceMs >= 500 && mine.text === "", `cat's voice bottle: ${JSON.stringify(mine, (k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    expectNoErrors(page);
    await page.context().close();

    const picker = await device(browser, server, "near_ben");
    await go(picker, "/discover/bottles");
    await picker.locator('[data-action="bottle-pick"]').click();
    const view = picker.locator('[data-screen="bottle"]');
    await view.locator('[data-action="bottle-play"]').click();
    const audio = view.locator(`audio[data-bottle-voice="${mine.voice}"]`);
    await audio.waitFor();
    assert.match(await audio.getAttribute("src"), /^blob:/);
    await picker.waitForFunction(() => (document.querySelector("audio[data-bottle-voice]")?.duration ?? 0) > 0);
    await view.locator('[data-form="bottle-reply"] input').fill("I heard you");
    await view.locator('[data-form="bottle-reply"] button[type="submit"]').click();
    await view.locator("[data-bottle-message]", { hasText: "I heard you" }).waitFor();
    const seen = await cat.body("bottleGet", { bottle: mine.id });
    assert.equal(seen.messages[0].text, "I heard you");
    expectNoErrors(picker);
    await picker.context().close();
  });
});
