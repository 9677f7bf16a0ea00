// Call quality in the browser (Chromium with fake devices): a voice call's
// outbound audio stays within 1 KB/s of payload (Opus at 8 kbit/s with
// in-band FEC and DTX, 40 ms packets), the video sender is capped and
// degrades "balanced", and the speaker/earpiece control shows where the
// browser can choose the audio output and hides where it cannot.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, OUT, startServer, skipReason, toneWav } from "./harness.mjs";
import { device, people } from "./people.mjs";
import { expectNoErrors, go } from "./ui.mjs";

const skip = skipReason();

// stats reads the call screen's outbound audio counters (bytesSent is RTP
// payload only; headerBytesSent the RTP headers and padding) and when the
// page took them.
async function stats(page) {
  const d = await page.locator(".call-screen").evaluate((el) => ({ ...el.dataset }));
  return { at: Number(d.statsAt ?? 0), payload: Number(d.audioSentBytes ?? 0), headers: Number(d.audioHeaderBytes ?? 0), packets: Number(d.audioPackets ?? 0) };
}

// outputs gives a page two audio outputs as a phone's browser lists them
// and records the sink the page chooses; without, it takes setSinkId and
// selectAudioOutput away, as browsers that cannot choose are.
async function fakeOutputs(page, supported) {
  await page.context().addInitScript((ok) => {
    if (!ok) {
      delete HTMLMediaElement.prototype.setSinkId;
      if (navigator.mediaDevices) delete MediaDevices.prototype.selectAudioOutput;
      return;
    }
    window.__sinks = [];
    HTMLMediaElement.prototype.setSinkId = function (id) {
      window.__sinks.push(id);
      return Promise.resolve();
    };
    const real = MediaDevices.prototype.enumerateDevices;
    MediaDevices.prototype.enumerateDevices = async function () {
      const list = (await real.call(this)).filter((d) => d.kind !== "audiooutput");
      const out = (deviceId, label) => ({ deviceId, label, kind: "audiooutput", groupId: "g", toJSON() { return this; } });
      return [...list, out("spk-1", "Speakerphone"), out("ear-1", "Earpiece")];
    };
  }, supported);
  await page.reload();
}

// measure places a voice call from a to b and returns each side's audio
// payload and with-headers bytes per second over 12 s of the pages' stats.
async function measure(a, b, peer) {
  await go(a, `/chat/u/${peer}`);
  await a.locator(".call-voice-btn").click();
  await b.locator('[data-incoming-call] [data-action="call-accept"]').click();
  for (const p of [a, b]) await p.locator('.call-screen[data-call-state="connected"]').waitFor({ timeout: 20000 });
  await a.waitForTimeout(3000); // a measurement window, not synchronisation
  const from = [await stats(a), await stats(b)];
  await a.waitForTimeout(12000);
  const to = [await stats(a), await stats(b)];
  return ["caller", "callee"].map((who, i) => {
    const s = (to[i].at - from[i].at) / 1000;
    assert.ok(s >= 10, `${who}: measured over ${s} s, want at least 10`);
    return {
      who,
      s,
      payload: (to[i].payload - from[i].payload) / s,
      withHeaders: (to[i].payload + to[i].headers - from[i].payload - from[i].headers) / s,
      pps: (to[i].packets - from[i].packets) / s,
    };
  });
}

