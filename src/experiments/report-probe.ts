import { runReplication } from '../runtime/run.js';
import type { Scenario } from '../scenario/types.js';
import { loadScenarioObject } from '../scenario/load.js';
import { publicReport, type Report } from '../stats/report.js';
import { checkTargetPath } from './target.js';

/**
 * A report of the scenario's shape, made quickly: the same scenario with a few shipments a day,
 * so that a statistic's path (--rank-by, --stat) can be checked before the real runs start.
 * The shape (tiers, stages, disruptions, flows, firms) is the scenario's; only the figures differ.
 */
export function probeReport(s: Scenario): Report {
  const doc = structuredClone(s.source) as Record<string, unknown>;
  const arrivals = (doc.arrivals ?? {}) as Record<string, unknown>;
  doc.arrivals = { ...arrivals, per_day: Math.min(Number(arrivals.per_day) || 24, 24) };
  doc.replications = 1;
  let probe: Scenario;
  try {
    probe = loadScenarioObject(doc, s.name);
  } catch {
    // a scenario that only loads as it is (a limit on its figures): probe it as it is
    probe = { ...s, replications: 1 };
  }
  // as printed: without the internal per-firm columns
  return publicReport(runReplication(probe, 0).report);
}

/** Refuses (exit 2, naming the flag) a statistic's path that is not a number of the scenario's report. */
export function checkStatPath(flag: string, path: string, s: Scenario): void {
  checkTargetPath({ text: path, path }, probeReport(s), flag);
}
