/** Numbers as the HTML report writes them: hours with 1–2 decimals, shares as percentages, thousands separated. */

export const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function fmtInt(x: unknown): string {
  if (!isNum(x)) return '–';
  return Math.round(x).toLocaleString('en-US');
}

/** A count that a merged report may hold as a mean per replication. */
export function fmtCount(x: unknown): string {
  if (!isNum(x)) return '–';
  return Number.isInteger(x) ? fmtInt(x) : fmtNum(x);
}

export function fmtNum(x: unknown, digits = 3): string {
  if (!isNum(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return fmtInt(x);
  return Number(x.toPrecision(digits)).toString();
}

export function fmtH(x: unknown): string {
  if (!isNum(x)) return '–';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function fmtPct(x: unknown, digits = 1): string {
  if (!isNum(x)) return '–';
  return `${(x * 100).toFixed(digits)}%`;
}

export function fmtCny(x: unknown): string {
  if (!isNum(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)} bn CNY`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} m CNY`;
  return `${fmtInt(x)} CNY`;
}

export function fmtSigned(x: unknown, f: (v: number) => string = fmtH): string {
  if (!isNum(x)) return '–';
  return `${x > 0 ? '+' : x < 0 ? '−' : ''}${f(Math.abs(x))}`;
}

/** With its 95% half-width when the report has one (`<key>_ci95`). */
export function withCi(o: Record<string, unknown> | undefined, key: string, f: (x: number) => string = fmtH): string {
  if (!o) return '–';
  const v = f(o[key] as number);
  const ci = o[`${key}_ci95`];
  return isNum(ci) ? `${v} ± ${f(ci)}` : v;
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The simulated clock: day number and weekday (the clock starts Monday 00:00 of day 0) and the time of day. */
export function fmtClock(hours: number): string {
  if (!isNum(hours)) return '–';
  const neg = hours < 0;
  const h = Math.abs(hours);
  const day = Math.floor(h / 24);
  const rest = h - day * 24;
  const hh = Math.floor(rest);
  const mm = Math.floor((rest - hh) * 60);
  const time = `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
  if (neg) return `before the start (−${day} d ${time})`;
  return `day ${day} (${DAYS[day % 7]}) ${time}`;
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

export function fmtDuration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from) return '–';
  const ms = (to ? new Date(to).getTime() : Date.now()) - new Date(from).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
