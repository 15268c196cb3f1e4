/**
 * Small, dependency-free SVG chart helpers for the HTML reports: a line chart (with step lines,
 * shaded bands, reference lines and CI whiskers), horizontal stacked bars, vertical grouped bars
 * and a dot-and-whisker chart. Every chart is one <svg role="img" data-chart="name"> with a
 * <title>; its marks are inside <g class="plot">. All text is escaped here.
 */

/** Escapes text for HTML and SVG (element content and attribute values). */
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
}
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const FONT = 12;
/** Rough width of a label in the report's sans-serif font. */
export const textWidth = (s: string, size = FONT) => s.length * size * 0.56;
/** Coordinates rounded to 0.1 px: smaller documents, no visible difference. */
const r1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : 0);

export type ScaleKind = 'linear' | 'log1p';

export interface AxisSpec {
  label: string;
  min?: number;
  max?: number;
  /** linear, or log1p (ln(1 + x): spreads the hours near zero, still shows 0). */
  kind?: ScaleKind;
  ticks?: number[];
  format?: (v: number) => string;
}

interface Scale {
  (v: number): number;
  ticks: number[];
  format: (v: number) => string;
  min: number;
  max: number;
}

/** 1, 2, 2.5 or 5 times a power of ten, about range/count. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0)) return 1;
  const raw = range / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

export function niceTicks(min: number, max: number, count = 5): number[] {
  const step = niceStep(max - min, count);
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12));
  return out;
}

/** Rounds max up to the next nice tick, so the axis ends on a labelled value. */
export function niceMax(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const step = niceStep(max, count);
  return Math.ceil(max / step - 1e-9) * step;
}

export const LOG1P_TICKS = [0, 0.5, 1, 2, 4, 8, 12, 24, 48, 96, 168, 336, 720, 1440];

const defaultFormat = (v: number) => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10000) return `${+(v / 1000).toFixed(0)}k`;
  if (a >= 100) return v.toFixed(0);
  return String(+v.toPrecision(3));
};

function makeScale(axis: AxisSpec, lo: number, hi: number, r0: number, r1_: number, tickCount: number): Scale {
  const kind = axis.kind ?? 'linear';
  const t = kind === 'log1p' ? (v: number) => Math.log1p(Math.max(0, v)) : (v: number) => v;
  const span = t(hi) - t(lo) || 1;
  const f = ((v: number) => r0 + ((t(v) - t(lo)) / span) * (r1_ - r0)) as Scale;
  f.min = lo;
  f.max = hi;
  f.format = axis.format ?? defaultFormat;
  f.ticks = axis.ticks ?? (kind === 'log1p' ? LOG1P_TICKS.filter((x) => x >= lo && x <= hi) : niceTicks(lo, hi, tickCount));
  return f;
}

export interface LegendItem {
  label: string;
  color: string;
  /** line (solid), dash (dashed line), rect (filled box), band (translucent box), dot, whisker */
  kind?: 'line' | 'dash' | 'rect' | 'band' | 'dot' | 'whisker';
  opacity?: number;
}

/** Lays a legend out in rows within `width`; returns its markup and height. */
export function legend(items: LegendItem[], x: number, y: number, width: number): { svg: string; height: number } {
  if (items.length === 0) return { svg: '', height: 0 };
  const rowH = 18;
  let cx = 0,
    cy = 0;
  const parts: string[] = [];
  for (const it of items) {
    const w = 22 + textWidth(it.label) + 16;
    if (cx > 0 && cx + w > width) {
      cx = 0;
      cy += rowH;
    }
    const sx = x + cx,
      sy = y + cy + rowH / 2;
    const k = it.kind ?? 'rect';
    let sw: string;
    if (k === 'line' || k === 'dash')
      sw = `<line x1="${r1(sx)}" x2="${r1(sx + 18)}" y1="${r1(sy)}" y2="${r1(sy)}" stroke="${esc(it.color)}" stroke-width="2.5"${k === 'dash' ? ' stroke-dasharray="5 3"' : ''}/>`;
    else if (k === 'dot') sw = `<circle cx="${r1(sx + 9)}" cy="${r1(sy)}" r="4.5" fill="${esc(it.color)}"/>`;
    else if (k === 'whisker')
      sw = `<line x1="${r1(sx)}" x2="${r1(sx + 18)}" y1="${r1(sy)}" y2="${r1(sy)}" stroke="${esc(it.color)}" stroke-width="${it.opacity ?? 3}"/><line x1="${r1(sx)}" x2="${r1(sx)}" y1="${r1(sy - 4)}" y2="${r1(sy + 4)}" stroke="${esc(it.color)}" stroke-width="1.5"/><line x1="${r1(sx + 18)}" x2="${r1(sx + 18)}" y1="${r1(sy - 4)}" y2="${r1(sy + 4)}" stroke="${esc(it.color)}" stroke-width="1.5"/>`;
    else
      sw = `<rect x="${r1(sx)}" y="${r1(sy - 6)}" width="18" height="12" rx="2" fill="${esc(it.color)}"${k === 'band' ? ` fill-opacity="${it.opacity ?? 0.25}" stroke="${esc(it.color)}" stroke-opacity="0.4"` : ''}/>`;
    parts.push(`${sw}<text x="${r1(sx + 22)}" y="${r1(sy + 4)}">${esc(it.label)}</text>`);
    cx += w;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: cy + rowH + 6 };
}

