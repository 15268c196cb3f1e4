import type { Scenario } from '../scenario/types.js';
import { hoursStats as stats } from './hours-stats.js';
import { type FlowTally, type TwoStepTally, WITHIN_HOURS } from './collector.js';
import type { HoursStats, ReleasedWithin, Report } from './report-schema.js';
import { Summary } from './summary.js';

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const hoursKey = (h: number) => `${+h.toFixed(6)}h`;

/** Several flows' summaries as one. */
function pooled(tallies: FlowTally[], pick: (t: FlowTally) => Summary): Summary {
  const out = new Summary();
  for (const t of tallies) out.add(pick(t));
  return out;
}

/** Shares released within 1, 24 and 48 h over several flows (each flow's thresholds include those). */
function standardWithin(tallies: FlowTally[]): ReleasedWithin {
  const out: Record<string, number> = {};
  let total = 0;
  for (const t of tallies) total += t.within.total;
  for (const h of WITHIN_HOURS) {
    let n = 0;
    for (const t of tallies) n += t.within.counts[t.thresholds.indexOf(h)];
    out[hoursKey(h)] = ratio(n, total);
  }
  return out as ReleasedWithin;
}

/** The report's by_direction, by_mode, by_flow and destination sections, from the collector's flow tallies. */
export function buildFlowSections(
  s: Scenario,
  tallies: FlowTally[],
  observed: number,
): Pick<Report, 'by_direction' | 'by_mode' | 'by_flow' | 'destination'> {
  const group = (members: FlowTally[]) => {
    const clearance = pooled(members, (t) => t.clearance);
    return { count: clearance.count, share: ratio(clearance.count, observed), clearance };
  };
  const byDirection: NonNullable<Report['by_direction']> = {};
  for (const direction of ['import', 'export'] as const) {
    const members = tallies.filter((_, i) => s.flows[i].direction === direction);
    if (members.length === 0) continue;
    const g = group(members);
    const aeo = pooled(members, (t) => t.aeo),
      non = pooled(members, (t) => t.nonAeo);
    byDirection[direction] = {
      count: g.count,
      share: g.share,
      clearance_hours: stats(g.clearance),
      released_within: standardWithin(members),
      lodgement_to_release_hours: stats(pooled(members, (t) => t.lodgementToRelease)),
      aeo_vs_non_aeo: {
        aeo: { count: aeo.count, clearance_hours: stats(aeo) },
        non_aeo: { count: non.count, clearance_hours: stats(non) },
        mean_ratio: aeo.count > 0 && non.mean > 0 ? aeo.mean / non.mean : null,
      },
    };
  }
  const byMode: NonNullable<Report['by_mode']> = {};
  for (const mode of [...new Set(s.flows.map((f) => f.mode))]) {
    const members = tallies.filter((_, i) => s.flows[i].mode === mode);
    const g = group(members);
    const dirs: Record<string, { count: number; clearance_hours: HoursStats }> = {};
    for (const direction of ['import', 'export'] as const) {
      const d = tallies.filter((_, i) => s.flows[i].mode === mode && s.flows[i].direction === direction);
      if (d.length === 0) continue;
      const c = pooled(d, (t) => t.clearance);
      dirs[direction] = { count: c.count, clearance_hours: stats(c) };
    }
    byMode[mode] = { count: g.count, share: g.share, clearance_hours: stats(g.clearance), by_direction: dirs };
  }
  const byFlow: NonNullable<Report['by_flow']> = {};
  s.flows.forEach((f, i) => {
    const t = tallies[i];
    const within: Record<string, number> = {};
    t.thresholds.forEach((h, k) => {
      within[hoursKey(h)] = ratio(t.within.counts[k], t.within.total);
    });
    byFlow[f.name] = {
      direction: f.direction,
      mode: f.mode,
      count: t.clearance.count,
      share: ratio(t.clearance.count, observed),
      clearance_hours: stats(t.clearance),
      released_within: within,
      lodgement_to_release_hours: stats(t.lodgementToRelease),
    };
  });
  const out: Pick<Report, 'by_direction' | 'by_mode' | 'by_flow' | 'destination'> = {
    by_direction: byDirection,
    by_mode: byMode,
    by_flow: byFlow,
  };
  if (s.destination) {
    const part = (k: number) => {
      const sm = pooled(tallies, (t) => t.destination[k]);
      return { count: sm.count, clearance_hours: stats(sm) };
    };
    const [aeoMra, aeoOther, nonMra, nonOther] = [0, 1, 2, 3].map(part);
    out.destination = {
      mra_factor: s.destination.mraFactor,
      aeo_mra: aeoMra,
      aeo_other: aeoOther,
      non_aeo_mra: nonMra,
      non_aeo_other: nonOther,
      mra_saving_hours: aeoMra.count > 0 && aeoOther.count > 0 ? aeoOther.clearance_hours.mean - aeoMra.clearance_hours.mean : 0,
    };
  }
  return out;
}

/** The report's two_step section: release times with and without it, and the work it leaves for after release. */
export function buildTwoStepSection(s: Scenario, t: TwoStepTally, stageBusyHours: number): NonNullable<Report['two_step']> {
  const imports = t.twoStep.count + t.full.count;
  return {
    stage: s.stages[s.twoStep!.stage].name,
    deadline_hours: s.twoStep!.deadline,
    declarations: t.twoStep.count,
    share_of_imports: ratio(t.twoStep.count, imports),
    release_hours: { two_step: stats(t.twoStep), full: stats(t.full) },
    complete_declarations: {
      count: t.wait.count + t.accepted,
      reviewed: t.wait.count,
      wait_hours: stats(t.wait),
      service_hours: stats(t.service),
      done_after_release_hours: stats(t.afterRelease),
    },
    officer_hours: t.officerHours,
    share_of_stage_busy: ratio(t.officerHours, stageBusyHours),
  };
}
