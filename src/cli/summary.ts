import { Table } from '../vendor/cli-table3.js';
import { formatAmount } from '../format-amount.js';
import { formatHours } from '../scenario/duration.js';
import { ci95Of } from '../stats/report-schema.js';
import type { Report } from '../stats/report.js';

const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(digits)}%`);
const hrs = (x: number | null | undefined) => formatHours(x);
const num = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 1 }));
/** A statistic with its 95% half-width when the report has replications. */
function withCi<T extends object, K extends keyof T & string>(o: T, k: K, f: (x: number) => string): string {
  const v = o[k] as number,
    ci = ci95Of(o, k);
  return ci !== undefined ? `${f(v)} ±${f(ci)}` : f(v);
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
}

/** The human summary `clearsim run` prints: by tier, AEO vs non-AEO, by lane, by stage, disruptions, firms. */
export function formatSummary(r: Report): string {
  const out: string[] = [];
  const sh = r.shipments;
  out.push(
    `${r.scenario}: ${r.horizon_days} days (warm-up ${r.warmup_days}), seed ${r.seed}, ${r.replications} replication${r.replications > 1 ? 's' : ''}, ${r.runtime} runtime`,
  );
  out.push(
    `shipments: ${num(sh.arrived)} arrived, ${num(sh.released)} released, ${num(sh.in_progress)} in progress; ${num(sh.observed)} reported after warm-up`,
  );
  out.push(
    `${num(r.events)} events in ${r.wall_seconds.toFixed(2)} s${r.wall_seconds > 0 ? ` (${num(Math.round(r.events / r.wall_seconds))} events/s)` : ''}`,
  );
  if (r.replications > 1) out.push('figures are means over replications, ± the 95% confidence half-width');
  const w = r.warmup;
  out.push(
    w.sufficient
      ? `warm-up: ${w.configured_days} days configured; MSER-5 suggests ${w.mser5_days.toFixed(1)} days: long enough`
      : `warning: warm-up of ${w.configured_days} days looks too short: MSER-5 suggests ${w.mser5_days.toFixed(1)} days (set horizon.warmup_days)`,
  );

  out.push('', 'Clearance time (arrival to release) by tier');
  const t = table([
    'tier',
    'shipments',
    'value',
    'inspected',
    'mean',
    'p50',
    'p90',
    'p95',
    '<=1h',
    '<=24h',
    '<=48h',
    'hit rate',
    'detected',
    'guarantee waived',
  ]);
  for (const [name, v] of Object.entries(r.by_tier)) {
    const c = v.clearance_hours;
    t.push([
      `${name}${v.aeo ? ' (AEO)' : ''}`,
      num(Math.round(v.count)),
      pct(v.value_share, 0),
      withCi(v, 'inspection_rate', (x) => pct(x, 2)),
      withCi(c, 'mean', hrs),
      hrs(c.p50),
      hrs(c.p90),
      hrs(c.p95),
      pct(v.released_within['1h'], 0),
      pct(v.released_within['24h'], 0),
      pct(v.released_within['48h'], 0),
      pct(v.hit_rate),
      pct(v.detection_rate, 0),
      `${formatAmount(v.guarantee_waived_cny)} CNY`,
    ]);
  }
  out.push(t.toString());

  const g = r.aeo_vs_non_aeo;
  out.push('', 'AEO vs non-AEO');
  const a = table(['group', 'shipments', 'mean', 'p50', 'p90', '<=1h', '<=24h']);
  for (const k of ['aeo', 'non_aeo'] as const) {
    const v = g[k];
    a.push([
      k === 'aeo' ? 'AEO' : 'non-AEO',
      num(Math.round(v.count)),
      withCi(v.clearance_hours, 'mean', hrs),
      hrs(v.clearance_hours.p50),
      hrs(v.clearance_hours.p90),
      pct(v.released_within['1h'], 0),
      pct(v.released_within['24h'], 0),
    ]);
  }
  out.push(a.toString());
  if (typeof g.mean_ratio === 'number')
    out.push(
      `AEO mean clearance is ${(g.mean_ratio * 100).toFixed(0)}% of non-AEO's (${hrs(g.aeo.clearance_hours.mean)} vs ${hrs(g.non_aeo.clearance_hours.mean)})`,
    );

  out.push('', 'By lane');
  const l = table(['lane', 'shipments', 'share', 'mean', 'p50', 'p90']);
  for (const [name, v] of Object.entries(r.by_lane))
    l.push([
      name,
      num(Math.round(v.count)),
      pct(v.share, 2),
      withCi(v.clearance_hours, 'mean', hrs),
      hrs(v.clearance_hours.p50),
      hrs(v.clearance_hours.p90),
    ]);
  out.push(l.toString());

  out.push('', 'By stage');
  const s = table(['stage', 'servers', 'served', 'wait mean', 'wait p90', 'service mean', 'utilization', 'queue mean', 'queue max']);
  for (const [name, v] of Object.entries(r.stages)) {
    s.push([
      name,
      String(v.servers),
      num(Math.round(v.count)),
      withCi(v.wait_hours, 'mean', hrs),
      hrs(v.wait_hours.p90),
      hrs(v.service_hours.mean),
      v.utilization === null ? '-' : pct(v.utilization, 0),
      v.queue.mean.toFixed(1),
      num(Math.round(v.queue.max)),
    ]);
  }
  out.push(s.toString());

  if (r.disruptions.length) {
    out.push('', 'Shipments arriving during a disruption and its recovery');
    const d = table(['disruption', 'window', 'AEO mean', 'non-AEO mean', 'AEO p90', 'non-AEO p90']);
    for (const v of r.disruptions) {
      const x = v.aeo_vs_non_aeo;
      d.push([
        v.name,
        `${hrs(v.start_hours)} - ${hrs(v.window_end_hours)}`,
        hrs(x.aeo.clearance_hours.mean),
        hrs(x.non_aeo.clearance_hours.mean),
        hrs(x.aeo.clearance_hours.p90),
        hrs(x.non_aeo.clearance_hours.p90),
      ]);
    }
    out.push(d.toString());
  }
  if (r.by_direction) out.push('', ...formatFlows(r));
  if (r.firms) out.push('', ...formatFirms(r));
  return out.join('\n');
}