function shell(name: string, title: string, width: number, height: number, body: string, desc?: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${esc(name)}" role="img" viewBox="0 0 ${width} ${Math.ceil(height)}" width="${width}" height="${Math.ceil(height)}" style="max-width:${width}px">` +
    `<title>${esc(title)}</title>${desc ? `<desc>${esc(desc)}</desc>` : ''}${body}</svg>`
  );
}

/** Grid lines, ticks, tick labels and axis titles around the plot box. */
function axes(x: Scale, y: Scale, box: Box, xLabel: string, yLabel: string, xCategories?: string[], xGrid = false): string {
  const out: string[] = ['<g class="axes">'];
  for (const v of y.ticks) {
    const py = r1(y(v));
    out.push(
      `<line class="grid" x1="${box.x0}" x2="${box.x1}" y1="${py}" y2="${py}"/><text class="tick" x="${box.x0 - 6}" y="${py + 4}" text-anchor="end">${esc(y.format(v))}</text>`,
    );
  }
  const xt = xCategories ? xCategories.map((_, i) => i) : x.ticks;
  for (const v of xt) {
    const px = r1(x(v));
    const label = xCategories ? xCategories[v] : x.format(v);
    if (xGrid) out.push(`<line class="grid" x1="${px}" x2="${px}" y1="${box.y0}" y2="${box.y1}"/>`);
    out.push(
      `<line class="tickmark" x1="${px}" x2="${px}" y1="${box.y1}" y2="${box.y1 + 5}"/><text class="tick" x="${px}" y="${box.y1 + 18}" text-anchor="middle">${esc(label)}</text>`,
    );
  }
  out.push(
    `<line class="axisline" x1="${box.x0}" x2="${box.x1}" y1="${box.y1}" y2="${box.y1}"/><line class="axisline" x1="${box.x0}" x2="${box.x0}" y1="${box.y0}" y2="${box.y1}"/>`,
  );
  out.push(`<text class="axis-label" x="${r1((box.x0 + box.x1) / 2)}" y="${box.y1 + 36}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(
    `<text class="axis-label" transform="translate(14 ${r1((box.y0 + box.y1) / 2)}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  out.push('</g>');
  return out.join('');
}

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface LineSeries {
  label: string;
  color: string;
  points: [number, number][];
  dash?: boolean;
  /** The value holds until the next point (capacity over time, an empirical CDF). */
  step?: boolean;
  width?: number;
  /** Fill the area under the line (down to y = 0) with this opacity; drawn beneath the lines. */
  area?: number;
  /** Dots at the points. */
  markers?: boolean;
  /** Vertical confidence whiskers: [x, lo, hi]. */
  whiskers?: [number, number, number][];
  /** Not listed in the legend. */
  noLegend?: boolean;
}

export interface Band {
  x0: number;
  x1: number;
  color: string;
  opacity: number;
  label?: string;
}
export interface RefLine {
  x: number;
  label: string;
  color?: string;
}

export interface LineChartOptions {
  name: string;
  title: string;
  desc?: string;
  width?: number;
  height?: number;
  x: AxisSpec;
  y: AxisSpec;
  series: LineSeries[];
  bands?: Band[];
  vlines?: RefLine[];
  /** x values are indices 0..n-1 of these labels. */
  xCategories?: string[];
  extraLegend?: LegendItem[];
}

function pathOf(pts: [number, number][], x: Scale, y: Scale, step: boolean): string {
  const out: string[] = [];
  let prev: [number, number] | null = null;
  for (const p of pts) {
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      prev = null;
      continue;
    }
    const px = r1(x(p[0])),
      py = r1(y(p[1]));
    if (!prev) out.push(`M${px} ${py}`);
    else if (step) out.push(`H${px}V${py}`);
    else out.push(`L${px} ${py}`);
    prev = p;
  }
  return out.join('');
}

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 640,
    plotH = o.height ?? 260;
  const items: LegendItem[] = [
    ...o.series
      .filter((s) => !s.noLegend)
      .map(
        (s): LegendItem =>
          s.area
            ? { label: s.label, color: s.color, kind: 'band', opacity: s.area }
            : { label: s.label, color: s.color, kind: s.dash ? 'dash' : 'line' },
      ),
    ...(o.bands ?? []).filter((b) => b.label).map((b) => ({ label: b.label!, color: b.color, kind: 'band' as const, opacity: b.opacity })),
    ...(o.extraLegend ?? []),
  ];
  const seen = new Set<string>();
  const uniq = items.filter((i) => {
    if (seen.has(i.label)) return false;
    seen.add(i.label);
    return true;
  });
  const left = 58,
    right = 18;
  const lg = legend(uniq, left, 6, width - left - right);
  const box: Box = { x0: left, x1: width - right, y0: 8 + lg.height + 4, y1: 8 + lg.height + 4 + plotH };
  const height = box.y1 + 46;

  const xs = o.series.flatMap((s) => s.points.map((p) => p[0])).filter(Number.isFinite);
  const ys = o.series
    .flatMap((s) => [...s.points.map((p) => p[1]), ...(s.whiskers ?? []).flatMap((w) => [w[1], w[2]])])
    .filter(Number.isFinite);
  const xmin = o.x.min ?? (o.xCategories ? -0.5 : Math.min(0, ...xs));
  const xmax = o.x.max ?? (o.xCategories ? o.xCategories.length - 0.5 : Math.max(...xs, xmin + 1));
  const ymin = o.y.min ?? Math.min(0, ...ys);
  const ymax = o.y.max ?? niceMax(Math.max(...ys, ymin + 1e-9) - ymin, 5) + ymin;
  const x = makeScale(o.x, xmin, xmax, box.x0, box.x1, Math.max(3, Math.floor((box.x1 - box.x0) / 80)));
  const y = makeScale(o.y, ymin, ymax > ymin ? ymax : ymin + 1, box.y1, box.y0, 5);

  const plot: string[] = ['<g class="plot">'];
  for (const b of o.bands ?? []) {
    const a = Math.max(xmin, b.x0),
      c = Math.min(xmax, b.x1);
    if (!(c > a)) continue;
    plot.push(
      `<rect x="${r1(x(a))}" y="${box.y0}" width="${r1(x(c) - x(a))}" height="${box.y1 - box.y0}" fill="${esc(b.color)}" fill-opacity="${b.opacity}"><title>${esc(b.label ?? '')}</title></rect>`,
    );
  }
  for (const v of o.vlines ?? []) {
    if (!(v.x >= xmin && v.x <= xmax)) continue;
    const px = r1(x(v.x));
    plot.push(
      `<line class="refline" x1="${px}" x2="${px}" y1="${box.y0}" y2="${box.y1}" stroke="${esc(v.color ?? '#777')}"/><text class="reflabel" x="${px + 3}" y="${box.y0 + 12}">${esc(v.label)}</text>`,
    );
  }
  for (const s of o.series.filter((q) => q.area)) {
    const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (pts.length < 2) continue;
    const base = r1(y(Math.max(ymin, 0)));
    plot.push(
      `<path d="${pathOf(pts, x, y, !!s.step)}V${base}H${r1(x(pts[0][0]))}Z" fill="${esc(s.color)}" fill-opacity="${s.area}" stroke="${esc(s.color)}" stroke-opacity="0.5" stroke-width="0.8"><title>${esc(s.label)}</title></path>`,
    );
  }
  for (const s of o.series) {
    if (s.area) continue;
    const d = pathOf(s.points, x, y, !!s.step);
    if (d)
      plot.push(
        `<path d="${d}" fill="none" stroke="${esc(s.color)}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${s.dash ? ' stroke-dasharray="6 4"' : ''}><title>${esc(s.label)}</title></path>`,
      );
    for (const [wx, lo, hi] of s.whiskers ?? []) {
      if (![wx, lo, hi].every(Number.isFinite) || hi <= lo) continue;
      // clipped to the plot; a clipped end has no cap
      const a = r1(y(Math.max(lo, y.min))),
        c = r1(y(Math.min(hi, y.max))),
        px = r1(x(wx));
      const caps = `${lo >= y.min ? `M${px - 5} ${a}H${px + 5}` : ''}${hi <= y.max ? `M${px - 5} ${c}H${px + 5}` : ''}`;
      plot.push(
        `<path d="M${px} ${a}V${c}${caps}" stroke="${esc(s.color)}" stroke-width="1.5" fill="none"><title>${esc(`${s.label}: 95% interval ${y.format(lo)} to ${y.format(hi)}`)}</title></path>`,
      );
    }
    if (s.markers)
      for (const [px, py] of s.points)
        if (Number.isFinite(px) && Number.isFinite(py))
          plot.push(
            `<circle cx="${r1(x(px))}" cy="${r1(y(py))}" r="3.5" fill="${esc(s.color)}"><title>${esc(`${s.label}: ${y.format(py)}`)}</title></circle>`,
          );
  }
  plot.push('</g>');
  return shell(o.name, o.title, width, height, lg.svg + axes(x, y, box, o.x.label, o.y.label, o.xCategories) + plot.join(''), o.desc);
}

