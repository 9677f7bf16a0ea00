// Prints the shipped size of the built client (internal/webui/dist): each
// JS and CSS file raw, gzipped (level 9) and as served — the brotli copy
// made at build time (internal/webui/precompress) — and the totals.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const dir = new URL("../../internal/webui/dist/assets/", import.meta.url);
const totals = { js: [0, 0, 0], css: [0, 0, 0] };
for (const f of readdirSync(dir).sort()) {
  const ext = f.endsWith(".js") ? "js" : f.endsWith(".css") ? "css" : "";
  if (!ext) continue;
  const b = readFileSync(new URL(f, dir));
  const gz = gzipSync(b, { level: 9 }).length;
  const brFile = new URL(f + ".br", dir);
  const br = existsSync(brFile) ? readFileSync(brFile).length : b.length;
  totals[ext][0] += b.length;
  totals[ext][1] += gz;
  totals[ext][2] += br;
  console.log(`${f}\t${b.length} B\t${gz} B gzip\t${br} B brotli (served)`);
}
for (const [k, [raw, gz, br]] of Object.entries(totals)) console.log(`total ${k}\t${raw} B\t${gz} B gzip (${(gz / 1024).toFixed(1)} KiB)\t${br} B brotli (${(br / 1024).toFixed(1)} KiB)`);
