import type { Scenario } from '../../src/scenario/types.js';

/**
 * What makes a report incomplete: a number that is NaN or infinite anywhere, a null where
 * docs/report.md ("Null and zero") does not promise one, or shipments still in progress. The
 * documented nulls: `stages.<s>.utilization` of an unlimited stage, `aeo_vs_non_aeo.mean_ratio`
 * with no AEO shipment or a non-AEO mean of 0 (also `by_direction.<d>.aeo_vs_non_aeo.mean_ratio`), `disruptions[i].aeo_vs_non_aeo.mean_ratio` with a
 * non-AEO mean of 0 in the window, `bullmq.redis_hz`, `bullmq.last_release_hours`, and
 * `timeline.stages.<s>.capacity[k]` of an unlimited stage.
 */
export function incompleteFields(report: any, s: Scenario): string[] {
  const problems: string[] = [];
  const unlimited = new Set(s.stages.filter((st) => st.servers === Infinity).map((st) => st.name));
  const nullAllowed = (p: (string | number)[]): boolean => {
    const at = (i: number) => p[i];
    if (p.length === 3 && at(0) === 'stages' && at(2) === 'utilization') return unlimited.has(String(at(1)));
    if (p.length === 2 && at(0) === 'aeo_vs_non_aeo' && at(1) === 'mean_ratio') {
      return report.aeo_vs_non_aeo.aeo.count === 0 || !(report.aeo_vs_non_aeo.non_aeo.clearance_hours.mean > 0);
    }
    if (p.length === 4 && at(0) === 'by_direction' && at(2) === 'aeo_vs_non_aeo' && at(3) === 'mean_ratio') {
      const d = report.by_direction[at(1) as string].aeo_vs_non_aeo;
      return d.aeo.count === 0 || !(d.non_aeo.clearance_hours.mean > 0);
    }
    if (p.length === 4 && at(0) === 'disruptions' && at(2) === 'aeo_vs_non_aeo' && at(3) === 'mean_ratio') {
      return !(report.disruptions[at(1) as number].aeo_vs_non_aeo.non_aeo.clearance_hours.mean > 0);
    }
    if (p.length === 2 && at(0) === 'bullmq' && (at(1) === 'redis_hz' || at(1) === 'last_release_hours')) return true;
    if (p.length === 5 && at(0) === 'timeline' && at(1) === 'stages' && at(3) === 'capacity') return unlimited.has(String(at(2)));
    return false;
  };
  const visit = (v: unknown, p: (string | number)[]) => {
    if (problems.length > 20) return;
    if (v === null) {
      if (!nullAllowed(p)) problems.push(`${p.join('.')}: null`);
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push(`${p.join('.')}: ${v}`);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, [...p, i]));
    } else if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) visit(x, [...p, k]);
    }
  };
  visit(report, []);
  if (report?.shipments?.in_progress !== 0)
    problems.push(`shipments.in_progress: ${report?.shipments?.in_progress} (the run did not drain)`);
  return problems;
}