export interface StackedBarsOptions {
  name: string;
  title: string;
  desc?: string;
  width?: number;
  rows: { label: string; values: number[] }[];
  keys: { label: string; color: string }[];
  xLabel: string;
  format?: (v: number) => string;
}

/** Horizontal bars, one per row, each split into the keys' values (left to right). */
export function stackedBars(o: StackedBarsOptions): string {
  const width = o.width ?? 640;
  const fmt = o.format ?? defaultFormat;
  const left = Math.min(220, Math.max(70, ...o.rows.map((r) => textWidth(r.label) + 14)));
  const right = 70;
  const lg = legend(
    o.keys.map((k) => ({ label: k.label, color: k.color, kind: 'rect' })),
    12,
    6,
    width - 24,
  );
  const barH = 22,
    gap = 10;
  const box: Box = { x0: left, x1: width - right, y0: 8 + lg.height + 4, y1: 0 };
  box.y1 = box.y0 + o.rows.length * (barH + gap) + gap;
  const height = box.y1 + 46;
  const totals = o.rows.map((r) => r.values.reduce((a, v) => a + (Number.isFinite(v) && v > 0 ? v : 0), 0));
  const x = makeScale(
    { label: o.xLabel },
    0,
    niceMax(Math.max(...totals, 1e-9)),
    box.x0,
    box.x1,
    Math.max(3, Math.floor((box.x1 - box.x0) / 80)),
  );
  const y = makeScale({ label: '' }, 0, 1, box.y1, box.y0, 1);
  y.ticks = [];
  const plot: string[] = ['<g class="plot">'];
  o.rows.forEach((row, i) => {
    const top = box.y0 + gap + i * (barH + gap);
    let acc = 0;
    plot.push(`<text class="rowlabel" x="${left - 8}" y="${r1(top + barH / 2 + 4)}" text-anchor="end">${esc(row.label)}</text>`);
    row.values.forEach((v, k) => {
      if (!(Number.isFinite(v) && v > 0)) return;
      const a = x(acc),
        b = x(acc + v);
      acc += v;
      plot.push(
        `<rect x="${r1(a)}" y="${r1(top)}" width="${r1(Math.max(0.5, b - a))}" height="${barH}" fill="${esc(o.keys[k]?.color ?? '#999')}"><title>${esc(`${row.label} — ${o.keys[k]?.label ?? k}: ${fmt(v)}`)}</title></rect>`,
      );
    });
    plot.push(`<text class="barvalue" x="${r1(x(acc) + 6)}" y="${r1(top + barH / 2 + 4)}">${esc(fmt(totals[i]))}</text>`);
  });
  plot.push('</g>');
  return shell(o.name, o.title, width, height, lg.svg + axes(x, y, box, o.xLabel, '', undefined, true) + plot.join(''), o.desc);
}

