/**
 * The HTML report of `clearsim sensitivity`: per statistic a tornado chart (one bar per parameter,
 * from the change at its low value to the change at its high value, largest swing on top, each
 * end with its 95% interval) and the table of the changes. Self-contained; every text escaped.
 */
import { hoursPath, showValue, type SensitivityResult } from '../experiments/sensitivity.js';
import { formatHours } from '../scenario/duration.js';
import { simplePage, simpleTable } from './simple-page.js';
import { esc, niceTicks } from './svg.js';

const LOW = '#6baed6',
  HIGH = '#d6604d';

type Result = Omit<SensitivityResult, 'reports'>;

/** The tornado of one statistic: bars from 0 to each change, sorted by swing, intervals as whiskers. */
export function tornadoChart(r: Result, stat: string, fmt: (x: number) => string): string {
  const rows = r.order[stat].map((path) => r.params.find((p) => p.path === path)!);
  const width = 900,
    labelW = 260,
    right = 30,
    top = 34,
    rowH = 30,
    bottom = 40;
  const height = top + rows.length * rowH + bottom;
  const ends = rows.flatMap((p) => {
    const e = p.effects[stat];
    return [e.low.lo, e.low.hi, e.high.lo, e.high.hi, e.low.diff, e.high.diff, 0].filter(Number.isFinite);
  });
  let lo = Math.min(...ends),
    hi = Math.max(...ends);
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const ticks = niceTicks(lo, hi, 6);
  lo = Math.min(lo, ticks[0]);
  hi = Math.max(hi, ticks[ticks.length - 1]);
  const x = (v: number) => labelW + ((v - lo) / (hi - lo)) * (width - labelW - right);
  const parts: string[] = [];
  parts.push(
    `<rect x="${labelW}" y="8" width="12" height="12" fill="${LOW}"/><text x="${labelW + 16}" y="18" font-size="12">at the low value</text>`,
    `<rect x="${labelW + 130}" y="8" width="12" height="12" fill="${HIGH}"/><text x="${labelW + 146}" y="18" font-size="12">at the high value</text>`,
    `<text x="${labelW + 270}" y="18" font-size="12" fill="#555">whiskers: paired 95% intervals</text>`,
  );
  for (const t of ticks) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${top - 4}" y2="${height - bottom + 4}" stroke="#eee"/>`,
      `<text x="${x(t)}" y="${height - bottom + 18}" font-size="11" text-anchor="middle">${esc(fmt(t))}</text>`,
    );
  }
  rows.forEach((p, i) => {
    const y = top + i * rowH;
    const e = p.effects[stat];
    parts.push(
      `<text x="${labelW - 8}" y="${y + rowH / 2 + 4}" font-size="12" text-anchor="end">${esc(p.path)} <tspan fill="#777">${esc(showValue(p, p.low))}–${esc(showValue(p, p.high))}</tspan></text>`,
    );
    for (const [iv, color, dy] of [
      [e.low, LOW, 4],
      [e.high, HIGH, rowH / 2],
    ] as const) {
      if (!Number.isFinite(iv.diff)) continue;
      const a = x(Math.min(0, iv.diff)),
        b = x(Math.max(0, iv.diff));
      const h = rowH / 2 - 5;
      parts.push(
        `<rect data-bar="${esc(p.path)}" x="${a}" y="${y + dy}" width="${Math.max(1, b - a)}" height="${h}" fill="${color}"><title>${esc(`${p.path}: ${fmt(iv.diff)}`)}</title></rect>`,
      );
      if (Number.isFinite(iv.lo))
        parts.push(
          `<line x1="${x(iv.lo)}" x2="${x(iv.hi)}" y1="${y + dy + h / 2}" y2="${y + dy + h / 2}" stroke="#333" stroke-width="1.2"/>`,
        );
    }
  });
  parts.push(`<line x1="${x(0)}" x2="${x(0)}" y1="${top - 4}" y2="${height - bottom + 4}" stroke="#333"/>`);
  parts.push(
    `<text x="${(labelW + width - right) / 2}" y="${height - 6}" font-size="12" text-anchor="middle">change in ${esc(stat)} from the base</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="tornado" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui,sans-serif"><title>${esc(`Tornado: ${stat}`)}</title>${parts.join('')}</svg>`;
}

export function renderSensitivityReport(r: Result): string {
  const sections = r.stats.map((st) => {
    const fmt = hoursPath(st) ? (v: number) => formatHours(v) : (v: number) => String(+v.toPrecision(4));
    const signed = (v: number) => (Number.isFinite(v) ? `${v > 0 ? '+' : v < 0 ? '−' : ''}${fmt(Math.abs(v))}` : '–');
    const rows = r.order[st].map((path) => {
      const p = r.params.find((x) => x.path === path)!;
      const e = p.effects[st];
      const cell = (iv: typeof e.low) => `${signed(iv.diff)} (${signed(iv.lo)} to ${signed(iv.hi)})`;
      return [
        esc(path),
        esc(showValue(p, p.base)),
        esc(showValue(p, p.low)),
        esc(showValue(p, p.high)),
        esc(cell(e.low)),
        esc(cell(e.high)),
        esc(fmt(e.swing)),
      ];
    });
    return `<section data-stat="${esc(st)}"><h2>${esc(st)}</h2><p class="desc">Base: ${esc(fmt(r.base[st]))}. Bars: the change from the base with each parameter at its low and its high value, the others at base; largest swing on top.</p>
<figure><figcaption>Tornado: ${esc(st)}</figcaption>${tornadoChart(r, st, signed)}</figure>
${simpleTable('sensitivity', ['parameter', 'base', 'low', 'high', 'change at low (95%)', 'change at high (95%)', 'swing'], rows)}</section>`;
  });
  const warnings = Object.entries(r.warnings ?? {}).flatMap(([who, ws]) => ws.map((w) => `<li>${esc(who)}: ${esc(w.message)}</li>`));
  const body = `<header><h1><span class="kind">clearsim · sensitivity</span>${esc(r.scenario)}</h1>
<p class="desc">One parameter at a time: the scenario at its base values, then with each parameter at its low and at its high value, every run on the same ${esc(r.replications)} replications (seed ${esc(r.seed)}, r), so that each change is a paired difference from the base (common random numbers) with its 95% interval. Counts (servers) are rounded and kept at least 1.</p></header>
${warnings.length ? `<div class="warn"><b>Overload</b><ul>${warnings.join('')}</ul></div>` : ''}
<section><h2>In plain words</h2><ul class="lines">${r.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></section>
${sections.join('\n')}`;
  return simplePage(`clearsim sensitivity: ${esc(r.scenario)}`, body);
}