/** Firms: who the tiers hold and what they carry, the costs, and the largest firms. */
function formatFirms(r: Report): string[] {
  const f = r.firms!;
  const out: string[] = [];
  const aeoTiers = Object.entries(r.by_tier).filter(([, t]) => t.aeo);
  for (const [name] of aeoTiers) {
    const ft = f.by_tier[name];
    out.push(
      `${num(ft.firms)} ${name} firms (${pct(ft.share_of_firms, 2)} of ${num(f.count)}) lodge ${pct(ft.share_of_declarations)} of declarations and carry ${pct(ft.share_of_value)} of declared value; ${formatAmount(ft.guarantee_waived_cny_per_year)} CNY of guarantees waived a year`,
    );
  }
  for (const c of f.certifications) out.push(`certification ${c.name}: ${c.firms} firms moved from ${c.from} to ${c.to}`);
  const t = table(['tier', 'firms', 'share of firms', 'declarations', 'value', 'sectors', 'guarantee waived / year', 'cost / declaration']);
  for (const [name, ft] of Object.entries(f.by_tier)) {
    const sectors = Object.entries(ft.sectors)
      .filter(([, x]) => x > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([k, x]) => `${k} ${pct(x, 0)}`)
      .join(', ');
    const cost = r.costs?.by_tier[name]?.cost_per_declaration_cny;
    t.push([
      name,
      num(ft.firms),
      pct(ft.share_of_firms, 2),
      withCi(ft, 'share_of_declarations', (x) => pct(x)),
      withCi(ft, 'share_of_value', (x) => pct(x)),
      sectors,
      `${formatAmount(ft.guarantee_waived_cny_per_year)} CNY`,
      cost === undefined ? '-' : `${formatAmount(cost)} CNY`,
    ]);
  }
  out.push('', 'Firms by tier', t.toString());
  if (r.costs)
    out.push(
      `costs: a day of clearance at ${pct(r.costs.time_cost_per_day)} of the goods' value, guarantee fees at ${pct(r.costs.guarantee_fee_rate)} of the amount`,
    );
  const top = table(['firm', 'tier', 'sector', 'declarations', 'value CNY', 'mean', 'p90', 'inspected', 'guarantee waived / year']);
  for (const x of f.top.slice(0, 10))
    top.push([
      x.id,
      x.tier,
      x.sector,
      num(Math.round(x.declarations)),
      formatAmount(x.value_cny),
      hrs(x.clearance_hours.mean),
      hrs(x.clearance_hours.p90),
      num(Math.round(x.inspections)),
      `${formatAmount(x.guarantee_waived_cny_per_year)} CNY`,
    ]);
  out.push('', 'The 10 largest firms by declared value (--firms FILE writes every firm)', top.toString());
  return out;
}

/** Trade flows: by direction (as published clearance times are), by mode, and exports' destination. */
function formatFlows(r: Report): string[] {
  const out: string[] = ['Clearance by direction (arrival to release, port handling included)'];
  const d = table(['direction', 'shipments', 'mean', 'p50', 'p90', '<=24h', '<=48h', 'lodgement to release', 'AEO / non-AEO mean']);
  for (const [name, x] of Object.entries(r.by_direction!))
    d.push([
      name,
      num(x.count),
      withCi(x.clearance_hours, 'mean', hrs),
      hrs(x.clearance_hours.p50),
      hrs(x.clearance_hours.p90),
      pct(x.released_within['24h'], 0),
      pct(x.released_within['48h'], 0),
      hrs(x.lodgement_to_release_hours.mean),
      x.aeo_vs_non_aeo.mean_ratio === null ? '-' : pct(x.aeo_vs_non_aeo.mean_ratio, 0),
    ]);
  out.push(d.toString());
  const m = table(['mode', 'shipments', 'mean', 'p90', 'import mean', 'export mean']);
  for (const [name, x] of Object.entries(r.by_mode!))
    m.push([
      name,
      num(x.count),
      hrs(x.clearance_hours.mean),
      hrs(x.clearance_hours.p90),
      x.by_direction.import ? hrs(x.by_direction.import.clearance_hours.mean) : '-',
      x.by_direction.export ? hrs(x.by_direction.export.clearance_hours.mean) : '-',
    ]);
  out.push('', 'By transport mode', m.toString());
  const dst = r.destination;
  if (dst)
    out.push(
      '',
      `At destination, AEO exports to MRA partners clear in ${hrs(dst.aeo_mra.clearance_hours.mean)} on average against ${hrs(dst.aeo_other.clearance_hours.mean)} elsewhere (${hrs(dst.mra_saving_hours)} saved; not part of domestic clearance)`,
    );
  return out;
}