export interface GroupedBarsOptions {
  name: string;
  title: string;
  desc?: string;
  width?: number;
  height?: number;
  categories: string[];
  /** errors: a half-width per value (none where undefined). */
  series: { label: string; color: string; values: number[]; errors?: (number | undefined)[] }[];
  y: AxisSpec;
  /** Print each bar's value above it. */
  valueLabels?: boolean;
}

/** Vertical bars: for each category, one bar per series side by side. */
export function groupedBars(o: GroupedBarsOptions): string {
  const width = o.width ?? 640,
    plotH = o.height ?? 220;
  const left = 58,
    right = 18;
  const lg = legend(
    o.series.map((s) => ({ label: s.label, color: s.color, kind: 'rect' })),
    left,
    6,
    width - left - right,
  );
  const box: Box = { x0: left, x1: width - right, y0: 8 + lg.height + 4, y1: 8 + lg.height + 4 + plotH };
  const height = box.y1 + 46;
  const all = o.series.flatMap((s) => s.values.map((v, i) => v + (s.errors?.[i] ?? 0))).filter(Number.isFinite);
  const ymax = o.y.max ?? niceMax(Math.max(...all, 1e-9));
  const n = o.categories.length;
  const x = makeScale({ label: '' }, -0.5, n - 0.5, box.x0, box.x1, 1);
  const y = makeScale(o.y, o.y.min ?? 0, ymax, box.y1, box.y0, 5);
  const slot = (box.x1 - box.x0) / Math.max(1, n);
  const bw = Math.min(48, (slot * 0.8) / Math.max(1, o.series.length));
  const plot: string[] = ['<g class="plot">'];
  o.categories.forEach((cat, i) => {
    const cx = x(i);
    o.series.forEach((s, k) => {
      const v = s.values[i];
      if (!Number.isFinite(v)) return;
      const bx = cx - (bw * o.series.length) / 2 + k * bw;
      const top = y(Math.max(0, v)),
        base = y(0);
      plot.push(
        `<rect x="${r1(bx + 1)}" y="${r1(top)}" width="${r1(bw - 2)}" height="${r1(Math.max(0.5, base - top))}" fill="${esc(s.color)}"><title>${esc(`${cat} — ${s.label}: ${y.format(v)}`)}</title></rect>`,
      );
      const e = s.errors?.[i];
      if (e && Number.isFinite(e) && e > 0) {
        const mx = r1(bx + bw / 2),
          a = r1(y(v - e)),
          b = r1(y(v + e));
        plot.push(
          `<path d="M${mx} ${a}V${b}M${mx - 4} ${a}H${mx + 4}M${mx - 4} ${b}H${mx + 4}" stroke="#222" stroke-width="1.2" fill="none"/>`,
        );
      }
      if (o.valueLabels && bw >= 22)
        plot.push(`<text class="barvalue small" x="${r1(bx + bw / 2)}" y="${r1(top - 4)}" text-anchor="middle">${esc(y.format(v))}</text>`);
    });
  });
  plot.push('</g>');
  return shell(o.name, o.title, width, height, lg.svg + axes(x, y, box, '', o.y.label, o.categories) + plot.join(''), o.desc);
}

