// barChart draws values per day as an SVG bar chart, built node by node
// (no markup from strings): one series, or several side by side, the
// later ones lighter; each bar has its day and value as a title.
export function barChart(days: string[], series: number[][], label: string, o: { height?: number; maxBar?: number } = {}): SVGSVGElement {
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = o.height ?? 160, P = 24;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "oa-chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const hi = Math.max(1, ...series.flat());
  const w = Math.min(o.maxBar ?? Infinity, (W - 2 * P) / Math.max(1, days.length));
  const bw = (w * 0.8) / Math.max(1, series.length);
  days.forEach((day, i) => {
    series.forEach((values, j) => {
      const v = values[i] ?? 0;
      const bh = (v * (H - 2 * P)) / hi;
      const r = document.createElementNS(NS, "rect");
      r.setAttribute("x", String(P + i * w + w * 0.1 + j * bw));
      r.setAttribute("y", String(H - P - bh));
      r.setAttribute("width", String(bw));
      r.setAttribute("height", String(bh));
      r.style.fill = "var(--green)";
      if (j > 0) r.style.opacity = "0.45";
      const tt = document.createElementNS(NS, "title");
      tt.textContent = `${day}: ${v}`;
      r.append(tt);
      svg.append(r);
    });
  });
  const lab = (text: string, x: number, y: number) => {
    const el = document.createElementNS(NS, "text");
    el.setAttribute("x", String(x));
    el.setAttribute("y", String(y));
    el.setAttribute("font-size", "11");
    el.textContent = text;
    svg.append(el);
  };
  lab(String(hi), 2, P);
  if (days.length) {
    lab(days[0], P, H - 6);
    if (days.length > 1) lab(days[days.length - 1], W - P - 70, H - 6);
  }
  return svg;
}
