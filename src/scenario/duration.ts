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

/** Short human form of a duration in hours, for summaries. */
export function formatHours(h: number): string {
  if (!Number.isFinite(h)) return String(h);
  if (h >= 48) return `${(h / 24).toFixed(1)}d`;
  if (h >= 1) return `${h.toFixed(1)}h`;
  if (h === 0 || h >= 1 / 60) return `${(h * 60).toFixed(1)}m`;
  return `${(h * 3600).toFixed(1)}s`;
}
