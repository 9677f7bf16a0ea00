// Test harness for the browser tests: builds the real hongyan binary, runs
// it on a free loopback port with a temporary data directory, and drives
// Debian's Chromium through playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

export const WEB = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = join(WEB, "..");
export const OUT = join(WEB, "e2e", "out");
export const SHOTS = join(REPO, "docs", "screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

// chromiumPath finds Chromium, installing Debian's package when running as
// root; undefined means the browser tests must skip.
export function chromiumPath() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() === 0) {
    try {
      execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit" });
    } catch {
      try {
        execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
        execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit" });
      } catch {
        /* fall through */
      }
    }
    if (existsSync(CHROMIUM)) return CHROMIUM;
  }
  return undefined;
}

// ensureFonts installs CJK and emoji fonts for legible screenshots (as root;
// tests do not depend on them).
let fontsChecked = false;
export function ensureFonts() {
  if (fontsChecked) return;
  fontsChecked = true;
  try {
    const have = execFileSync("fc-list", [], { encoding: "utf8" });
    if (/WenQuanYi|Noto Sans CJK/i.test(have) && /Color Emoji/i.test(have)) return;
    if (process.getuid?.() === 0) execFileSync("apt-get", ["install", "-y", "-qq", "fonts-wqy-microhei", "fonts-noto-color-emoji"], { stdio: "ignore" });
  } catch {
    /* screenshots fall back to whatever fonts exist */
  }
}

// CI is true in CI (CI=true): there nothing the tests need may be missing,
// so what would skip elsewhere fails instead.
export const CI = process.env.CI === "true";

// skipReason is why the browser tests cannot run here (undefined: they
// can). In CI a missing Chromium is an error, never a skip.
export const skipReason = () => {
  if (chromiumPath()) return undefined;
  const why = `Chromium not found at ${CHROMIUM} and it could not be installed (apt-get install chromium needs root)`;
  if (CI) throw new Error(`CI=true: ${why}`);
  return `${why}: browser tests skipped`;
};

// missing skips test t for a reason outside the client (a server
// capability, a browser feature), or fails it in CI.
export function missing(t, reason) {
  if (CI) throw new Error(`CI=true, and this test cannot run: ${reason}`);
  return t.skip(reason);
}

// E2E_PORT_BASE: take servers' ports from there up (a machine shared with
// others' servers), instead of any free port.
let nextPort = Number(process.env.E2E_PORT_BASE) || 0;

function freePort() {
  if (nextPort) return Promise.resolve(nextPort++);
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

let built;
function buildBinary() {
  if (built) return built;
  // HONGYAN_BIN: use a binary built elsewhere instead of building this tree.
  if (process.env.HONGYAN_BIN) return (built = process.env.HONGYAN_BIN);
  mkdirSync(OUT, { recursive: true });
  const bin = join(OUT, "hongyan");
  execFileSync("go", ["build", "-o", bin, "./cmd/hongyan"], { cwd: REPO, stdio: "inherit" });
  built = bin;
  return bin;
}

// startServer runs a fresh node (env: more HONGYAN_* settings); stop() ends
// it and removes its data; kill() and restart() stop it and bring it back on
// the same port and data.
export async function startServer({ env = {} } = {}) {
  const bin = buildBinary();
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), "hongyan-web-e2e-"));
  const url = `http://127.0.0.1:${port}`;
  let proc;
  let log = "";
  const run = async () => {
    proc = spawn(bin, ["serve", "--listen", `127.0.0.1:${port}`, "--data", data], {
      env: {
        ...process.env,
        HONGYAN_LIMITS_REGISTER_PER_MINUTE: "0",
        HONGYAN_LIMITS_LOGIN_PER_MINUTE: "0",
        HONGYAN_LIMITS_FRIEND_REQUESTS_PER_HOUR: "0",
        // Tests seed thousands of messages from one user (load, scroll).
        HONGYAN_LIMITS_SENDS_PER_MINUTE: "0",
        ...env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    proc.stderr.on("data", (d) => (log = (log + d).slice(-20000)));
    for (let i = 0; i < 150; i++) {
      try {
        const r = await fetch(url + "/healthz");
        if (r.ok) return;
      } catch {
        /* not yet */
      }
      if (proc.exitCode !== null) throw new Error("hongyan exited:\n" + log);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("hongyan did not come up:\n" + log);
  };
  const kill = async () => {
    if (proc.exitCode !== null) return;
    proc.kill("SIGTERM");
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.on("exit", r)));
  };
  await run();
  return {
    url,
    port,
    // The binary and the data directory, for `hongyan admin` while the
    // node is stopped.
    bin,
    data,
    log: () => log,
    kill,
    restart: run,
    async stop() {
      await kill();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

// wav writes a short 440 Hz tone as 16-bit mono PCM, for Chromium's fake
// microphone (amplitude 0: silence, a quiet line).
export function toneWav(path, seconds = 3, rate = 16000, amplitude = 12000) {
  const n = seconds * rate;
  const b = Buffer.alloc(44 + n * 2);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + n * 2, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * amplitude), 44 + i * 2);
  writeFileSync(path, b);
  return path;
}

// pngImage draws a w×h gradient as a valid PNG (for upload tests).
export function pngImage(w = 96, hgt = 64) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(hgt, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * hgt);
  for (let y = 0; y < hgt; y++)
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = (x * 255) / w;
      raw[o + 1] = 160;
      raw[o + 2] = (y * 255) / hgt;
    }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

export async function launch(extraArgs = []) {
  mkdirSync(OUT, { recursive: true });
  ensureFonts();
  const wav = toneWav(join(OUT, "tone.wav"));
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--no-sandbox",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
      "--autoplay-policy=no-user-gesture-required",
      ...extraArgs,
    ],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