describe("call quality", { skip }, () => {
  let server, browser, dan, eve;

  before(async () => {
    server = await startServer();
    browser = await launch();
    [dan, eve] = await people(server.url, [
      ["cq_dan", "Dan"],
      ["cq_eve", "Eve"],
    ]);
  });

  after(async () => {
    for (const x of [dan, eve]) x?.close();
    await browser?.close();
    await server?.stop();
  });

  it("sends a voice call's audio at most 1,024 B/s of payload, with FEC and DTX; the video sender is capped", async () => {
    const a = await device(browser, server, "cq_dan");
    const b = await device(browser, server, "cq_eve");
    await fakeOutputs(a, true);
    // The fake microphone plays a steady tone: a talking line.
    for (const m of await measure(a, b, eve.session.user)) {
      console.log(`voice, talking, ${m.who}: ${m.payload.toFixed(0)} B/s audio payload, ${m.withHeaders.toFixed(0)} B/s with RTP headers, ${m.pps.toFixed(1)} packets/s, over ${m.s.toFixed(1)} s`);
      assert.ok(m.payload > 0, `${m.who}: no audio sent`);
      assert.ok(m.payload <= 1024, `${m.who}: ${m.payload.toFixed(0)} B/s of audio payload, want at most 1,024`);
    }
    // The sender itself is capped at 8 kbit/s. A desktop, even with
    // outputs to choose from, has no speaker/earpiece switch.
    await a.locator('.call-screen[data-audio-max-bitrate="8000"]').waitFor();
    assert.equal(await a.locator('[data-action="call-speaker"]').count(), 0);
    await a.locator('[data-action="call-hangup"]').click();
    await b.locator(".call-screen").waitFor({ state: "detached" });

    // A video call: the video sender has a ceiling and degrades balanced.
    await a.locator(".call-video-btn").click();
    await b.locator('[data-incoming-call] [data-action="call-accept"]').click();
    for (const p of [a, b]) await p.locator('.call-screen[data-call-state="connected"][data-video="true"]').waitFor({ timeout: 20000 });
    for (const p of [a, b]) await p.locator('.call-screen[data-video-max-bitrate="800000"]').waitFor();
    const deg = await a.locator(".call-screen").getAttribute("data-video-degradation");
    console.log(`video sender: degradationPreference ${JSON.stringify(deg)} as the browser reports it`);
    await a.locator('[data-action="call-hangup"]').click();
    await b.locator(".call-screen").waitFor({ state: "detached" });
    expectNoErrors(a);
    expectNoErrors(b);
    for (const p of [a, b]) await p.context().close();
  });

  it("sends far less on a quiet line (DTX)", async () => {
    const quiet = await launch([`--use-file-for-fake-audio-capture=${toneWav(join(OUT, "silence.wav"), 3, 16000, 0)}`]);
    try {
      const a = await device(quiet, server, "cq_dan");
      const b = await device(quiet, server, "cq_eve");
      for (const m of await measure(a, b, eve.session.user)) {
        console.log(`voice, quiet line, ${m.who}: ${m.payload.toFixed(0)} B/s audio payload, ${m.withHeaders.toFixed(0)} B/s with RTP headers, ${m.pps.toFixed(1)} packets/s, over ${m.s.toFixed(1)} s`);
        assert.ok(m.payload <= 300, `${m.who}: ${m.payload.toFixed(0)} B/s of audio payload on a quiet line, want at most 300 (DTX)`);
      }
      await a.locator('[data-action="call-hangup"]').click();
      await b.locator(".call-screen").waitFor({ state: "detached" });
      expectNoErrors(a);
      expectNoErrors(b);
    } finally {
      await quiet.close();
    }
  });

  it("offers speaker/earpiece where the audio output can be chosen, in English and Chinese, and hides it elsewhere", async () => {
    const a = await device(browser, server, "cq_dan", { phone: true });
    const b = await device(browser, server, "cq_eve", { phone: true, locale: "zh-CN" });
    await fakeOutputs(a, true);
    await fakeOutputs(b, true);
    await go(a, `/chat/u/${eve.session.user}`);
    await a.locator(".call-voice-btn").click();
    await b.locator('[data-incoming-call] [data-action="call-accept"]').click();
    // A voice call starts at the earpiece; the control says so.
    const ctl = a.locator('[data-action="call-speaker"]');
    await ctl.waitFor();
    assert.equal(await ctl.getAttribute("aria-label"), "Earpiece");
    await a.locator('.call-screen[data-audio-output="ear-1"]').waitFor();
    await ctl.click();
    await a.locator('[data-action="call-speaker"].on[aria-label="Speaker"]').waitFor();
    await a.locator('.call-screen[data-audio-output="spk-1"]').waitFor();
    assert.deepEqual(await a.evaluate(() => window.__sinks), ["ear-1", "spk-1"]);
    await b.locator('[data-action="call-speaker"][aria-label="听筒"]').waitFor();
    await a.locator('[data-action="call-hangup"]').click();
    await b.locator(".call-screen").waitFor({ state: "detached" });
    for (const p of [a, b]) await p.context().close();

    // A browser that cannot choose: no control.
    const c = await device(browser, server, "cq_dan", { phone: true });
    const d = await device(browser, server, "cq_eve", { phone: true });
    await fakeOutputs(c, false);
    await go(c, `/chat/u/${eve.session.user}`);
    await c.locator(".call-voice-btn").click();
    await d.locator('[data-incoming-call] [data-action="call-accept"]').click();
    await c.locator('.call-screen[data-call-state="connected"]').waitFor({ timeout: 20000 });
    await c.locator('[data-action="call-mute"]').waitFor();
    assert.equal(await c.locator('[data-action="call-speaker"]').count(), 0);
    await c.locator('[data-action="call-hangup"]').click();
    await d.locator(".call-screen").waitFor({ state: "detached" });
    expectNoErrors(c);
    for (const p of [c, d]) await p.context().close();
  });
});
