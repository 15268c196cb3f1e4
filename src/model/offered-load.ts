import type { Scenario } from '../scenario/types.js';
import { routeShares, twoStepShare } from './risk.js';
import { buildRoutes } from './route.js';

/**
 * Mean offered load per stage (server-hours demanded per server-hour available), from the
 * scenario alone: arrivals x lane mix x visits x mean service, over servers x open share of the week.
 */
export function offeredLoads(s: Scenario): { stage: string; utilization: number | null }[] {
  const routes = buildRoutes(s);
  const shares = routeShares(s);
  const visits = s.stages.map(() => 0);
  routes.forEach((r, i) => {
    for (const st of r.stages) visits[st] += shares[i];
  });
  // a two-step declaration's complete declaration, processed after release
  if (s.twoStep) visits[s.twoStep.stage] += twoStepShare(s, shares);
  const perHour = s.arrivals.perDay / 24;
  return s.stages.map((st, i) => {
    if (st.servers === Infinity) return { stage: st.name, utilization: null };
    let openShare = 1;
    if (st.hours) openShare = ((st.hours.close - st.hours.open) / 24) * (st.hours.days.filter(Boolean).length / 7);
    return { stage: st.name, utilization: (perHour * visits[i] * st.service.mean) / (st.servers * openShare) };
  });
}
