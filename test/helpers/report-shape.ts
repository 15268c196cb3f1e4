/** The fields docs/report.md names as the contract of a report; returns what is missing or malformed. */
export function reportProblems(r: any): string[] {
  const problems: string[] = [];
  const num = (v: unknown, p: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${p}: not a finite number (${JSON.stringify(v)})`);
  };
  const obj = (v: unknown, p: string) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${p}: not an object`);
      return false;
    }
    return true;
  };
  const stats = (v: any, p: string, keys: string[]) => {
    if (obj(v, p)) for (const k of keys) num(v[k], `${p}.${k}`);
  };
  for (const k of ['scenario', 'runtime']) if (typeof r[k] !== 'string') problems.push(`${k}: not a string`);
  for (const k of ['seed', 'replications', 'horizon_days', 'events', 'wall_seconds']) num(r[k], k);
  if (obj(r.shipments, 'shipments')) {
    for (const k of ['arrived', 'released', 'in_progress']) num(r.shipments[k], `shipments.${k}`);
    if (r.shipments.arrived !== r.shipments.released + r.shipments.in_progress)
      problems.push('shipments: arrived != released + in_progress');
  }
  if (obj(r.by_tier, 'by_tier')) {
    for (const [t, v] of Object.entries<any>(r.by_tier)) {
      num(v.count, `by_tier.${t}.count`);
      stats(v.clearance_hours, `by_tier.${t}.clearance_hours`, ['mean', 'p50', 'p90', 'p95', 'p99']);
      stats(v.released_within, `by_tier.${t}.released_within`, ['1h', '24h', '48h']);
      stats(v.lanes, `by_tier.${t}.lanes`, ['green', 'yellow', 'red']);
      for (const k of ['inspection_rate', 'hit_rate', 'detection_rate', 'value_cny', 'guarantee_waived_cny'])
        num(v[k], `by_tier.${t}.${k}`);
      if (r.replications > 1) num(v.clearance_hours.mean_ci95, `by_tier.${t}.clearance_hours.mean_ci95`);
    }
  }
  if (obj(r.aeo_vs_non_aeo, 'aeo_vs_non_aeo')) {
    for (const g of ['aeo', 'non_aeo'])
      if (obj(r.aeo_vs_non_aeo[g], `aeo_vs_non_aeo.${g}`))
        stats(r.aeo_vs_non_aeo[g].clearance_hours, `aeo_vs_non_aeo.${g}.clearance_hours`, ['mean', 'p50', 'p90']);
    num(r.aeo_vs_non_aeo.mean_ratio, 'aeo_vs_non_aeo.mean_ratio');
  }
  if (obj(r.by_lane, 'by_lane')) for (const [l, v] of Object.entries<any>(r.by_lane)) num(v.count, `by_lane.${l}.count`);
  if (obj(r.stages, 'stages')) {
    for (const [s, v] of Object.entries<any>(r.stages)) {
      stats(v.wait_hours, `stages.${s}.wait_hours`, ['mean', 'p90']);
      stats(v.service_hours, `stages.${s}.service_hours`, ['mean']);
      if (v.utilization !== null) num(v.utilization, `stages.${s}.utilization`);
      stats(v.queue, `stages.${s}.queue`, ['mean', 'max']);
      if (obj(v.by_tier, `stages.${s}.by_tier`))
        for (const [t, w] of Object.entries<any>(v.by_tier)) {
          num(w.count, `stages.${s}.by_tier.${t}.count`);
          stats(w.wait_hours, `stages.${s}.by_tier.${t}.wait_hours`, ['mean', 'p90']);
        }
    }
  }
  return problems;
}
