import { Redis } from 'ioredis';
import { loadScenarioFile, parseOverride } from '../../src/scenario/load.js';

/**
 * The bundled scenarios shortened for real-time runs: 400 declarations a day for two days, and
 * findings holds, yard dwell and complete declarations of hours rather than days, so that a run
 * drains in seconds of wall time. Both
 * runtimes get the identical scenario.
 */
export const SHORT = [
  'arrivals.per_day=400',
  'horizon.days=2',
  'horizon.warmup_days=0.25',
  'findings.hold={dist: lognormal, median: 4h, sigma: 0.5}',
  // port handling and the complete declarations of two-step imports in hours, not days
  'stages.yard.service={dist: lognormal, median: 4h, sigma: 0.5}',
  'two_step.deadline=1d',
  'two_step.lodged_after={dist: lognormal, median: 4h, sigma: 0.5}',
];

export function shortScenario(name: string, ...more: string[]) {
  return loadScenarioFile(`scenarios/${name}.yaml`, [...SHORT, ...more].map(parseOverride));
}

/** Keys a run left behind in Redis (its queues are named after its id). */
export async function leftovers(url: string, runId: string): Promise<string[]> {
  const r = new Redis(url);
  try {
    return (await r.keys(`*${runId}*`)).sort();
  } finally {
    r.disconnect();
  }
}
