import type { OpeningHours } from '../scenario/types.js';

/** The clock starts Monday 00:00; times are hours. Day 0 = Monday. */
export function dayOfWeek(t: number): number {
  return ((Math.floor(t / 24) % 7) + 7) % 7;
}

export function hourOfDay(t: number): number {
  return ((t % 24) + 24) % 24;
}

export function isOpen(h: OpeningHours, t: number): boolean {
  if (!h.days[dayOfWeek(t)]) return false;
  const hod = hourOfDay(t);
  return hod >= h.open && hod < h.close;
}

/** The first time after t at which the stage opens or closes. */
export function nextOpeningChange(h: OpeningHours, t: number): number {
  const dayStart = Math.floor(t / 24) * 24;
  // Scan up to 8 days of candidate boundaries (open and close of each day), in order.
  for (let d = 0; d <= 8; d++) {
    const base = dayStart + d * 24;
    const open = base + h.open,
      close = base + h.close;
    if (open > t) return open;
    if (close > t) return close;
  }
  return Infinity;
}
