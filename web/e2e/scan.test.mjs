// Scanning a QR code with the camera in a browser without BarcodeDetector:
// Chromium's fake camera plays a video of a personal QR code, and the
// client's own decoder reads it and opens the add-friend screen.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, startServer, skipReason, OUT } from "./harness.mjs";
import { user } from "./protocol.mjs";
import { login, newPage, go } from "./ui.mjs";

const skip = skipReason();

// qrVideo draws the server's SVG QR code (one "M x y" square per dark
// module) into a Y4M video, the format Chromium's fake camera reads.
function qrVideo(svg, path, w = 640, hgt = 480) {
  const n = Number(/viewBox="0 0 (\d+) /.exec(svg)[1]);
  const dark = new Set([...svg.matchAll(/M(\d+) (\d+)h1/g)].map((m) => `${m[1]},${m[2]}`));
  const cell = Math.floor((hgt - 40) / n);
  const x0 = Math.floor((w - cell * n) / 2);
  const y0 = Math.floor((hgt - cell * n) / 2);
  const y = Buffer.alloc(w * hgt, 235);
  for (let py = 0; py < n * cell; py++)
    for (let px = 0; px < n * cell; px++) if (dark.has(`${Math.floor(px / cell)},${Math.floor(py / cell)}`)) y[(y0 + py) * w + x0 + px] = 16;
  const uv = Buffer.alloc((w / 2) * (hgt / 2) * 2, 128);
  const frames = [Buffer.from(`YUV4MPEG2 W${w} H${hgt} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < 5; i++) frames.push(Buffer.from("FRAME\n"), y, uv);
  writeFileSync(path, Buffer.concat(frames));
}

describe("scanning without BarcodeDetector", { skip }, () => {
  let server, browser, a, b;

  before(async () => {
    server = await startServer();
    a = await user(server.url, "scan_alice", "Alice");
    b = await user(server.url, "scan_bob", "Bob");
    const svg = await (await fetch(`${server.url}/qr/user/${b.session.user}.svg`)).text();
    const video = join(OUT, "qr.y4m");
    qrVideo(svg, video);
    browser = await launch([`--use-file-for-fake-video-capture=${video}`]);
  });

  after(async () => {
    a?.close();
    b?.close();
    await browser?.close();
    await server?.stop();
  });

  it("reads a personal QR code from the camera and opens it", async () => {
    const page = await newPage(browser, server, { permissions: ["camera"] });
    await page.context().addInitScript(() => {
      delete window.BarcodeDetector;
    });
    await login(page, "scan_alice");
    await go(page, "/discover/scan");
    await page.waitForFunction((id) => location.pathname === `/add/${id}`, String(b.session.user), { timeout: 20000 });
    await page.locator('[data-screen="add-link"] [data-action="add"]').waitFor();
    assert.deepEqual(page.errors, []);
  });
});
