// Seeding people and devices for the browser tests: users made and
// befriended through the protocol, pages signed in through the screens.
import { user } from "./protocol.mjs";
import { login, newPage } from "./ui.mjs";

// friends makes b a friend of a (a asks, b accepts).
export async function friends(a, b, greeting = "hi") {
  const r = await a.body("friendRequest", { user: b.session.user, greeting });
  if (r.state === 0) await b.body("answerRequest", { request: r.id, accept: true });
}

// people registers each [accountId, nickname] and befriends the first with
// every other one; it returns the protocol clients in the same order.
export async function people(url, list) {
  const cs = [];
  for (const [id, nick] of list) cs.push(await user(url, id, nick));
  for (const c of cs.slice(1)) await friends(c, cs[0]);
  return cs;
}

export const PHONE_DEVICE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

// device opens a signed-in page for accountId: desktop by default, a phone
// with touch when phone is set.
export async function device(browser, server, accountId, { phone = false, locale = "en-US", ...more } = {}) {
  const page = await newPage(browser, server, { ...(phone ? PHONE_DEVICE : { viewport: { width: 1280, height: 800 } }), locale, ...more });
  await login(page, accountId);
  return page;
}

// touch drives a touch screen through the DevTools protocol: a long press,
// or a press that moves before it is released.
export async function touch(page, x, y, { holdMs = 700, moveTo } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x, y }] });
  await page.waitForTimeout(holdMs);
  if (moveTo) {
    const steps = 6;
    for (let i = 1; i <= steps; i++) {
      const p = { x: x + ((moveTo.x - x) * i) / steps, y: y + ((moveTo.y - y) * i) / steps };
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [p] });
      await page.waitForTimeout(30);
    }
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

// center returns the middle of an element's box, once it is shown (a
// screen just opened may not be laid out yet).
export async function center(locator) {
  await locator.waitFor();
  const b = await locator.boundingBox();
  if (!b) throw new Error("element has no box");
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

// webm is the start of a WebM file: enough for the server to sniff a video.
export function webm() {
  return Buffer.concat([Buffer.from("1a45dfa39f4286810142f7810142f2810442f381084282847765626d", "hex"), Buffer.alloc(2000)]);
}
