import { formatInteger } from '../format-integer.js';

const UNIT_HOURS: Record<string, number> = { s: 1 / 3600, m: 1 / 60, h: 1, d: 24 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/;

/** Hours in a duration written with a unit ("90s", "20m", "1.5h", "2d") or 0; NaN if malformed. */
export function parseDuration(value: unknown): number {
  if (value === 0) return 0;
  if (typeof value !== 'string') return NaN;
  const m = DURATION.exec(value);
  return m ? Number(m[1]) * UNIT_HOURS[m[2]] : NaN;
}

/** "HH:MM" -> hours after midnight. */
export function parseClock(value: string): number {
  const [h, m] = value.split(':').map(Number);
  return h + m / 60;
}

/**
 * How formatHours writes hours:
 * - short: "2.3h", "38.8m", "6.5d", "12.0s" (1 decimal, the unit run in): tables on the terminal
 * - precise: "2.28 h", "38.8 min", "6.52 d", "12 s": sentences, where an interval's two ends must differ when they do
 * - number: "2.28", "38.8", "1,234" (hours, no unit): cells under a heading that gives it (HTML tables and charts)
 * - day: "day 1.5": a time on the simulated clock, hours from its start
 */
export type HoursStyle = 'short' | 'precise' | 'number' | 'day';

/** The units of short and precise, largest first: from how many hours each is used. */
const UNITS = [
  { from: 48, of: (h: number) => h / 24, short: 'd', precise: ' d', digits: 2 },
  { from: 1, of: (h: number) => h, short: 'h', precise: ' h', digits: 2 },
  { from: 1 / 60, of: (h: number) => h * 60, short: 'm', precise: ' min', digits: 1 },
  { from: 0, of: (h: number) => h * 3600, short: 's', precise: ' s', digits: 0 },
];

/**
 * Hours for people: the one formatter of durations and times in summaries, comparisons and reports.
 * Not a number (null, undefined, NaN): "-" (short, precise) or "–" (number, day, the HTML reports').
 */
export function formatHours(h: number | null | undefined, style: HoursStyle = 'short'): string {
  if (typeof h !== 'number' || !Number.isFinite(h)) return style === 'short' || style === 'precise' ? '-' : '–';
  if (style === 'number') return formatMagnitude(h);
  if (style === 'day') return `day ${+(h / 24).toFixed(2)}`;
  const a = Math.abs(h);
  // 0 is "0.0m" in short (a zero wait reads as minutes), "0 s" in precise
  const u = style === 'short' && a === 0 ? UNITS[2] : UNITS.find((x) => a >= x.from)!;
  return style === 'short' ? `${u.of(h).toFixed(1)}${u.short}` : `${u.of(h).toFixed(u.digits)}${u.precise}`;
}

/** A magnitude with the digits a table needs: 2 decimals below 10, 1 below 100, none above; "–" if not a number. */
export function formatMagnitude(x: unknown): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a < 10) return x.toFixed(2);
  if (a < 100) return x.toFixed(1);
  return formatInteger(x);
}
