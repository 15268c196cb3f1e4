/**
 * Self-contained HTML reports (one file, no network, no script): a run report laid out like a
 * WCO Time Release Study, a comparison of two scenarios and a parameter sweep. Charts are inline
 * SVG from ./svg.ts; every piece of text that comes from a report is escaped.
 */
import type { Comparison } from '../experiments/compare.js';
import { formatAmount } from '../format-amount.js';
import type { Interval } from '../experiments/paired.js';
import type { TargetResult } from '../experiments/target.js';
import { heatmap } from './heatmap.js';
import { formatHours, formatMagnitude } from '../scenario/duration.js';
import {
  CI95_SUFFIX,
  ci95Of,
  LANE_KEYS,
  segmentsOf,
  type CountAndClearance,
  type CostsSection,
  type Estimate,
  type FirmBenefitGroup,
  type FirmComparisonJson,
  type FirmsSection,
  type GroupReport,
  type HoursStats,
  type ReleasedWithin,
  type Report,
  type SegmentKind,
} from '../stats/report-schema.js';
import {
  dotWhisker,
  esc,
  groupedBars,
  LOG1P_TICKS,
  lineChart,
  niceStep,
  niceTicks,
  stackedBars,
  type Band,
  type LineSeries,
} from './svg.js';

/** What renderCompareReport needs of a Comparison (the per-replication reports are optional). */
export type ComparisonInput = Omit<Comparison, 'reports'> & { reports?: Comparison['reports'] };

/** What renderSweepReport needs of a Sweep (src/experiments/sweep.ts). */
export interface SweepInput {
  scenario: string;
  replications?: number;
  params: { path: string; values: unknown[] }[];
  points: { params: Record<string, unknown>; report: Report; targets?: TargetResult[] }[];
  /** sweep --target: the expressions; each point then has its `targets`. */
  targets?: string[];
}

// ---------------------------------------------------------------------------------------------
// formatting

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Hours as a bare number, the unit being in the heading: 2 decimals below 10, 1 below 100, none above. */
const fmtH = (h: number | null | undefined) => formatHours(h, 'number');
/** Any other magnitude (queue lengths, days), the same way. */
const fmtNum = formatMagnitude;

export function fmtPct(x: unknown): string {
  if (!isNum(x)) return '–';
  const p = x * 100;
  return `${Math.abs(p) < 1 && p !== 0 ? p.toFixed(2) : p.toFixed(1)}%`;
}

const fmtInt = (x: unknown) => (isNum(x) ? Math.round(x).toLocaleString('en-US') : '–');
/** A difference in hours, signed. */
const fmtSigned = (x: number) => (isNum(x) ? `${x > 0 ? '+' : x < 0 ? '−' : ''}${fmtH(Math.abs(x))}` : '–');

/** An amount as formatAmount gives it; "–" for anything not a number. */
export function fmtCny(x: unknown, signed = false): string {
  return isNum(x) ? formatAmount(x, signed) : '–';
}
const fmtCnySigned = (x: number) => fmtCny(x, true);

/** An estimate over replications with its 95% interval (in a .ci span); "–" if none. */
function estimate(e: Estimate | undefined, f: (x: number) => string): string {
  if (!e || !isNum(e.estimate)) return '–';
  return `${esc(f(e.estimate))}${isNum(e.lo) && isNum(e.hi) ? `<span class="ci">${esc(f(e.lo))} to ${esc(f(e.hi))}</span>` : ''}`;
}

