import type { Scenario } from '../scenario/types.js';
import { laneTable } from './risk.js';
import { buildRoutes } from './route.js';

/**
 * Mean offered load per stage (server-hours demanded per server-hour available), from the
 * scenario alone: arrivals x lane mix x visits x mean service, over servers x open share of the week.
 */
export function offeredLoads(s: Scenario): { stage: string; utilization: number | null }[] {
  const routes = buildRoutes(s);
  const visits = s.stages.map(() => 0);
  for (const t of s.tiers) {
    const lt = laneTable(t, s.targetingLift);
    const share = (cum: Float64Array) => [1 - cum[2], cum[1] - cum[0], cum[0], cum[2] - cum[1]];
    const c = share(lt.compliant),
      n = share(lt.noncompliant);
    for (let lane = 0; lane < 4; lane++) {
      const p = t.shipmentShare * ((1 - t.noncompliance) * c[lane] + t.noncompliance * n[lane]);
      for (const st of routes[lane].stages) visits[st] += p;
    }
  }
  const perHour = s.arrivals.perDay / 24;
  return s.stages.map((st, i) => {
    if (st.servers === Infinity) return { stage: st.name, utilization: null };
    let openShare = 1;
    if (st.hours) openShare = ((st.hours.close - st.hours.open) / 24) * (st.hours.days.filter(Boolean).length / 7);
    return { stage: st.name, utilization: (perHour * visits[i] * st.service.mean) / (st.servers * openShare) };
  });
}
