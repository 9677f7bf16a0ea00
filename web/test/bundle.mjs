// Bundles a module of web/src for the unit tests (Node runs no TypeScript).
import { build } from "esbuild";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The modules use window.setTimeout; here its timers must not keep the
// test process alive.
globalThis.window ??= {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    t.unref();
    return t;
  },
};

// load bundles the given modules of web/src into one (so that they share
// classes such as ApiError) and imports it.
export async function load(...entries) {
  const src = new URL("../src/", import.meta.url).pathname;
  const r = await build({
    stdin: { contents: entries.map((e) => `export * from "./${e}";`).join("\n"), resolveDir: src, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "silent",
  });
  const dir = mkdtempSync(join(tmpdir(), "hy-unit-"));
  const file = join(dir, "bundle.mjs");
  writeFileSync(file, r.outputFiles[0].text);
  return import(file);
}