/** Shares by sector, largest first: "manufacturing 68%, trading 22%, logistics 10%". */
function sectorShares(sectors: Record<string, number>): string {
  const parts = Object.entries(sectors)
    .filter(([, v]) => isNum(v) && v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v < 0.005 ? '<1' : Math.round(v * 100)}%`);
  return parts.length ? parts.join(', ') : '–';
}

/** A statistic (hours unless f says otherwise) and, when the report merged replications, its ± 95% half-width. */
function stat<T extends object>(o: T | undefined, key: keyof T & string, f: (x: number) => string = fmtH): string {
  const v = o?.[key];
  const ci = o && ci95Of(o, key);
  if (!isNum(v)) return '–';
  if (isNum(ci) && ci > 0) {
    const cis = f === fmtPct ? `${(ci * 100).toFixed(Math.abs(ci * 100) < 1 ? 2 : 1)}` : f(ci);
    return `${esc(f(v))}<span class="ci"> ± ${esc(cis)}</span>`;
  }
  return esc(f(v));
}

function paramValue(v: unknown): string {
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// colours

const TIER_COLORS = ['#1a9850', '#4575b4', '#d73027', '#984ea3', '#ff7f00', '#a65628', '#f781bf', '#666666'];
const AEO_COLOR = '#1a9850';
const NON_AEO_COLOR = '#d95f02';
// no reds: red marks disruptions in the timeline
const STAGE_HUES = ['#2166ac', '#e08214', '#7b3294', '#1b7837', '#8c510a', '#01665e', '#c51b7d', '#525252'];
const LANE_COLORS: Record<string, string> = { green: '#1a9850', yellow: '#e6ab02', red: '#d73027', blue: '#4575b4' };
const WITHIN_COLORS = ['#c6dbef', '#6baed6', '#08519c'];
/** released_within's keys, and how the charts write them. */
const WITHIN = [
  ['1h', '1 h'],
  ['24h', '24 h'],
  ['48h', '48 h'],
] as const;

/** Mixes a #rrggbb colour with white: t = 0 the colour, 1 white. */
function tint(hex: string, t: number): string {
  const n = parseInt(hex.slice(1), 16);
  const c = [n >> 16, (n >> 8) & 255, n & 255].map((v) => Math.round(v + (255 - v) * t));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

// ---------------------------------------------------------------------------------------------
// page shell

const CSS = `
:root{--fg:#1d232a;--muted:#5b6570;--line:#d9dee3;--bg:#f6f7f9;--card:#fff;--accent:#0b5394}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
header{border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:18px}
h1{font-size:26px;margin:0 0 4px}
h1 .kind{display:block;font-size:13px;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--accent)}
h2{font-size:19px;margin:30px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
p{margin:6px 0}
.desc{color:var(--muted);max-width:900px}
dl.meta{display:flex;flex-wrap:wrap;gap:6px 22px;margin:10px 0 0}
dl.meta div{display:flex;gap:6px}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:14px;margin:10px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;border-top:5px solid var(--c,#888)}
.card h3{margin:0 0 6px;font-size:15px}
.card .big{font-size:30px;font-weight:700;line-height:1.1}
.card .big small{font-size:14px;font-weight:500;color:var(--muted)}
.card dl{display:grid;grid-template-columns:auto auto;gap:2px 14px;margin:8px 0 0}
.card dt{color:var(--muted)}
.card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff8e1;border:1px solid #f0d98a;border-radius:6px;padding:8px 12px;margin:10px 0}
.note.ok{background:#eef7ee;border-color:#b9dcb9}
.lead{font-size:15px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px;margin:10px 0}
.charts.wide{grid-template-columns:minmax(0,1fr)}
.charts>.note{align-self:start}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
figcaption{font-weight:600;margin-bottom:4px}
figcaption .sub{display:block;font-weight:400;color:var(--muted);font-size:12.5px}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
svg.chart text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#333}
svg.chart .tick{fill:#555;font-size:11px}
svg.chart .axis-label{fill:#333;font-size:12px;font-weight:600}
svg.chart .grid{stroke:#e6e9ed;stroke-width:1}
svg.chart .axisline,svg.chart .tickmark{stroke:#8a939c;stroke-width:1}
svg.chart .refline{stroke-dasharray:3 3;stroke-width:1}
svg.chart .reflabel{fill:#666;font-size:11px}
svg.chart .zero{stroke:#333;stroke-width:1.2}
svg.chart .rowguide{stroke:#f0f2f4}
svg.chart .grouplabel{font-weight:700;font-size:13px}
svg.chart .rownote{font-size:11.5px;fill:#444;font-variant-numeric:tabular-nums}
svg.chart .barvalue{font-size:11px;fill:#333}
svg.chart .barvalue.small{font-size:10px}
table{border-collapse:collapse;background:var(--card);margin:8px 0 4px;font-variant-numeric:tabular-nums;width:100%}
.tablewrap{overflow-x:auto}
th,td{border-bottom:1px solid var(--line);padding:5px 7px;font-size:13.5px;text-align:right;white-space:nowrap}
th{background:#eef1f4;font-weight:600;font-size:12.5px;white-space:normal;vertical-align:bottom}
td.l,th.l{text-align:left}
td.l{white-space:normal;min-width:120px;max-width:260px}
td.l.wide{min-width:150px}
td .sub{color:var(--muted);font-size:12px}
tr.total td{font-weight:700;border-top:2px solid #aab2ba}
.ci{color:var(--muted);font-size:12px}
table.stack .ci{display:block;line-height:1.1}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
ul.lines{margin:6px 0;padding-left:20px}
ul.lines li{margin:3px 0;font-size:15px}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{background:#fff}figure,.card,table{break-inside:avoid}}
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="clearsim">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
<footer>Generated by clearsim. Times are hours from the goods' arrival to release (the WCO Time Release Study measure). This file is self-contained: it loads nothing from the network.</footer>
</main>
</body>
</html>
`;
}

function figure(caption: string, sub: string, svg: string): string {
  return `<figure><figcaption>${esc(caption)}${sub ? `<span class="sub">${esc(sub)}</span>` : ''}</figcaption>${svg}</figure>`;
}

/** stackCi: a ± half-width goes under its value (wide tables of merged replications). */
function table(
  head: string[],
  rows: string[][],
  opts: { leftCols?: number; totalLast?: boolean; wideFirst?: boolean; stackCi?: boolean; name?: string } = {},
): string {
  const left = opts.leftCols ?? 1;
  const cls = (i: number) => (i === 0 && opts.wideFirst ? ' class="l wide"' : ' class="l"');
  const th = head.map((h, i) => `<th${i < left ? ' class="l"' : ''}>${h}</th>`).join('');
  const body = rows
    .map(
      (r, k) =>
        `<tr${opts.totalLast && k === rows.length - 1 ? ' class="total"' : ''}>${r.map((c, i) => `<td${i < left ? cls(i) : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="tablewrap"><table${opts.name ? ` data-table="${esc(opts.name)}"` : ''}${opts.stackCi ? ' class="stack"' : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function meta(items: [string, string][]): string {
  return `<dl class="meta">${items.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`;
}

// ---------------------------------------------------------------------------------------------
// run report

/** The segments that are not a stage's wait or service. */
const SEGMENT_LOOKS: Record<Exclude<SegmentKind, 'wait' | 'service'>, { label: string; color: string }> = {
  lodgement: { label: 'lodgement (declaration after arrival)', color: '#9e9e9e' },
  guarantee: { label: 'guarantee', color: '#d4a017' },
  hold: { label: 'findings hold', color: '#6d4c41' },
  goods_wait: { label: 'waiting for the goods', color: '#4db6ac' },
};

interface SegmentKey {
  key: string;
  label: string;
  color: string;
}

/** The segments in the report's order, with labels and colours; all-zero ones left out. */
function segmentKeys(r: Report): SegmentKey[] {
  const byLane = r.segments.by_lane;
  const rows: Record<string, number>[] = [
    ...Object.values(r.segments.by_tier),
    ...LANE_KEYS.map((l) => byLane[l]).filter((x) => x !== undefined),
  ];
  if (rows.length === 0) return [];
  const stages = Object.keys(r.stages);
  return segmentsOf(stages)
    .filter((g) => rows.some((row) => isNum(row[g.key]) && row[g.key] > 1e-9))
    .map(({ key, kind, stage }) => {
      if (kind === 'wait' || kind === 'service') {
        const hue = STAGE_HUES[stages.indexOf(stage!) % STAGE_HUES.length];
        return { key, label: `${stage} ${kind}`, color: kind === 'wait' ? tint(hue, 0.55) : hue };
      }
      return { key, ...SEGMENT_LOOKS[kind] };
    });
}

function headlineCard(label: string, color: string, g: GroupReport): string {
  const ch = g.clearance_hours;
  const w = g.released_within;
  return `<div class="card" style="--c:${color}"><h3>${esc(label)}</h3>
<div class="big">${stat(ch, 'mean')} <small>h mean clearance</small></div>
<dl>
<dt>shipments</dt><dd>${esc(fmtInt(g.count))}</dd>
<dt>median (p50)</dt><dd>${stat(ch, 'p50')} h</dd>
<dt>p90</dt><dd>${stat(ch, 'p90')} h</dd>
<dt>released within 1 h</dt><dd>${stat(w, '1h', fmtPct)}</dd>
<dt>released within 24 h</dt><dd>${stat(w, '24h', fmtPct)}</dd>
<dt>released within 48 h</dt><dd>${stat(w, '48h', fmtPct)}</dd>
</dl></div>`;
}

function cdfChart(r: Report): string | null {
  const a = r.aeo_vs_non_aeo.aeo.percentiles,
    n = r.aeo_vs_non_aeo.non_aeo.percentiles;
  const groups: [string, string, number[]][] = [
    ['AEO', AEO_COLOR, a],
    ['non-AEO', NON_AEO_COLOR, n],
  ];
  const series: LineSeries[] = [];
  let max = 0;
  for (const [label, color, ps] of groups) {
    if (ps.length === 0 || !ps.every(isNum)) continue;
    // an empirical CDF from p1..p99: at q_k the share released reaches k %
    const pts: [number, number][] = [[ps[0], 0]];
    for (const [k, q] of ps.entries()) pts.push([q, (k + 1) / (ps.length + 1)]);
    series.push({ label, color, points: pts, step: true, width: 2.5 });
    max = Math.max(max, ps[ps.length - 1]);
  }
  if (series.length === 0) return null;
  const xmax = LOG1P_TICKS.find((t) => t >= max * 1.05) ?? max * 1.1;
  return lineChart({
    name: 'clearance-cdf',
    title: 'Share of shipments released within a given time, AEO vs non-AEO (p1 to p99)',
    width: 620,
    height: 270,
    x: { label: 'hours from arrival to release (log scale, 0 included)', kind: 'log1p', min: 0, max: xmax },
    y: { label: 'share released', min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], format: (v) => `${Math.round(v * 100)}%` },
    series,
    vlines: [
      { x: 1, label: '1 h' },
      { x: 24, label: '24 h' },
      { x: 48, label: '48 h' },
    ],
  });
}

function timelineSection(r: Report): string {
  const tl = r.timeline;
  if (!tl || tl.hours.length === 0) {
    return '<p class="note">No timeline in this report: run with the timeline option to see every stage’s queue and busy servers over simulated time.</p>';
  }
  const days = tl.hours.map((h) => h / 24);
  const horizon = r.horizon_days;
  const bands: Band[] = [];
  if (r.warmup_days > 0) bands.push({ x0: 0, x1: r.warmup_days, color: '#6b6b6b', opacity: 0.1, label: 'warm-up (not in the statistics)' });
  for (const d of r.disruptions) {
    bands.push({ x0: d.start_hours / 24, x1: d.end_hours / 24, color: '#d73027', opacity: 0.3, label: 'disruption' });
    if (d.window_end_hours > d.end_hours)
      bands.push({
        x0: d.end_hours / 24,
        x1: d.window_end_hours / 24,
        color: '#d73027',
        opacity: 0.11,
        label: 'after the disruption (recovery window)',
      });
  }
  // weekly ticks on long runs (the clock starts on a Monday)
  const xTicks = horizon >= 28 ? Array.from({ length: Math.floor(horizon / 7) + 1 }, (_, i) => i * 7) : niceTicks(0, horizon, 7);
  const x = { label: 'simulated time (days from Monday 00:00 of day 0)', min: 0, max: horizon, ticks: xTicks };
  const out: string[] = [];
  Object.entries(tl.stages).forEach(([name, s], i) => {
    const hue = STAGE_HUES[i % STAGE_HUES.length];
    const unlimited = s.capacity.every((c) => c === null);
    const pts = (ys: (number | null)[]): [number, number][] =>
      days.map((d, k) => {
        const y = ys[k];
        return [d, isNum(y) ? y : NaN];
      });
    const figs: string[] = [];
    if (!unlimited) {
      figs.push(
        figure(
          `${name}: queue length`,
          'shipments waiting for a server, sampled over simulated time',
          lineChart({
            name: `timeline-queue-${name}`,
            title: `${name}: shipments waiting over simulated time`,
            width: 560,
            height: 190,
            x,
            y: { label: 'shipments waiting', min: 0 },
            series: [{ label: 'queue', color: hue, points: pts(s.queue), width: 1.8 }],
            bands,
          }),
        ),
      );
    }
    const busySeries: LineSeries[] = [{ label: unlimited ? 'in progress' : 'servers busy', color: hue, points: pts(s.busy), width: 1.8 }];
    if (!unlimited)
      busySeries.push({
        label: 'servers available (capacity)',
        color: '#333',
        points: pts(s.capacity),
        step: true,
        dash: true,
        width: 1.3,
      });
    figs.push(
      figure(
        unlimited ? `${name}: shipments in progress` : `${name}: servers busy`,
        unlimited
          ? 'unlimited servers (a pure delay): every shipment is served at once'
          : 'busy servers against the servers available (opening hours and disruptions)',
        lineChart({
          name: `timeline-busy-${name}`,
          title: unlimited
            ? `${name}: shipments in progress over simulated time`
            : `${name}: servers busy and available over simulated time`,
          width: 560,
          height: 190,
          x,
          y: { label: unlimited ? 'shipments' : 'servers', min: 0 },
          series: busySeries,
          bands,
        }),
      ),
    );
    out.push(
      `<h3>${esc(name)}${unlimited ? ' <span class="ci">(unlimited servers)</span>' : ''}</h3><div class="charts">${figs.join('')}</div>`,
    );
  });
  return out.join('\n');
}

function disruptionSection(r: Report): string {
  const ds = r.disruptions;
  if (ds.length === 0) return '';
  const tiers = Object.keys(r.by_tier);
  const day = (h: number) => formatHours(h, 'day');
  const rows: string[][] = [];
  for (const d of ds) {
    const window = `${day(d.start_hours)} – ${day(d.end_hours)}${d.window_end_hours > d.end_hours ? `, recovery to ${day(d.window_end_hours)}` : ''}`;
    // each group in the window, and all of its shipments over the run
    const groups: [string, CountAndClearance, { clearance_hours: HoursStats }][] = [
      ['AEO', d.aeo_vs_non_aeo.aeo, r.aeo_vs_non_aeo.aeo],
      ['non-AEO', d.aeo_vs_non_aeo.non_aeo, r.aeo_vs_non_aeo.non_aeo],
      ...tiers.map((t): [string, CountAndClearance, { clearance_hours: HoursStats }] => [t, d.by_tier[t], r.by_tier[t]]),
    ];
    groups.forEach(([label, g, all], k) => {
      const m = g.clearance_hours.mean,
        base = all.clearance_hours.mean;
      rows.push([
        k === 0 ? `<b>${esc(d.name)}</b><br><span class="sub">${esc(window)}</span>` : '',
        esc(label),
        esc(fmtInt(g.count)),
        stat(g.clearance_hours, 'mean'),
        stat(g.clearance_hours, 'p90'),
        stat(all.clearance_hours, 'mean'),
        isNum(m) && isNum(base) ? esc(fmtSigned(m - base)) : '–',
      ]);
    });
  }
  return `<h2>Disruptions</h2>
<p>Clearance of the shipments that arrived in each disruption’s window (from its start to the end of the recovery window), against all shipments of the run.</p>
${table(['disruption', 'group', 'shipments in window', 'mean (h)', 'p90 (h)', 'mean, whole run (h)', 'difference (h)'], rows, { leftCols: 2 })}`;
}

/** A count that a merged report may hold as a mean per replication: whole numbers with separators, else 2-3 digits. */
const fmtCount = (x: unknown) => (isNum(x) && Number.isInteger(x) ? fmtInt(x) : fmtNum(x));

/** y at x on the piecewise-linear curve (xs ascending); undefined outside it. */
function interpolate(xs: number[], ys: number[], x: number): number | undefined {
  for (let i = 1; i < xs.length; i++) {
    if (!(xs[i] >= x)) continue;
    const x0 = xs[i - 1],
      x1 = xs[i];
    if (!(x >= x0)) return undefined;
    const t = x1 > x0 ? (x - x0) / (x1 - x0) : 1;
    return ys[i - 1] + t * (ys[i] - ys[i - 1]);
  }
  return undefined;
}

/** Concentration curves' x: per mille of firms, so that the log1p axis spreads the few largest firms. */
const PER_MILLE = 1000;

function concentrationChart(f: FirmsSection): string | null {
  const c = f.concentration;
  if (c.firm_share.length < 2) return null;
  const pts = (ys: number[]) => c.firm_share.map((x, i): [number, number] => [x * PER_MILLE, ys[i]]);
  return lineChart({
    name: 'firm-concentration',
    title: 'Concentration: share of declared value and of declarations carried by the largest firms',
    width: 620,
    height: 260,
    x: {
      label: 'share of firms, largest by declared value first (log scale, 0 included)',
      kind: 'log1p',
      min: 0,
      max: PER_MILLE,
      ticks: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      format: (v) => `${+(v / 10).toPrecision(3)}%`,
    },
    y: { label: 'their share', min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], format: (v) => `${Math.round(v * 100)}%` },
    series: [
      { label: 'share of declared value', color: '#1a9850', points: pts(c.value_share), width: 2.5 },
      { label: 'share of declarations', color: '#4575b4', points: pts(c.declaration_share), width: 2.5 },
      { label: 'equal shares (every firm the same size)', color: '#888888', points: pts(c.firm_share), dash: true, width: 1.3 },
    ],
    vlines: [{ x: 10, label: 'largest 1%' }],
  });
}

function firmsSection(r: Report, f: FirmsSection): string {
  const tierNames = Object.keys(r.by_tier);
  const color = (t: string) => TIER_COLORS[Math.max(0, tierNames.indexOf(t)) % TIER_COLORS.length];
  const ft = Object.entries(f.by_tier);
  type Tier = (typeof ft)[number][1];
  const sum = (
    rows: [string, Tier][],
    k: 'firms' | 'declarations' | 'value_cny' | 'share_of_value' | 'share_of_declarations' | 'guarantee_waived_cny_per_year',
  ) => rows.reduce((a, [, t]) => a + (isNum(t[k]) ? t[k] : 0), 0);

  // the answer first: what the AEO firms carry, and how concentrated the firms are
  const lead: string[] = [];
  const aeo = ft.filter(([t]) => r.by_tier[t]?.aeo);
  if (aeo.length > 0) {
    const n = sum(aeo, 'firms'),
      waived = sum(aeo, 'guarantee_waived_cny_per_year');
    lead.push(
      `<b>${esc(fmtCount(n))} AEO firms</b> (${esc(fmtPct(n / f.count))} of ${esc(fmtInt(f.count))}) carry <b>${esc(fmtPct(sum(aeo, 'share_of_value')))} of declared value</b> and ${esc(fmtPct(sum(aeo, 'share_of_declarations')))} of declarations${waived > 0 ? `; the guarantees waived for them come to ${esc(fmtCny(waived))} CNY a year` : ''}.`,
    );
  } else lead.push(`${esc(fmtInt(f.count))} firms, none of them in an AEO tier.`);
  const c = f.concentration;
  const v1 = interpolate(c.firm_share, c.value_share, 0.01),
    d1 = interpolate(c.firm_share, c.declaration_share, 0.01);
  if (isNum(v1) && isNum(d1))
    lead.push(`The largest 1% of firms by value carry ${esc(fmtPct(v1))} of it and lodge ${esc(fmtPct(d1))} of the declarations.`);

  const rows = ft.map(([name, t]) => [
    `<span class="swatch" style="background:${color(name)}"></span><b>${esc(name)}</b>${r.by_tier[name]?.aeo ? ' <span class="sub">AEO</span>' : ''}`,
    esc(sectorShares(t.sectors)),
    stat(t, 'firms', fmtCount),
    stat(t, 'share_of_firms', fmtPct),
    stat(t, 'declarations', fmtCount),
    stat(t, 'share_of_declarations', fmtPct),
    stat(t, 'value_cny', fmtCny),
    stat(t, 'share_of_value', fmtPct),
    stat(t, 'noncompliance', fmtPct),
    stat(t, 'guarantee_waived_cny_per_year', fmtCny),
  ]);
  rows.push([
    'all firms',
    esc(sectorShares(f.sectors)),
    esc(fmtCount(f.count)),
    esc(fmtPct(1)),
    esc(fmtCount(sum(ft, 'declarations'))),
    esc(fmtPct(1)),
    esc(fmtCny(sum(ft, 'value_cny'))),
    esc(fmtPct(1)),
    '–',
    esc(fmtCny(sum(ft, 'guarantee_waived_cny_per_year'))),
  ]);
  const tierTable = table(
    [
      'tier',
      'sectors (share of its firms)',
      'firms',
      'share of firms',
      'declarations',
      'share of declarations',
      'declared value (CNY)',
      'share of value',
      'noncompliance',
      'guarantee waived a year (CNY)',
    ],
    rows,
    { leftCols: 2, totalLast: true, stackCi: true, name: 'firm-tiers' },
  );

  const certs = f.certifications.length
    ? `<h3>Certifications applied</h3>${table(
        ['policy', 'from', 'to', 'firms moved', 'first firms chosen'],
        f.certifications.map((p) => [
          esc(p.name),
          esc(p.from),
          esc(p.to),
          esc(fmtInt(p.firms)),
          esc(`${p.ids.slice(0, 5).join(', ')}${p.ids.length > 5 ? `, … (${fmtInt(p.ids.length - 5)} more)` : ''}`),
        ]),
        { name: 'firm-certifications' },
      )}`
    : '';

  const chart = concentrationChart(f);
  const top = table(
    [
      'firm',
      'tier',
      'sector',
      'declarations',
      'declared value (CNY)',
      'mean clearance (h)',
      'p90 (h)',
      'inspections',
      'guarantee waived a year (CNY)',
    ],
    f.top.map((x) => [
      `<span class="swatch" style="background:${color(x.tier)}"></span>${esc(x.id)}`,
      `${esc(x.tier)}${x.base_tier !== x.tier ? `<br><span class="sub">certified from ${esc(x.base_tier)}</span>` : ''}`,
      esc(x.sector),
      esc(fmtCount(x.declarations)),
      esc(fmtCny(x.value_cny)),
      esc(fmtH(x.clearance_hours.mean)),
      esc(fmtH(x.clearance_hours.p90)),
      esc(fmtCount(x.inspections)),
      esc(fmtCny(x.guarantee_waived_cny_per_year)),
    ]),
    { name: 'firm-top' },
  );

  return `<section><h2>Firms</h2>
<p class="lead">${lead.join(' ')}</p>
<p>The district’s ${esc(fmtInt(f.count))} firms by tier, over the ${esc(fmtCount(f.observed_days))} observed days (per-year figures scale from them). Shares are of all firms and of their observed declarations and declared value.</p>
${tierTable}${certs}
${chart ? `<div class="charts">${figure('Concentration: the largest firms’ share', 'firms ranked by declared value, largest first; how much of the value and of the declarations the largest x% carry', chart)}</div>` : ''}
<h3>The ${esc(fmtInt(f.top.length))} largest firms by declared value</h3>
${top}</section>`;
}

function costsSection(r: Report, c: CostsSection): string {
  const tierNames = Object.keys(r.by_tier);
  const days = r.firms?.observed_days ?? r.horizon_days - r.warmup_days;
  const costs = Object.entries(c.by_tier);
  type Cost = CostsSection['overall'];
  const cells = (x: Cost) => [
    stat(x, 'time_cost_cny', fmtCny),
    stat(x, 'guarantee_fees_cny', fmtCny),
    stat(x, 'guarantee_fees_avoided_cny', fmtCny),
    stat(x, 'cost_per_declaration_cny', fmtCny),
  ];
  const o = c.overall;
  const total = (isNum(o.time_cost_cny) ? o.time_cost_cny : 0) + (isNum(o.guarantee_fees_cny) ? o.guarantee_fees_cny : 0);
  const perTier = costs.map(([t, x]) => `${t} ${fmtCny(x.cost_per_declaration_cny)}`).join(', ');
  return `<section><h2>Costs</h2>
<p class="lead">Over the ${esc(fmtCount(days))} observed days clearance cost traders <b>${esc(fmtCny(total))} CNY</b> in goods held and guarantee fees: <b>${esc(fmtCny(o.cost_per_declaration_cny))} CNY per declaration</b> (${esc(perTier)}).</p>
<p>Time cost: ${esc(fmtPct(c.time_cost_per_day))} of the goods’ value per day in clearance. Guarantee fee: ${esc(fmtPct(c.guarantee_fee_rate))} of each guarantee lodged; fees avoided are those not paid on guarantees waived.</p>
${table(
  ['tier', 'time cost of goods held (CNY)', 'guarantee fees (CNY)', 'guarantee fees avoided (CNY)', 'cost per declaration (CNY)'],
  [
    ...costs.map(([t, x]) => [
      `<span class="swatch" style="background:${TIER_COLORS[Math.max(0, tierNames.indexOf(t)) % TIER_COLORS.length]}"></span>${esc(t)}`,
      ...cells(x),
    ]),
    ['all tiers', ...cells(o)],
  ],
  { totalLast: true, stackCi: true, name: 'costs' },
)}</section>`;
}

// ---------------------------------------------------------------------------------------------
// trade flows (reports of scenarios with flows)

type Directions = NonNullable<Report['by_direction']>;
type Modes = NonNullable<Report['by_mode']>;
type Flows = NonNullable<Report['by_flow']>;
type Destination = NonNullable<Report['destination']>;
type TwoStep = NonNullable<Report['two_step']>;

/** How the report's directions read: "Imports" in a table, "imports" in a sentence. */
const DIRECTION_LABELS: Record<string, string> = { import: 'Imports', export: 'Exports' };
const directionLabel = (k: string) => DIRECTION_LABELS[k] ?? k;
const DIRECTION_COLORS: Record<string, string> = { import: '#2166ac', export: '#e08214' };
/** A ratio of means, as the headline writes it: 0.69×. */
const fmtRatio = (x: number) => `${x.toFixed(2)}×`;
/** "≤ 24 h", a column of shares released within a service standard. */
const withinHead = (key: string) => `≤&nbsp;${esc(key.replace(/h$/, ''))}&nbsp;h`;

/** The shares a flow's released_within holds (1h, 24h, 48h and its own standards), in order of hours; not their _ci95. */
function withinKeys(flows: Flows): string[] {
  const keys = new Set<string>();
  for (const f of Object.values(flows)) for (const k of Object.keys(f.released_within)) if (!k.endsWith(CI95_SUFFIX)) keys.add(k);
  return [...keys].sort((a, b) => parseFloat(a) - parseFloat(b));
}

/** "Imports are cleared in 32.3 h on average (port handling included), exports in 0.90 h; AEO imports take 69.3% as long as non-AEO ones, AEO exports 26.3%." */
function directionLead(bd: Directions): string {
  const dirs = Object.entries(bd);
  if (dirs.length === 0) return '';
  const times = dirs
    .map(([k, d], i) =>
      i === 0
        ? `${esc(directionLabel(k))} are cleared in <b>${esc(fmtH(d.clearance_hours.mean))} h</b> on average (port handling included)`
        : `${esc(directionLabel(k).toLowerCase())} in <b>${esc(fmtH(d.clearance_hours.mean))} h</b>`,
    )
    .join(', ');
  const ratios = dirs
    .filter(([, d]) => isNum(d.aeo_vs_non_aeo.mean_ratio))
    .map(([k, d], i) => {
      const what = `AEO ${esc(directionLabel(k).toLowerCase())}`;
      const pct = esc(fmtPct(d.aeo_vs_non_aeo.mean_ratio));
      return i === 0 ? `${what} take <b>${pct}</b> as long as non-AEO ones` : `${what} ${pct}`;
    });
  return `<p class="lead">${times}${ratios.length ? `; ${ratios.join(', ')}` : ''}.</p>`;
}

function directionTable(r: Report, bd: Directions): string {
  const rows = Object.entries(bd).map(([k, d]) => [
    `<span class="swatch" style="background:${DIRECTION_COLORS[k] ?? '#999'}"></span><b>${esc(directionLabel(k))}</b>`,
    stat(d, 'count', fmtCount),
    stat(d, 'share', fmtPct),
    stat(d.clearance_hours, 'mean'),
    stat(d.clearance_hours, 'p50'),
    stat(d.clearance_hours, 'p90'),
    stat(d.released_within, '24h', fmtPct),
    stat(d.released_within, '48h', fmtPct),
    stat(d.lodgement_to_release_hours, 'mean'),
    stat(d.aeo_vs_non_aeo, 'mean_ratio', fmtRatio),
  ]);
  const o = r.overall;
  rows.push([
    'all shipments',
    stat(o, 'count', fmtCount),
    esc(fmtPct(1)),
    stat(o.clearance_hours, 'mean'),
    stat(o.clearance_hours, 'p50'),
    stat(o.clearance_hours, 'p90'),
    stat(o.released_within, '24h', fmtPct),
    stat(o.released_within, '48h', fmtPct),
    '–',
    stat(r.aeo_vs_non_aeo, 'mean_ratio', fmtRatio),
  ]);
  return table(
    [
      'direction',
      'shipments',
      'share',
      'mean (h)',
      'p50',
      'p90',
      withinHead('24h'),
      withinHead('48h'),
      'lodgement to release, mean (h)',
      'AEO ÷ non-AEO (mean)',
    ],
    rows,
    { totalLast: true, stackCi: true, name: 'flow-directions' },
  );
}

function modeTable(modes: Modes): string {
  const dir = (m: Modes[string], k: string) => m.by_direction[k];
  return table(
    ['mode', 'shipments', 'share', 'mean (h)', 'p50', 'p90', 'imports', 'imports mean (h)', 'exports', 'exports mean (h)'],
    Object.entries(modes).map(([name, m]) => [
      `<b>${esc(name)}</b>`,
      stat(m, 'count', fmtCount),
      stat(m, 'share', fmtPct),
      stat(m.clearance_hours, 'mean'),
      stat(m.clearance_hours, 'p50'),
      stat(m.clearance_hours, 'p90'),
      stat(dir(m, 'import'), 'count', fmtCount),
      stat(dir(m, 'import')?.clearance_hours, 'mean'),
      stat(dir(m, 'export'), 'count', fmtCount),
      stat(dir(m, 'export')?.clearance_hours, 'mean'),
    ]),
    { stackCi: true, name: 'flow-modes' },
  );
}

function flowTable(flows: Flows): string {
  const within = withinKeys(flows);
  return table(
    [
      'flow',
      'direction',
      'mode',
      'shipments',
      'share',
      'mean (h)',
      'p50',
      'p90',
      'lodgement to release, mean (h)',
      ...within.map(withinHead),
    ],
    Object.entries(flows).map(([name, f]) => [
      `<span class="swatch" style="background:${DIRECTION_COLORS[f.direction] ?? '#999'}"></span><b>${esc(name)}</b>`,
      esc(f.direction),
      esc(f.mode),
      stat(f, 'count', fmtCount),
      stat(f, 'share', fmtPct),
      stat(f.clearance_hours, 'mean'),
      stat(f.clearance_hours, 'p50'),
      stat(f.clearance_hours, 'p90'),
      stat(f.lodgement_to_release_hours, 'mean'),
      ...within.map((k) => stat(f.released_within, k, fmtPct)),
    ]),
    { leftCols: 3, stackCi: true, name: 'flows' },
  );
}

/** Mean clearance by mode, imports and exports side by side; null when no mode has a mean. */
function modeChart(bd: Directions, modes: Modes): string | null {
  const names = Object.keys(modes);
  const dirs = Object.keys(bd);
  const series = dirs.map((k) => ({
    label: directionLabel(k),
    color: DIRECTION_COLORS[k] ?? '#999',
    values: names.map((m) => modes[m].by_direction[k]?.clearance_hours.mean ?? Number.NaN),
    errors: names.map((m) => {
      const c = modes[m].by_direction[k]?.clearance_hours;
      return c && ci95Of(c, 'mean');
    }),
  }));
  if (names.length === 0 || !series.some((s) => s.values.some(isNum))) return null;
  return groupedBars({
    name: 'flow-modes',
    title: 'Mean clearance by transport mode, imports and exports',
    width: 560,
    height: 220,
    categories: names,
    series,
    y: { label: 'mean clearance (h)', min: 0, format: fmtH },
    valueLabels: true,
  });
}

function destinationPart(d: Destination): string {
  const parts: [string, CountAndClearance][] = [
    ['AEO exports to MRA partners', d.aeo_mra],
    ['AEO exports elsewhere', d.aeo_other],
    ['non-AEO exports to MRA partners', d.non_aeo_mra],
    ['non-AEO exports elsewhere', d.non_aeo_other],
  ];
  const answer =
    d.aeo_mra.count > 0 && d.aeo_other.count > 0
      ? `<b>AEO exports to MRA partners clear in ${esc(fmtH(d.aeo_mra.clearance_hours.mean))} h</b> there, against ${esc(fmtH(d.aeo_other.clearance_hours.mean))} h for AEO exports elsewhere: mutual recognition saves them ${stat(d, 'mra_saving_hours')} h each.`
      : 'No AEO exports to an MRA partner and elsewhere to set against each other.';
  return `<h3>At destination: mutual recognition</h3>
<p>Exports’ clearance at destination, abroad and not part of the clearance times above. ${answer} The scenario’s MRA factor: an AEO’s clearance at an MRA partner takes ${esc(fmtPct(d.mra_factor))} of the time.</p>
${table(
  ['exports', 'shipments', 'mean at destination (h)', 'p50', 'p90'],
  parts.map(([label, x]) => [
    esc(label),
    stat(x, 'count', fmtCount),
    stat(x.clearance_hours, 'mean'),
    stat(x.clearance_hours, 'p50'),
    stat(x.clearance_hours, 'p90'),
  ]),
  { stackCi: true, name: 'flow-destination' },
)}`;
}

function twoStepPart(t: TwoStep): string {
  const c = t.complete_declarations;
  const rel = t.release_hours;
  const days = t.deadline_hours / 24;
  const deadline = Number.isInteger(days) ? `${days} day${days === 1 ? '' : 's'}` : `${fmtH(t.deadline_hours)} h`;
  const rows: string[][] = [
    ['imports released on a summary declaration', stat(t, 'declarations', fmtCount)],
    ['share of imports', stat(t, 'share_of_imports', fmtPct)],
    ['mean release, two-step (h)', stat(rel.two_step, 'mean')],
    ['mean release, full declaration (h)', stat(rel.full, 'mean')],
    ['p90 release, two-step (h)', stat(rel.two_step, 'p90')],
    ['p90 release, full declaration (h)', stat(rel.full, 'p90')],
    ['complete declarations lodged after release', stat(c, 'count', fmtCount)],
    [`reviewed at ${esc(t.stage)}`, stat(c, 'reviewed', fmtCount)],
    ['wait of the reviewed ones, mean (h)', stat(c.wait_hours, 'mean')],
    ['officer time per review, mean (h)', stat(c.service_hours, 'mean')],
    ['release to review done, mean (h)', stat(c.done_after_release_hours, 'mean')],
    ['officer hours after release', stat(t, 'officer_hours', fmtNum)],
    [`share of ${esc(t.stage)}’s busy hours`, stat(t, 'share_of_stage_busy', fmtPct)],
  ];
  return `<h3>Two-step declaration</h3>
<p>${esc(fmtPct(t.share_of_imports))} of imports are released on a summary declaration, in ${esc(fmtH(rel.two_step.mean))} h on average against ${esc(fmtH(rel.full.mean))} h on a full declaration. The complete declaration follows within ${esc(deadline)} of release; those whose lane checks them are reviewed at ${esc(t.stage)}, competing with its other work: ${esc(fmtNum(t.officer_hours))} officer hours after release, ${esc(fmtPct(t.share_of_stage_busy))} of the stage’s busy hours.</p>
${table(['two-step declaration', 'value'], rows, { stackCi: true, name: 'two-step' })}`;
}

function tradeFlowsSection(r: Report, bd: Directions): string {
  const chart = r.by_mode ? modeChart(bd, r.by_mode) : null;
  return `<section><h2>Trade flows</h2>
${directionLead(bd)}
<p>Clearance by direction, transport mode and flow, as published clearance times split it: arrival of the goods to release, port handling (unloading, yard) included; lodgement to release is the declaration’s own time, as a Time Release Study also reports it.</p>
${directionTable(r, bd)}
${r.by_mode ? `<h3>By transport mode</h3>${chart ? `<div class="charts">${figure('Mean clearance by mode', 'imports and exports of each mode, hours from arrival to release', chart)}</div>` : ''}${modeTable(r.by_mode)}` : ''}
${r.by_flow ? `<h3>By flow</h3>${flowTable(r.by_flow)}` : ''}
${r.destination ? destinationPart(r.destination) : ''}
${r.two_step ? twoStepPart(r.two_step) : ''}</section>`;
}

export function renderRunReport(report: Report): string {
  const r = report;
  const tiers = Object.entries(r.by_tier);
  const tierColor = (i: number) => TIER_COLORS[i % TIER_COLORS.length];
  const g = r.aeo_vs_non_aeo;
  const out: string[] = [];

  // title
  const runtime = r.runtime === 'bullmq' && r.bullmq?.time_scale ? `bullmq (×${r.bullmq.time_scale})` : r.runtime;
  out.push(`<header><h1><span class="kind">clearsim · clearance time report</span>${esc(r.scenario)}</h1>
${r.description ? `<p class="desc">${esc(r.description)}</p>` : ''}
${meta([
  ['seed', String(r.seed)],
  ['replications', String(r.replications)],
  ['runtime', runtime],
  ['horizon', `${r.horizon_days} days (warm-up ${r.warmup_days} d)`],
  ['shipments reported', fmtInt(r.shipments.observed)],
  ['arrived / released', `${fmtInt(r.shipments.arrived)} / ${fmtInt(r.shipments.released)}`],
  ['events', fmtInt(r.events)],
  ['wall time', `${r.wall_seconds.toFixed(2)} s`],
])}</header>`);

  // overload is never silent: before the answer it would otherwise undermine
  if (r.warnings?.length) {
    out.push(
      `<section class="warnings"><h2>Warnings</h2><ul>${r.warnings
        .map(
          (w) =>
            `<li><b>${esc(w.stage)}</b>: ${esc(w.message)}${w.replications !== undefined && w.replications < r.replications ? esc(` (in ${w.replications} of ${r.replications} replications)`) : ''}</li>`,
        )
        .join('')}</ul></section>`,
    );
  }

  // headline
  const am = g.aeo.clearance_hours.mean,
    nm = g.non_aeo.clearance_hours.mean;
  let lead = '';
  if (nm > 0 && g.aeo.count > 0) {
    lead = `<p class="lead">AEO shipments are released in <b>${esc(fmtPct(am / nm))}</b> of the non-AEO mean time: <b>${esc(fmtH(am))} h</b> against <b>${esc(fmtH(nm))} h</b> on average (median ${esc(fmtH(g.aeo.clearance_hours.p50))} h against ${esc(fmtH(g.non_aeo.clearance_hours.p50))} h).</p>`;
  }
  const hrow = (label: string, f: (x: GroupReport) => string, ratio?: (x: GroupReport) => number | undefined) => {
    const ra = ratio?.(g.aeo),
      rn = ratio?.(g.non_aeo);
    return [esc(label), f(g.aeo), f(g.non_aeo), isNum(ra) && isNum(rn) && rn !== 0 ? esc(`${(ra / rn).toFixed(2)}×`) : '–'];
  };
  const ch = (k: keyof HoursStats) => (x: GroupReport) => x.clearance_hours[k];
  const rw = (k: keyof ReleasedWithin) => (x: GroupReport) => x.released_within[k];
  out.push(`<section><h2>Headline: AEO vs non-AEO</h2>${lead}
<div class="cards">${headlineCard('AEO (authorized economic operators)', AEO_COLOR, g.aeo)}${headlineCard('non-AEO (all other tiers)', NON_AEO_COLOR, g.non_aeo)}</div>
${table(
  ['', 'AEO', 'non-AEO', 'AEO ÷ non-AEO'],
  [
    hrow('shipments', (x) => esc(fmtInt(x.count))),
    hrow('mean clearance (h)', (x) => stat(x.clearance_hours, 'mean'), ch('mean')),
    hrow('median, p50 (h)', (x) => stat(x.clearance_hours, 'p50'), ch('p50')),
    hrow('p90 (h)', (x) => stat(x.clearance_hours, 'p90'), ch('p90')),
    hrow('p95 (h)', (x) => stat(x.clearance_hours, 'p95'), ch('p95')),
    hrow('released within 1 h', (x) => stat(x.released_within, '1h', fmtPct), rw('1h')),
    hrow('released within 24 h', (x) => stat(x.released_within, '24h', fmtPct), rw('24h')),
    hrow('released within 48 h', (x) => stat(x.released_within, '48h', fmtPct), rw('48h')),
  ],
)}</section>`);

  // warm-up
  const w = r.warmup;
  const ok = w.sufficient;
  out.push(
    `<p class="note${ok ? ' ok' : ''}"><b>Warm-up.</b> ${esc(`${w.configured_days} day(s) of warm-up configured (shipments arriving then are simulated but not reported). MSER-5 on ${w.series} suggests truncating ${fmtNum(w.mser5_days)} day(s): `)}${ok ? 'the configured warm-up is sufficient.' : '<b>the configured warm-up is too short</b>; the statistics still carry the start-up transient — raise horizon.warmup_days.'}</p>`,
  );

  // trade flows: imports and exports, as published clearance times are split
  if (r.by_direction) out.push(tradeFlowsSection(r, r.by_direction));

  // segments
  const keys = segmentKeys(r);
  if (keys.length > 0) {
    const bars = (name: string, title: string, rows: [string, Record<string, number>][]) =>
      stackedBars({
        name,
        title,
        width: 620,
        rows: rows.map(([label, seg]) => ({ label, values: keys.map((k) => seg[k.key] ?? 0) })),
        keys: keys.map((k) => ({ label: k.label, color: k.color })),
        xLabel: 'mean hours per shipment, arrival to release',
        format: (v) => `${fmtH(v)} h`,
      });
    const byTier = Object.entries(r.segments.by_tier);
    const lanes = LANE_KEYS.filter((l) => r.segments.by_lane[l]);
    const byLane = lanes.map((l): [string, Record<string, number>] => [l, r.segments.by_lane[l]!]);
    out.push(`<section><h2>Where the time goes: arrival to release</h2>
<p>The mean clearance time split into the Time Release Study’s segments: the wait for a declaration lodged after arrival, each stage’s queue (light) and service (dark), the guarantee and holds after findings. The segments of a shipment add up to its clearance time.</p>
<div class="charts">${figure('By trader tier', 'mean hours per shipment in each segment', bars('segments-by-tier', 'Arrival-to-release time by segment, per trader tier', byTier))}${figure('By lane', 'green: released on the declaration; yellow: documentary check; red: physical inspection', bars('segments-by-lane', 'Arrival-to-release time by segment, per lane', byLane))}</div>
${table(
  ['segment (mean h per shipment)', ...byTier.map(([t]) => esc(t)), ...byLane.map(([l]) => `${esc(l)} lane`)],
  [
    ...keys.map((k) => [
      `<span class="swatch" style="background:${k.color}"></span>${esc(k.label)}`,
      ...byTier.map(([, s]) => esc(fmtH(s[k.key]))),
      ...byLane.map(([, s]) => esc(fmtH(s[k.key]))),
    ]),
    [
      'total = mean clearance',
      ...byTier.map(([t]) => stat(r.by_tier[t].clearance_hours, 'mean')),
      ...lanes.map((l) => stat(r.by_lane[l]?.clearance_hours, 'mean')),
    ],
  ],
  { totalLast: true },
)}</section>`);
  }

  // distribution
  const cdf = cdfChart(r);
  const within = groupedBars({
    name: 'released-within',
    title: 'Share of shipments released within 1, 24 and 48 hours, by trader tier',
    width: 560,
    height: 230,
    categories: tiers.map(([t]) => t),
    series: WITHIN.map(([k, label], i) => ({
      label: `within ${label}`,
      color: WITHIN_COLORS[i],
      values: tiers.map(([, t]) => t.released_within[k]),
      errors: tiers.map(([, t]) => ci95Of(t.released_within, k)),
    })),
    y: { label: 'share released', min: 0, max: 1, ticks: [0, 0.25, 0.5, 0.75, 1], format: (v) => `${Math.round(v * 100)}%` },
    valueLabels: true,
  });
  out.push(`<section><h2>Clearance-time distribution</h2>
<div class="charts">${cdf ? figure('AEO vs non-AEO: share released by time', 'empirical distribution from the 1st to the 99th percentile; dashed lines at 1, 24 and 48 h', cdf) : '<p class="note">No percentiles in this report.</p>'}${figure('Released within 1 / 24 / 48 hours, by tier', 'the TRS service standards', within)}</div></section>`);

  // queues over time
  out.push(`<section><h2>Queues and servers over simulated time</h2>
<p>Every stage’s queue and busy servers, sampled over the run${r.disruptions.length ? '; disruption windows are shaded (dark: the disruption, light: the recovery window after it, when AEO priority may still apply)' : ''}.${r.replications > 1 ? ' The timeline is the first replication’s.' : ''}</p>
${timelineSection(r)}</section>`);

  out.push(disruptionSection(r));

  // tables
  out.push(
    `<section><h2>By trader tier</h2>${table(
      [
        'tier',
        'shipments',
        'share',
        'mean (h)',
        'p50',
        'p90',
        'p95',
        'p99',
        '≤&nbsp;1&nbsp;h',
        '≤&nbsp;24&nbsp;h',
        '≤&nbsp;48&nbsp;h',
        'inspection rate',
        'hit rate',
        'detection rate',
        'value share',
        'guarantee waived (CNY m)',
      ],
      tiers.map(([name, t], i) => [
        `<span class="swatch" style="background:${tierColor(i)}"></span><b>${esc(name)}</b>${t.aeo ? ' <span class="sub">AEO</span>' : ''}${t.label ? `<br><span class="sub">${esc(t.label)}</span>` : ''}`,
        esc(fmtInt(t.count)),
        stat(t, 'share', fmtPct),
        stat(t.clearance_hours, 'mean'),
        stat(t.clearance_hours, 'p50'),
        stat(t.clearance_hours, 'p90'),
        stat(t.clearance_hours, 'p95'),
        stat(t.clearance_hours, 'p99'),
        stat(t.released_within, '1h', fmtPct),
        stat(t.released_within, '24h', fmtPct),
        stat(t.released_within, '48h', fmtPct),
        stat(t, 'inspection_rate', fmtPct),
        stat(t, 'hit_rate', fmtPct),
        stat(t, 'detection_rate', fmtPct),
        stat(t, 'value_share', fmtPct),
        esc((t.guarantee_waived_cny / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })),
      ]),
      { wideFirst: true, stackCi: true },
    )}</section>`,
  );

  if (r.firms) out.push(firmsSection(r, r.firms));
  if (r.costs) out.push(costsSection(r, r.costs));

  out.push(
    `<section><h2>By lane</h2>${table(
      ['lane', 'shipments', 'share', 'mean (h)', 'p50', 'p90', 'p95', 'p99'],
      Object.entries(r.by_lane).map(([name, l]) => [
        `<span class="swatch" style="background:${LANE_COLORS[name] ?? '#999'}"></span>${esc(name)}`,
        esc(fmtInt(l.count)),
        stat(l, 'share', fmtPct),
        stat(l.clearance_hours, 'mean'),
        stat(l.clearance_hours, 'p50'),
        stat(l.clearance_hours, 'p90'),
        stat(l.clearance_hours, 'p95'),
        stat(l.clearance_hours, 'p99'),
      ]),
    )}</section>`,
  );

  const stages = Object.entries(r.stages);
  out.push(
    `<section><h2>Stages</h2><p>Utilization is busy over available server-time (opening hours and disruptions counted); queue is the time-average and maximum number waiting.</p>${table(
      [
        'stage',
        'servers',
        'shipments',
        'wait mean (h)',
        'wait p90 (h)',
        'service mean (h)',
        'utilization',
        'queue mean',
        'queue max',
        ...tiers.map(([t]) => `wait ${esc(t)} (h)`),
      ],
      stages.map(([name, s]) => [
        esc(name),
        esc(String(s.servers)),
        esc(fmtInt(s.count)),
        stat(s.wait_hours, 'mean'),
        stat(s.wait_hours, 'p90'),
        stat(s.service_hours, 'mean'),
        s.utilization === null ? '–' : stat(s, 'utilization', fmtPct),
        stat(s.queue, 'mean', fmtNum),
        stat(s.queue, 'max', fmtNum),
        ...tiers.map(([t]) => stat(s.by_tier[t].wait_hours, 'mean')),
      ]),
      { stackCi: true },
    )}</section>`,
  );

  return page(`clearsim report: ${r.scenario}`, out.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// comparison

type BenefitBand = FirmComparisonJson['benefit']['bands'][number];

/** A band of money saved a year: "< 0 (lose)", "10 k–100 k", "≥ 10 M". */
function bandLabel(b: BenefitBand): string {
  if (b.from_cny === null) return b.to_cny === 0 ? '< 0 (lose)' : b.to_cny === null ? 'any' : `< ${fmtCny(b.to_cny)}`;
  if (b.to_cny === null) return `≥ ${fmtCny(b.from_cny)}`;
  return `${fmtCny(b.from_cny)}–${fmtCny(b.to_cny)}`;
}

function bandsChart(fc: FirmComparisonJson): string | null {
  const bands = fc.benefit.bands;
  if (bands.length === 0) return null;
  const top = Math.max(1, ...bands.map((b) => b.firms));
  const step = Math.max(1, Math.ceil(niceStep(top, 5)));
  const max = Math.ceil(top / step) * step;
  return groupedBars({
    name: 'firm-benefit-bands',
    title: `How many ${fc.benefit.over === 'moved' ? 'firms that change tier' : 'firms'} save how much a year (CNY)`,
    width: 560,
    height: 220,
    categories: bands.map(bandLabel),
    series: [{ label: 'firms', color: '#1a9850', values: bands.map((b) => b.firms) }],
    y: { label: 'firms', min: 0, max, ticks: Array.from({ length: max / step + 1 }, (_, i) => i * step), format: fmtInt },
    valueLabels: true,
  });
}

function firmComparisonSection(fc: FirmComparisonJson): string {
  const groups = Object.entries(fc.groups);
  const main: FirmBenefitGroup | undefined = fc.groups.moved ?? fc.groups.all ?? groups[0]?.[1];
  const b = fc.benefit;
  const lead: string[] = [];
  const moves = Object.entries(fc.moved.by_move)
    .map(([m, n]) => `${m.replace('->', '→')}: ${fmtInt(n)}`)
    .join(', ');
  if (main) {
    const m = main.money_saved_cny_per_year;
    const d = main.mean.diff;
    const waived = main.guarantee_waived_cny_per_year_change.estimate;
    const iv = isNum(m.lo) && isNum(m.hi) ? ` (95% interval ${fmtCny(m.lo)} to ${fmtCny(m.hi)} CNY)` : '';
    lead.push(
      `<b>${esc(main.label)}</b> (${esc(fmtInt(main.firms))} firms${fc.groups.moved && moves ? `; ${esc(moves)}` : ''}) ${m.estimate >= 0 ? 'save' : 'lose'} <b>${esc(fmtCny(Math.abs(m.estimate)))} CNY a year</b>${esc(iv)} in time cost and guarantee fees` +
        (isNum(d)
          ? `: ${esc(fmtH(Math.abs(d)))} h ${d <= 0 ? 'less' : 'more'} per declaration, ${esc(fmtCny(main.hours_saved_per_year.estimate))} clearance hours a year saved`
          : '') +
        (isNum(waived) && waived !== 0
          ? `, and ${esc(fmtCny(Math.abs(waived)))} CNY a year ${waived > 0 ? 'more' : 'less'} of guarantees waived`
          : '') +
        '.',
    );
  }
  if (b.firms > 0) {
    const q = b.money_saved_cny_per_year;
    lead.push(
      `${esc(fmtInt(b.gaining))} of the ${esc(fmtInt(b.firms))} ${b.over === 'moved' ? 'firms that change tier' : 'firms'} with declarations gain; the median firm saves ${esc(fmtCny(q.p50))} CNY a year, the top tenth over ${esc(fmtCny(q.p90))}, the largest ${esc(fmtCny(q.max))}.`,
    );
  }

  const groupTable = table(
    [
      'group',
      'firms',
      'declarations a year',
      'mean clearance, b − a (h)',
      'clearance hours saved a year',
      'time cost saved a year (CNY)',
      'guarantee fees saved a year (CNY)',
      'money saved a year (CNY)',
      'guarantee waived a year, b − a (CNY)',
    ],
    groups.map(([key, g]) => [
      `<b>${esc(g.label)}</b><br><span class="sub">${esc(key)}</span>`,
      esc(fmtInt(g.firms)),
      esc(fmtCny(g.declarations_per_year)),
      isNum(g.mean.diff)
        ? `${esc(fmtSigned(g.mean.diff))}${isNum(g.mean.lo) && isNum(g.mean.hi) ? `<span class="ci">${esc(fmtSigned(g.mean.lo))} to ${esc(fmtSigned(g.mean.hi))}</span>` : ''}`
        : '–',
      estimate(g.hours_saved_per_year, fmtCny),
      estimate(g.time_cost_saved_cny_per_year, fmtCny),
      estimate(g.guarantee_fees_saved_cny_per_year, fmtCny),
      estimate(g.money_saved_cny_per_year, fmtCny),
      estimate(g.guarantee_waived_cny_per_year_change, fmtCnySigned),
    ]),
    { stackCi: true, name: 'firm-groups' },
  );

  const spread = table(
    ['a year, over the firms', 'p10', 'p25', 'median', 'p75', 'p90', 'largest', 'total'],
    (
      [
        ['clearance hours saved', b.hours_saved_per_year],
        ['money saved (CNY)', b.money_saved_cny_per_year],
      ] as const
    ).map(([label, q]) => [esc(label), ...[q.p10, q.p25, q.p50, q.p75, q.p90, q.max, q.total].map((v) => esc(fmtCny(v)))]),
    { name: 'firm-benefit-spread' },
  );

  const chart = bandsChart(fc);
  const top = table(
    [
      'firm',
      'sector',
      'tier, a → b',
      'declarations',
      'declared value (CNY)',
      'mean clearance a (h)',
      'mean clearance b (h)',
      'b − a (h)',
      'clearance hours saved a year',
      'time cost saved a year (CNY)',
      'guarantee fees saved a year (CNY)',
      'money saved a year (CNY)',
      'guarantee waived a year, a → b (CNY)',
    ],
    b.top.map((x) => [
      esc(x.id),
      esc(x.sector),
      esc(x.tier_a === x.tier_b ? x.tier_a : `${x.tier_a} → ${x.tier_b}`),
      esc(fmtCount(x.declarations)),
      esc(fmtCny(x.value_cny)),
      esc(fmtH(x.clearance_mean_a)),
      esc(fmtH(x.clearance_mean_b)),
      esc(fmtSigned(x.clearance_mean_diff)),
      esc(fmtCny(x.hours_saved_per_year)),
      esc(fmtCny(x.time_cost_saved_cny_per_year)),
      esc(fmtCny(x.guarantee_fees_saved_cny_per_year)),
      esc(fmtCny(x.money_saved_cny_per_year)),
      esc(`${fmtCny(x.guarantee_waived_cny_per_year_a)} → ${fmtCny(x.guarantee_waived_cny_per_year_b)}`),
    ]),
    { name: 'firm-comparison-top' },
  );

  return `<section><h2>Firms</h2>
${lead.length ? `<p class="lead">${lead.join(' ')}</p>` : ''}
<p>Firm by firm: both scenarios have the same firms, paired replication by replication; savings are a − b. Money is valued at a’s rates: a time cost of ${esc(fmtPct(fc.time_cost_per_day))} of the goods’ value per day in clearance and a guarantee fee of ${esc(fmtPct(fc.guarantee_fee_rate))}. Under each figure, its 95% interval over the replications.</p>
${groupTable}
<h3>How the benefit spreads over the ${b.over === 'moved' ? 'firms that change tier' : 'firms'}</h3>
${chart ? `<div class="charts">${figure('Firms by money saved a year', `${fmtInt(b.firms)} firms with declarations, by CNY saved a year in time cost and guarantee fees`, chart)}</div>` : ''}
${spread}
<h3>The ${esc(fmtInt(b.top.length))} firms that save most</h3>
${top}</section>`;
}

/** A disruption window of a comparison: the shipments arriving in it, b - a per group with paired intervals. */
function compareWindowSection(c: ComparisonInput, w: NonNullable<ComparisonInput['disruptions']>[number]): string {
  const cell = (iv: Interval) =>
    isNum(iv.diff) ? `${fmtSigned(iv.diff)}${isNum(iv.lo) ? ` (${fmtSigned(iv.lo)} to ${fmtSigned(iv.hi)})` : ''}` : '–';
  const rows = Object.entries(w.groups).map(([key, g]) => [
    `<b>${esc(g.label)}</b><br><span class="sub">${esc(key)}</span>`,
    esc(fmtH(g.mean.mean_a)),
    esc(fmtH(g.mean.mean_b)),
    esc(cell(g.mean)),
    esc(cell(g.p50)),
    esc(cell(g.p90)),
  ]);
  const days = (h: number) => String(+(h / 24).toFixed(2));
  return `<section data-window="${esc(w.name)}"><h2>During ${esc(w.name)}</h2>
<p class="desc">The shipments arriving from day ${esc(days(w.start_hours))} to day ${esc(days(w.window_end_hours))} (the disruption and its recovery), in both scenarios; b − a in hours with paired 95% intervals.</p>
<ul class="lines">${w.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
${table(['group', `mean a: ${esc(c.a)} (h)`, `mean b: ${esc(c.b)} (h)`, 'mean b − a', 'p50 b − a', 'p90 b − a'], rows, { name: 'compare-window' })}</section>`;
}

export function renderCompareReport(comparison: ComparisonInput): string {
  const c = comparison;
  const groups = Object.entries(c.groups);
  const out: string[] = [];
  const same = c.a === c.b;
  const nameA = same ? `a (${c.a})` : c.a,
    nameB = same ? `b (${c.b}, changed settings)` : c.b;
  out.push(`<header><h1><span class="kind">clearsim · comparison</span>${same ? `${esc(c.a)}: b vs a` : `${esc(c.b)} vs ${esc(c.a)}`}</h1>
<p class="desc">Differences are <b>b − a</b> (${esc(nameB)} minus ${esc(nameA)}): negative means b clears faster. Both ran the same replications (seed, r), so each pair saw the same shipments and the intervals come from the paired differences (common random numbers).</p>
${meta([
  ['a', c.a],
  ['b', same ? `${c.b} (changed settings)` : c.b],
  ['seed', String(c.seed)],
  ['replications', String(c.replications)],
  ['pairing narrows the intervals by', fmtPct(c.pairing_narrows_by)],
])}</header>`);

  out.push(`<section><h2>In plain words</h2><ul class="lines">${c.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></section>`);

  const STATS = [
    ['mean', 'mean'],
    ['p50', 'median (p50)'],
    ['p90', 'p90'],
  ] as const;
  const rows = groups.flatMap(([, g]) =>
    STATS.map(([k, label]) => {
      const iv = g[k];
      return {
        label,
        group: g.label,
        value: iv.diff,
        lo: iv.lo,
        hi: iv.hi,
        lo2: iv.diff - iv.unpaired_half_width,
        hi2: iv.diff + iv.unpaired_half_width,
      };
    }),
  );
  const chart = dotWhisker({
    name: 'compare-diff',
    title: `Change in clearance time, ${c.b} minus ${c.a}, with 95% intervals`,
    width: 1080,
    rows,
    xLabel: 'difference in hours (b − a); left of zero: b is faster',
    primaryLabel: 'paired 95% interval',
    secondaryLabel: 'unpaired 95% interval (independent seeds)',
    format: (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + String(+Math.abs(v).toPrecision(3)),
    noteFormat: fmtSigned,
  });
  const means = groupedBars({
    name: 'compare-means',
    title: `Mean clearance per group: ${c.a} and ${c.b}`,
    width: 560,
    height: 200,
    categories: groups.map(([k]) => k),
    series: [
      { label: `a: ${c.a}`, color: '#9ecae1', values: groups.map(([, g]) => g.mean.mean_a) },
      { label: `b: ${c.b}`, color: '#3182bd', values: groups.map(([, g]) => g.mean.mean_b) },
    ],
    y: { label: 'mean clearance (h)', min: 0 },
    valueLabels: true,
  });
  out.push(`<section><h2>Differences with their intervals</h2>
<div class="charts wide">${figure('Difference b − a per group and statistic', 'dot: mean difference over replications; thick bar: paired 95% interval; thin light bar: the interval unpaired runs would give', chart)}</div>
<div class="charts">${figure('Mean clearance per group', 'means over replications', means)}</div></section>`);

  if (c.firms) out.push(firmComparisonSection(c.firms));
  for (const w of c.disruptions ?? []) out.push(compareWindowSection(c, w));

  const trows: string[][] = [];
  for (const [key, g] of groups) {
    const all: [string, Interval, (x: number) => string][] = [
      ['mean (h)', g.mean, fmtH],
      ['p50 (h)', g.p50, fmtH],
      ['p90 (h)', g.p90, fmtH],
      ['inspection rate', g.inspection_rate, fmtPct],
    ];
    all.forEach(([label, iv, f], k) => {
      const pct = f === fmtPct;
      // an interval a group does not have (imports' and exports' inspection rate: NaN, or null from JSON) is a dash
      const sgn = (x: number | null) =>
        !isNum(x) ? '–' : pct ? `${x > 0 ? '+' : x < 0 ? '−' : ''}${(Math.abs(x) * 100).toFixed(2)} pp` : fmtSigned(x);
      const narrower =
        isNum(iv.half_width) && isNum(iv.unpaired_half_width) && iv.unpaired_half_width > 0
          ? fmtPct(1 - iv.half_width / iv.unpaired_half_width)
          : '–';
      trows.push([
        k === 0 ? `<b>${esc(g.label)}</b><br><span class="sub">${esc(key)}</span>` : '',
        esc(label),
        esc(f(iv.mean_a)),
        esc(f(iv.mean_b)),
        esc(sgn(iv.diff)),
        esc(isNum(iv.lo) ? `${sgn(iv.lo)} to ${sgn(iv.hi)}` : '–'),
        esc(isNum(iv.unpaired_half_width) ? `${sgn(iv.diff - iv.unpaired_half_width)} to ${sgn(iv.diff + iv.unpaired_half_width)}` : '–'),
        esc(narrower),
      ]);
    });
  }
  out.push(
    `<section><h2>Table</h2>${table(['group', 'statistic', `a: ${esc(c.a)}`, `b: ${esc(c.b)}`, 'b − a', 'paired 95% interval', 'unpaired 95% interval', 'paired narrower by'], trows, { leftCols: 2 })}</section>`,
  );
  return page(`clearsim comparison: ${c.b} vs ${c.a}`, out.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// sweep

export function renderSweepReport(sweep: SweepInput): string {
  const sw = sweep;
  const params = sw.params;
  const points = sw.points;
  // a sweep has a point at least
  const first = points[0].report;
  const tiers = Object.keys(first.by_tier);
  const reps = sw.replications ?? first.replications;
  const out: string[] = [];
  out.push(`<header><h1><span class="kind">clearsim · parameter sweep</span>${esc(sw.scenario)}</h1>
${first.description ? `<p class="desc">${esc(first.description)}</p>` : ''}
${meta([
  ['points', String(points.length)],
  ['replications per point', String(reps ?? '–')],
  ['seed', String(first.seed)],
  ...params.map((p): [string, string] => [p.path, p.values.map(paramValue).join(', ')]),
])}
<p class="desc">Every point runs the same replications (seed, r), so differences between points are the parameters’, not the seeds’. ± is the 95% half-width across replications.</p></header>`);

  // one chart per combination of the other parameters, x = the first parameter
  const p0 = params[0];
  if (p0) {
    const xs = p0.values.map((v) => paramValue(v));
    const numeric = p0.values.every((v) => isNum(typeof v === 'string' && v.trim() !== '' ? Number(v) : v));
    const xOf = (v: unknown) => (numeric ? Number(v) : xs.indexOf(paramValue(v)));
    const others = params.slice(1).map((p) => p.path);
    const combos = new Map<string, { label: string; pts: typeof points }>();
    for (const pt of points) {
      const label = others.map((k) => `${k}=${paramValue(pt.params[k])}`).join(', ');
      if (!combos.has(label)) combos.set(label, { label, pts: [] });
      combos.get(label)!.pts.push(pt);
    }
    const figs: string[] = [];
    [...combos.values()].forEach((combo, ci) => {
      const series: LineSeries[] = tiers.map((t, i) => {
        // a point whose scenario has no such tier is left out of the line
        const pts = combo.pts
          .map((pt) => ({ x: xOf(pt.params[p0.path]), c: pt.report.by_tier[t]?.clearance_hours }))
          .sort((a, b) => a.x - b.x);
        const mean = (c: HoursStats | undefined) => c?.mean ?? NaN,
          hw = (c: HoursStats | undefined) => (c && ci95Of(c, 'mean')) ?? 0;
        return {
          label: t,
          color: TIER_COLORS[i % TIER_COLORS.length],
          points: pts.map((p): [number, number] => [p.x, mean(p.c)]),
          whiskers: pts.map((p): [number, number, number] => [p.x, mean(p.c) - hw(p.c), mean(p.c) + hw(p.c)]),
          markers: true,
        };
      });
      const name = ci === 0 ? 'sweep-mean' : `sweep-mean-${ci + 1}`;
      const xVals = [...new Set(combo.pts.map((pt) => xOf(pt.params[p0.path])))].filter(isNum);
      const lo = Math.min(...xVals),
        hi = Math.max(...xVals);
      const pad = numeric ? (hi - lo || 1) * 0.06 : 0;
      figs.push(
        figure(
          `Mean clearance by tier across ${p0.path}${combo.label ? ` (${combo.label})` : ''}`,
          'points: mean over replications; whiskers: 95% confidence interval',
          lineChart({
            name,
            title: `Mean clearance time per tier across ${p0.path}${combo.label ? `, ${combo.label}` : ''}`,
            width: combos.size === 1 ? 900 : 620,
            height: 280,
            x: numeric
              ? { label: p0.path, min: lo - pad, max: hi + pad, ticks: xVals.length <= 12 ? xVals : undefined }
              : { label: p0.path },
            xCategories: numeric ? undefined : xs,
            y: { label: 'mean clearance (h)', min: 0 },
            series,
          }),
        ),
      );
    });
    out.push(
      `<section><h2>Mean clearance across ${esc(p0.path)}</h2><div class="charts${figs.length === 1 ? ' wide' : ''}">${figs.join('')}</div></section>`,
    );
    out.push(...sweepAnswerSections(sw, xOf, numeric, xs));
  }

  const rows = points.map((pt) => {
    const r = pt.report;
    const ratio = r.aeo_vs_non_aeo.mean_ratio;
    return [
      ...params.map((p) => esc(paramValue(pt.params[p.path]))),
      ...tiers.map((t) => stat(r.by_tier[t]?.clearance_hours, 'mean')),
      ...tiers.map((t) => stat(r.by_tier[t]?.clearance_hours, 'p90')),
      stat(r.aeo_vs_non_aeo.aeo.clearance_hours, 'mean'),
      stat(r.aeo_vs_non_aeo.non_aeo.clearance_hours, 'mean'),
      isNum(ratio) ? esc(ratio.toFixed(2)) : '–',
      ...r.disruptions.flatMap((d) => [
        stat(d.aeo_vs_non_aeo.aeo.clearance_hours, 'p90'),
        stat(d.aeo_vs_non_aeo.non_aeo.clearance_hours, 'p90'),
        stat(d.by_lane.red.clearance_hours, 'p90'),
      ]),
      ...(pt.targets ?? []).map(sweepTargetCell),
    ];
  });
  out.push(
    `<section><h2>Points</h2>${table(
      [
        ...params.map((p) => esc(p.path)),
        ...tiers.map((t) => `${esc(t)} mean (h)`),
        ...tiers.map((t) => `${esc(t)} p90 (h)`),
        'AEO mean (h)',
        'non-AEO mean (h)',
        'AEO ÷ non-AEO',
        ...first.disruptions.flatMap((_d, i) => [
          `disruption ${i}: AEO p90 (h)`,
          `disruption ${i}: non-AEO p90 (h)`,
          `disruption ${i}: red lane p90 (h)`,
        ]),
        ...(sw.targets ?? []).map((t, i) => `meets target ${i + 1}: ${esc(t)}`),
      ],
      rows,
      { leftCols: params.length },
    )}</section>`,
  );
  return page(`clearsim sweep: ${sw.scenario}`, out.join('\n'));
}

/** A --target's cell in the sweep table: whether the point's estimate meets it, and the one-sided verdict. */
function sweepTargetCell(t: TargetResult): string {
  const f = (x: number) => (/hours/.test(t.path) ? fmtH(x) : fmtNum(x));
  return `${t.meets ? '<strong>yes</strong>' : 'no'}: ${esc(f(t.estimate))}<span class="ci"> ± ${esc(f(t.half_width))}</span> <small>(${esc(t.verdict)})</small>`;
}

/** Points grouped by the values of every parameter but the first (one chart each). */
function sweepCombos(sw: SweepInput) {
  const others = sw.params.slice(1).map((p) => p.path);
  const combos = new Map<string, SweepInput['points']>();
  for (const pt of sw.points) {
    const label = others.map((k) => `${k}=${paramValue(pt.params[k])}`).join(', ');
    if (!combos.has(label)) combos.set(label, []);
    combos.get(label)!.push(pt);
  }
  return [...combos.entries()];
}

/**
 * The sweep's answers: the first disruption's clearance across the first parameter; each
 * --target's statistic with its threshold drawn and the points meeting it marked; with two
 * parameters, a heatmap of the first target's statistic (else the disruption's non-AEO p90,
 * else the non-AEO mean) with the points meeting the target outlined.
 */
function sweepAnswerSections(sw: SweepInput, xOf: (v: unknown) => number, numeric: boolean, xs: string[]): string[] {
  const out: string[] = [];
  const p0 = sw.params[0];
  const first = sw.points[0].report;
  const combos = sweepCombos(sw);
  const xAxis = (pts: SweepInput['points']) => {
    const xVals = [...new Set(pts.map((pt) => xOf(pt.params[p0.path])))].filter(isNum);
    const lo = Math.min(...xVals),
      hi = Math.max(...xVals);
    const pad = numeric ? (hi - lo || 1) * 0.06 : 0;
    return numeric ? { label: p0.path, min: lo - pad, max: hi + pad, ticks: xVals.length <= 12 ? xVals : undefined } : { label: p0.path };
  };
  const line = (label: string, color: string, pts: { x: number; c: HoursStats | undefined; k: 'mean' | 'p90' }[]): LineSeries => {
    const v = (p: (typeof pts)[number]) => p.c?.[p.k] ?? NaN;
    const hw = (p: (typeof pts)[number]) => (p.c && ci95Of(p.c, p.k)) ?? 0;
    return {
      label,
      color,
      markers: true,
      points: pts.map((p): [number, number] => [p.x, v(p)]),
      whiskers: pts.map((p): [number, number, number] => [p.x, v(p) - hw(p), v(p) + hw(p)]),
    };
  };
  const d0 = first.disruptions[0];
  if (d0) {
    const figs = combos.map(([label, pts], ci) => {
      const sorted = [...pts].sort((a, b) => xOf(a.params[p0.path]) - xOf(b.params[p0.path]));
      const at = (get: (r: Report) => HoursStats | undefined, k: 'mean' | 'p90') =>
        sorted.map((pt) => ({ x: xOf(pt.params[p0.path]), c: get(pt.report), k }));
      return figure(
        `During ${d0.name}: p90 clearance across ${p0.path}${label ? ` (${label})` : ''}`,
        'the shipments arriving in the window and its recovery; whiskers: 95% confidence interval',
        lineChart({
          name: ci === 0 ? 'sweep-disruption' : `sweep-disruption-${ci + 1}`,
          title: `p90 clearance during ${d0.name} across ${p0.path}${label ? `, ${label}` : ''}`,
          width: combos.length === 1 ? 900 : 620,
          height: 260,
          x: xAxis(pts),
          xCategories: numeric ? undefined : xs,
          y: { label: 'p90 clearance (h)', min: 0 },
          series: [
            line(
              'AEO p90',
              AEO_COLOR,
              at((r) => r.disruptions[0]?.aeo_vs_non_aeo.aeo.clearance_hours, 'p90'),
            ),
            line(
              'non-AEO p90',
              NON_AEO_COLOR,
              at((r) => r.disruptions[0]?.aeo_vs_non_aeo.non_aeo.clearance_hours, 'p90'),
            ),
          ],
        }),
      );
    });
    out.push(
      `<section><h2>During the disruption: ${esc(d0.name)}</h2><div class="charts${figs.length === 1 ? ' wide' : ''}">${figs.join('')}</div></section>`,
    );
  }
  for (const [ti, text] of (sw.targets ?? []).entries()) {
    const figs = combos.map(([label, pts], ci) => {
      const sorted = [...pts].filter((pt) => pt.targets?.[ti]).sort((a, b) => xOf(a.params[p0.path]) - xOf(b.params[p0.path]));
      const t0 = sorted[0]?.targets?.[ti];
      const rows = sorted.map((pt) => ({ x: xOf(pt.params[p0.path]), t: pt.targets![ti] }));
      const ax = xAxis(pts);
      const x0 = 'min' in ax ? (ax.min as number) : -0.5,
        x1 = 'max' in ax ? (ax.max as number) : xs.length - 0.5;
      const threshold = t0?.threshold ?? NaN;
      return figure(
        `Target ${ti + 1}: ${text}${label ? ` (${label})` : ''}`,
        'points: mean over replications, whiskers: 95% confidence interval; dashed: the threshold; green dots: the points whose estimate meets it',
        lineChart({
          name: `sweep-target-${ti + 1}${ci === 0 ? '' : `-${ci + 1}`}`,
          title: `${t0?.path ?? text} across ${p0.path}${label ? `, ${label}` : ''}, threshold ${t0?.op ?? ''} ${threshold}`,
          width: combos.length === 1 ? 900 : 620,
          height: 260,
          x: ax,
          xCategories: numeric ? undefined : xs,
          y: { label: t0?.path ?? text, min: 0 },
          series: [
            {
              label: t0?.path ?? text,
              color: '#2166ac',
              markers: true,
              points: rows.map((r): [number, number] => [r.x, r.t.estimate]),
              whiskers: rows.map((r): [number, number, number] => [r.x, r.t.estimate - r.t.half_width, r.t.estimate + r.t.half_width]),
            },
            {
              label: `threshold: ${t0?.op ?? ''} ${/hours/.test(t0?.path ?? '') ? `${fmtH(threshold)} h` : fmtNum(threshold)}`,
              color: '#d73027',
              dash: true,
              width: 1.5,
              points: [
                [x0, threshold],
                [x1, threshold],
              ],
            },
            {
              label: 'meets the target',
              color: AEO_COLOR,
              markers: true,
              width: 0,
              points: rows.filter((r) => r.t.meets).map((r): [number, number] => [r.x, r.t.estimate]),
            },
          ],
        }),
      );
    });
    out.push(
      `<section><h2>Target ${ti + 1}: ${esc(text)}</h2><div class="charts${figs.length === 1 ? ' wide' : ''}">${figs.join('')}</div></section>`,
    );
  }
  if (sw.params.length >= 2) {
    const p1 = sw.params[1];
    const ys = p1.values.map(paramValue);
    const t = sw.targets?.length ? 0 : -1;
    const what =
      t === 0
        ? (sw.points[0].targets?.[0]?.path ?? sw.targets![0])
        : d0
          ? 'disruption 0 non-AEO p90 clearance (h)'
          : 'non-AEO mean clearance (h)';
    const cellValue = (pt: SweepInput['points'][number]) =>
      t === 0
        ? (pt.targets?.[0]?.estimate ?? NaN)
        : d0
          ? (pt.report.disruptions[0]?.aeo_vs_non_aeo.non_aeo.clearance_hours.p90 ?? NaN)
          : pt.report.aeo_vs_non_aeo.non_aeo.clearance_hours.mean;
    const rest = sw.params.slice(2).map((p) => p.path);
    const groups = new Map<string, SweepInput['points']>();
    for (const pt of sw.points) {
      const label = rest.map((k) => `${k}=${paramValue(pt.params[k])}`).join(', ');
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label)!.push(pt);
    }
    const fmt = (v: number) => (t === 0 && !/hours/.test(what) ? fmtNum(v) : fmtH(v));
    const figs = [...groups.entries()].map(([label, pts], gi) =>
      figure(
        `${what} over ${p0.path} and ${p1.path}${label ? ` (${label})` : ''}`,
        t === 0 ? `outlined, ✓: the points whose estimate meets ${sw.targets![0]}` : 'mean over replications',
        heatmap({
          name: gi === 0 ? 'sweep-heatmap' : `sweep-heatmap-${gi + 1}`,
          title: `${what} over ${p0.path} and ${p1.path}${label ? `, ${label}` : ''}`,
          xLabel: p0.path,
          yLabel: p1.path,
          xs,
          ys,
          valueLabel: what,
          format: fmt,
          cells: pts.map((pt) => {
            const v = cellValue(pt);
            return {
              x: xs.indexOf(paramValue(pt.params[p0.path])),
              y: ys.indexOf(paramValue(pt.params[p1.path])),
              value: v,
              label: fmt(v),
              mark: t === 0 ? !!pt.targets?.[0]?.meets : undefined,
              title: `${p0.path}=${paramValue(pt.params[p0.path])}, ${p1.path}=${paramValue(pt.params[p1.path])}: ${fmt(v)}`,
            };
          }),
        }),
      ),
    );
    out.push(`<section><h2>Heatmap: ${esc(what)}</h2><div class="charts">${figs.join('')}</div></section>`);
  }
  return out;
}
