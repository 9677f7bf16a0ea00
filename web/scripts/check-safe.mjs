// CI guard: user text reaches the DOM only as text. Fails when web/src
// (outside generated code) uses an HTML-parsing sink or eval-like API.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const banned = [
  [/\.innerHTML\b/, "innerHTML"],
  [/\.outerHTML\s*=/, "outerHTML ="],
  [/insertAdjacentHTML/, "insertAdjacentHTML"],
  [/document\.write/, "document.write"],
  [/\beval\s*\(/, "eval"],
  [/new\s+Function\s*\(/, "new Function"],
  [/createContextualFragment/, "createContextualFragment"],
  [/DOMParser/, "DOMParser"],
  [/setAttribute\(\s*["']style["']/, "style attribute (CSP forbids inline styles)"],
  [/setAttribute\(\s*["']on[a-z]+["']/, "inline event handler attribute"],
];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "gen") yield* files(p);
    } else if (/\.(ts|js)$/.test(name)) yield p;
  }
}

const root = new URL("../src", import.meta.url).pathname;
let bad = 0;
for (const f of files(root)) {
  readFileSync(f, "utf8")
    .split("\n")
    .forEach((line, i) => {
      for (const [re, what] of banned) {
        if (re.test(line)) {
          console.error(`${f}:${i + 1}: ${what} is not allowed (render text with textContent / DOM APIs)`);
          bad++;
        }
      }
    });
}
if (bad) process.exit(1);
console.log("check-safe: no HTML sinks in web/src");
