import { tQuantile } from '../lazy-quantiles.js';
import { ci95Of } from './report-schema.js';
import type { Report } from './report.js';
import type { Scenario } from '../scenario/types.js';
import { buildFirmsSection } from './firm-report.js';
import { poolFirmRows, type FirmRows } from './firm-tally.js';
import { mergeWarnings } from './overload.js';

/**
 * Fields summed over replications rather than averaged; and fields that are settings, not
 * statistics. Every other number is averaged and gains a `<name>_ci95`: the schema marks those
 * with withCi95 (./report-schema.ts).
 */
const SUMMED = new Set(['events', 'wall_seconds']);
const FIXED = new Set([
  'seed',
  'replications',
  'horizon_days',
  'warmup_days',
  'servers',
  'start_hours',
  'end_hours',
  'window_end_hours',
  // settings of the costs section
  'time_cost_per_day',
  'guarantee_fee_rate',
  // settings of the destination and two-step sections
  'mra_factor',
  'deadline_hours',
]);

/** 95% confidence half-width of the mean of xs: t_{n-1,0.975} * s / sqrt(n). */
export function ci95(xs: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const v = xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (n - 1);
  return tQuantile(0.975, n - 1) * Math.sqrt(v / n);
}

/**
 * Merges replication reports: every statistic becomes the mean across replications and gains a
 * sibling `<name>_ci95` with the 95% confidence half-width; shipment counts and events are totals.
 * Firms (given the scenario): shares by tier averaged like the rest; the top firms and the
 * concentration curve from the replications' pooled per-firm rows (per replication means), and
 * the pooled rows kept for --firms files.
 */
export function mergeReplications(reports: Report[], scenario?: Scenario): Report {
  if (reports.length === 1) return reports[0];
  // the timeline is the first replication's own (a plot, not a statistic)
  const timeline = reports[0].timeline;
  // per-firm rows are pooled, not averaged entry by entry; `top` is then chosen from the pool
  const firmRows = reports.every((r) => r.firm_rows) ? poolFirmRows(reports.map((r) => r.firm_rows as FirmRows)) : null;
  // overload warnings: kept from any replication, not averaged (src/stats/overload.ts)
  const warnings = mergeWarnings(reports.map((r) => r.warnings));
  reports = reports.map(({ timeline: _t, firm_rows: _f, warnings: _w, ...r }) => r);
  // the same shape, every statistic averaged with its _ci95 sibling (the schema's optional ones)
  const merged = mergeNode(reports) as Report;
  if (warnings) merged.warnings = warnings;
  if (timeline) merged.timeline = timeline;
  if (merged.firms) {
    // The population is the same in every replication (drawn from the seed): its figures are
    // settings, not statistics; what the firms lodge varies, and keeps its _ci95. The top firms
    // and the concentration curve come from the pooled rows (or, without the scenario to name
    // the firms, are the first replication's).
    const first = reports[0].firms!;
    const tiers = Object.fromEntries(
      Object.entries(merged.firms.by_tier).map(([k, t]) => {
        const f = first.by_tier[k];
        return [k, { ...t, firms: f.firms, share_of_firms: f.share_of_firms, noncompliance: f.noncompliance, sectors: f.sectors }];
      }),
    );
    for (const t of Object.values(tiers))
      for (const key of ['firms', 'share_of_firms', 'noncompliance']) delete (t as Record<string, unknown>)[`${key}_ci95`];
    const pooled = firmRows && scenario?.population ? buildFirmsSection(scenario, firmRows, reports.length) : first;
    merged.firms = { ...first, by_tier: tiers, top: pooled.top, concentration: pooled.concentration };
    if (firmRows) merged.firm_rows = firmRows;
  }
  merged.replications = reports.length;
  merged.shipments = {
    arrived: sum(reports.map((r) => r.shipments.arrived)),
    released: sum(reports.map((r) => r.shipments.released)),
    in_progress: sum(reports.map((r) => r.shipments.in_progress)),
    observed: sum(reports.map((r) => r.shipments.observed)),
    per_replication: { arrived: merged.shipments.arrived, arrived_ci95: ci95Of(merged.shipments, 'arrived') ?? 0 },
  };
  merged.per_replication = reports.map((r, i) => ({
    replication: i,
    aeo_mean_hours: r.aeo_vs_non_aeo.aeo.clearance_hours.mean,
    non_aeo_mean_hours: r.aeo_vs_non_aeo.non_aeo.clearance_hours.mean,
    by_tier: Object.fromEntries(
      Object.entries(r.by_tier).map(([k, v]) => [
        k,
        { count: v.count, mean: v.clearance_hours.mean, p90: v.clearance_hours.p90, inspection_rate: v.inspection_rate },
      ]),
    ),
  }));
  return merged;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

type Node = Record<string, unknown> | unknown[] | string | number | boolean | null | undefined;

/** The replications' values of one field merged: objects key by key, arrays item by item, numbers averaged. */
function mergeNode(nodes: Node[]): unknown {
  const first = nodes[0];
  if (Array.isArray(first)) return first.map((_, i) => mergeNode(nodes.map((n) => (n as Node[] | undefined)?.[i])));
  if (first !== null && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first)) {
      const vals = nodes.map((n) => (n as Record<string, Node> | undefined)?.[k]);
      const v = first[k];
      if (typeof v === 'number' && !FIXED.has(k)) {
        if (!vals.every((x): x is number => typeof x === 'number')) {
          out[k] = null;
          continue;
        }
        if (SUMMED.has(k)) {
          out[k] = sum(vals);
          continue;
        }
        out[k] = sum(vals) / vals.length;
        out[`${k}_ci95`] = ci95(vals);
      } else {
        out[k] = v !== null && typeof v === 'object' ? mergeNode(vals) : v;
      }
    }
    return out;
  }
  return first;
}
