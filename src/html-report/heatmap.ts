/**
 * A heatmap of a statistic over two parameters (a sweep's first two): one cell per point, its
 * colour from the value (light = low, dark = high), its value written in it, and the cells that
 * meet a target outlined and ticked. Inline SVG with a <title> per cell, like ./svg.ts's charts.
 */
import { esc, textWidth } from './svg.js';

export interface HeatmapCell {
  x: number;
  y: number;
  value: number;
  /** What the cell says (the value, formatted). */
  label: string;
  /** Meets the target: outlined and ticked. */
  mark?: boolean;
  /** The cell's tooltip. */
  title: string;
}

export interface HeatmapOptions {
  name: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Column and row labels; cells index them. */
  xs: string[];
  ys: string[];
  cells: HeatmapCell[];
  /** What the colour shows, for the scale's caption. */
  valueLabel: string;
  format: (v: number) => string;
}

const LOW = [239, 243, 255];
const HIGH = [8, 48, 107];

function colorOf(t: number): string {
  const c = LOW.map((l, i) => Math.round(l + (HIGH[i] - l) * Math.min(1, Math.max(0, t))));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export function heatmap(o: HeatmapOptions): string {
  const cellW = Math.max(64, ...o.xs.map((x) => textWidth(x) + 16)),
    cellH = 34;
  const left = Math.max(60, ...o.ys.map((y) => textWidth(y) + 20)) + 24;
  const top = 30;
  const width = Math.max(left + cellW * o.xs.length + 20, 10 + textWidth(`${o.valueLabel}: light 00000, dark 00000`, 12));
  const height = top + cellH * o.ys.length + 70;
  const vals = o.cells.map((c) => c.value).filter(Number.isFinite);
  const lo = Math.min(...vals),
    hi = Math.max(...vals);
  const t = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const parts: string[] = [];
  for (const c of o.cells) {
    const px = left + c.x * cellW,
      py = top + (o.ys.length - 1 - c.y) * cellH;
    const fill = Number.isFinite(c.value) ? colorOf(t(c.value)) : '#eeeeee';
    const ink = Number.isFinite(c.value) && t(c.value) > 0.55 ? '#ffffff' : '#222222';
    parts.push(
      `<g class="cell"><rect x="${px}" y="${py}" width="${cellW - 2}" height="${cellH - 2}" fill="${fill}"${c.mark ? ' stroke="#1a9850" stroke-width="3"' : ''}><title>${esc(c.title)}</title></rect>` +
        `<text x="${px + (cellW - 2) / 2}" y="${py + cellH / 2 + 4}" text-anchor="middle" font-size="12" fill="${ink}">${esc(`${c.mark ? '✓ ' : ''}${c.label}`)}</text></g>`,
    );
  }
  for (const [i, x] of o.xs.entries())
    parts.push(
      `<text x="${left + i * cellW + (cellW - 2) / 2}" y="${top + cellH * o.ys.length + 16}" text-anchor="middle" font-size="12">${esc(x)}</text>`,
    );
  for (const [j, y] of o.ys.entries())
    parts.push(
      `<text x="${left - 8}" y="${top + (o.ys.length - 1 - j) * cellH + cellH / 2 + 4}" text-anchor="end" font-size="12">${esc(y)}</text>`,
    );
  parts.push(
    `<text x="${left + (cellW * o.xs.length) / 2}" y="${top + cellH * o.ys.length + 36}" text-anchor="middle" font-size="12">${esc(o.xLabel)}</text>`,
    `<text transform="translate(14 ${top + (cellH * o.ys.length) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(o.yLabel)}</text>`,
    `<text x="10" y="${top - 10}" font-size="12">${esc(`${o.valueLabel}: light ${vals.length ? o.format(lo) : '–'}, dark ${vals.length ? o.format(hi) : '–'}`)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(o.title)}" data-chart="${esc(o.name)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${esc(o.title)}</title>${parts.join('')}</svg>`;
}
