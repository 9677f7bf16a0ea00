// Builds the client into internal/webui/dist, where //go:embed reaches it.
// Output is deterministic: file names carry content hashes only, and the
// service worker lists the built files and a version derived from them.
import { defineConfig, type Plugin } from "vite";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

function serviceWorker(): Plugin {
  return {
    name: "hongyan-sw",
    apply: "build",
    generateBundle(_opts, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith(".map")).sort();
      const shell = ["/", ...files.filter((f) => f !== "index.html").map((f) => "/" + f), "/manifest.webmanifest", "/icon.svg", "/icon-192.png"];
      const version = createHash("sha256").update(files.join("\n")).digest("hex").slice(0, 16);
      const src = readFileSync(new URL("./src/sw.js", import.meta.url), "utf8")
        .replace("__VERSION__", version)
        .replace('"__SHELL__"', JSON.stringify(shell));
      this.emitFile({ type: "asset", fileName: "sw.js", source: src });
    },
  };
}

export default defineConfig({
  plugins: [serviceWorker()],
  build: {
    outDir: "../internal/webui/dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      "/ws": { target: process.env.HONGYAN_URL ?? "http://127.0.0.1:8080", ws: true },
      "^/(avatar|qr|media|export)(/|\\?|$)": process.env.HONGYAN_URL ?? "http://127.0.0.1:8080",
    },
  },
});