export interface DotWhiskerRow {
  label: string;
  /** Rows with the same group are drawn together under its heading. */
  group: string;
  value: number;
  /** The primary interval (drawn thick). */
  lo?: number;
  hi?: number;
  /** A secondary, wider interval (drawn thin and light). */
  lo2?: number;
  hi2?: number;
}

export interface DotWhiskerOptions {
  name: string;
  title: string;
  desc?: string;
  width?: number;
  rows: DotWhiskerRow[];
  xLabel: string;
  color?: string;
  primaryLabel: string;
  secondaryLabel: string;
  format?: (v: number) => string;
  /** Format of the values written at the right of each row (default: format). */
  noteFormat?: (v: number) => string;
}

const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** One row per estimate: a dot, a thick primary interval and a thin secondary one; a zero line. */
export function dotWhisker(o: DotWhiskerOptions): string {
  const width = o.width ?? 640;
  const color = o.color ?? '#2166ac';
  const light = '#9ab8d8';
  const left = Math.min(
    240,
    Math.max(90, ...o.rows.map((r) => textWidth(r.label) + 24), ...o.rows.map((r) => textWidth(r.group, 13) * 1.12 + 22)),
  );
  // the estimate and its primary interval written out at the right of each row
  const f = o.format ?? defaultFormat;
  const nf = o.noteFormat ?? f;
  const note = (r: DotWhiskerRow) => `${nf(r.value)}${isFiniteNum(r.lo) && isFiniteNum(r.hi) ? `  (${nf(r.lo)} to ${nf(r.hi)})` : ''}`;
  const right = Math.min(260, Math.max(...o.rows.map((r) => textWidth(note(r), 11.5)))) + 30;
  const lg = legend(
    [
      { label: 'difference (b − a)', color, kind: 'dot' },
      { label: o.primaryLabel, color, kind: 'whisker', opacity: 3.5 },
      { label: o.secondaryLabel, color: light, kind: 'whisker', opacity: 1.5 },
    ],
    12,
    6,
    width - 24,
  );
  const rowH = 22,
    groupH = 22;
  const groups: string[] = [];
  for (const r of o.rows) if (!groups.includes(r.group)) groups.push(r.group);
  const box: Box = { x0: left, x1: width - right, y0: 8 + lg.height + 4, y1: 0 };
  box.y1 = box.y0 + groups.length * groupH + o.rows.length * rowH + 8;
  const height = box.y1 + 46;
  const vals = o.rows
    .flatMap((r) => [r.value, r.lo, r.hi, r.lo2, r.hi2])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  let lo = Math.min(0, ...vals),
    hi = Math.max(0, ...vals);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const step = niceStep(hi - lo, 6);
  lo = Math.floor(lo / step - 1e-9) * step;
  hi = Math.ceil(hi / step + 1e-9) * step;
  const x = makeScale({ label: o.xLabel, format: o.format }, lo, hi, box.x0, box.x1, 6);
  const y = makeScale({ label: '' }, 0, 1, box.y1, box.y0, 1);
  y.ticks = [];
  const plot: string[] = ['<g class="plot">'];
  const zx = r1(x(0));
  plot.push(`<line class="zero" x1="${zx}" x2="${zx}" y1="${box.y0}" y2="${box.y1}"/>`);
  let cy = box.y0 + 4;
  for (const g of groups) {
    plot.push(`<text class="grouplabel" x="12" y="${r1(cy + 15)}">${esc(g)}</text>`);
    cy += groupH;
    for (const r of o.rows.filter((q) => q.group === g)) {
      const my = r1(cy + rowH / 2);
      plot.push(`<text class="rowlabel" x="${left - 8}" y="${my + 4}" text-anchor="end">${esc(r.label)}</text>`);
      plot.push(`<line class="rowguide" x1="${box.x0}" x2="${box.x1}" y1="${my}" y2="${my}"/>`);
      plot.push(`<text class="rownote" x="${box.x1 + 14}" y="${my + 4}">${esc(note(r))}</text>`);
      if (r.lo2 !== undefined && r.hi2 !== undefined && Number.isFinite(r.lo2) && Number.isFinite(r.hi2)) {
        const a = r1(x(r.lo2)),
          b = r1(x(r.hi2));
        plot.push(
          `<path d="M${a} ${my}H${b}M${a} ${my - 5}V${my + 5}M${b} ${my - 5}V${my + 5}" stroke="${light}" stroke-width="1.5" fill="none"><title>${esc(`${g} ${r.label}: ${o.secondaryLabel} ${f(r.lo2)} to ${f(r.hi2)}`)}</title></path>`,
        );
      }
      if (r.lo !== undefined && r.hi !== undefined && Number.isFinite(r.lo) && Number.isFinite(r.hi)) {
        const a = r1(x(r.lo)),
          b = r1(x(r.hi));
        plot.push(
          `<path d="M${a} ${my}H${b}" stroke="${color}" stroke-width="3.5" stroke-linecap="round" fill="none"><title>${esc(`${g} ${r.label}: ${o.primaryLabel} ${f(r.lo)} to ${f(r.hi)}`)}</title></path>`,
        );
      }
      if (Number.isFinite(r.value))
        plot.push(
          `<circle cx="${r1(x(r.value))}" cy="${my}" r="5" fill="${color}" stroke="#fff" stroke-width="1.5"><title>${esc(`${g} ${r.label}: ${f(r.value)}`)}</title></circle>`,
        );
      cy += rowH;
    }
  }
  plot.push('</g>');
  return shell(o.name, o.title, width, height, lg.svg + axes(x, y, box, o.xLabel, '', undefined, true) + plot.join(''), o.desc);
}
