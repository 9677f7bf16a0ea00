// Accessibility checks with axe-core (a test dependency, MPL-2.0): the
// engine is injected into the page from the test — never shipped in the
// bundle — and run over what the page shows now.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// The rules of WCAG 2.0–2.2 A and AA plus axe's best practices.
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

// axe runs axe-core over the page (or the element matching `within`) and
// returns the violations of impact serious or critical, one line each.
export async function axe(page, label, within) {
  // Evaluated through DevTools, which the page's CSP does not restrict.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(source);
  const violations = await page.evaluate(
    async ([tags, within]) => {
      const r = await window.axe.run(within ? document.querySelector(within) : document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(" ")}${n.any?.[0]?.message ? ` — ${n.any[0].message}` : ""}`),
      }));
    },
    [TAGS, within ?? null],
  );
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${label}: [${v.impact}] ${v.id} (${v.help}) on ${v.nodes.length} node(s):\n    ${v.nodes.slice(0, 6).join("\n    ")}`);
}
