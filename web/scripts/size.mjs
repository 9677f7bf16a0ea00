// Prints the shipped size of the built client (internal/webui/dist): each
// JS and CSS file raw and gzipped (level 9), and the totals.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const dir = new URL("../../internal/webui/dist/assets/", import.meta.url);
const totals = { js: [0, 0], css: [0, 0] };
for (const f of readdirSync(dir).sort()) {
  const ext = f.endsWith(".js") ? "js" : f.endsWith(".css") ? "css" : "";
  if (!ext) continue;
  const b = readFileSync(new URL(f, dir));
  const gz = gzipSync(b, { level: 9 }).length;
  totals[ext][0] += b.length;
  totals[ext][1] += gz;
  console.log(`${f}\t${b.length} B\t${gz} B gzip`);
}
for (const [k, [raw, gz]] of Object.entries(totals)) console.log(`total ${k}\t${raw} B\t${gz} B gzip (${(gz / 1024).toFixed(1)} KiB)`);
