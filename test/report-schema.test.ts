import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, comparisonJson } from '../src/experiments/compare.js';
import { parseParam, sweep, sweepFile, sweepJson, type Sweep } from '../src/experiments/sweep.js';
import { runEmbedded, runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';
import { mergeReplications } from '../src/stats/replications.js';
import { reportSchemaDocument, reportSchemaText, segmentsOf, type BullmqSection } from '../src/stats/report-schema.js';
import { publicReport, type Report } from '../src/stats/report.js';
import { validateReport } from './helpers/report-schema.js';

/** Bundled scenarios cut short so that every report here takes well under a second. */
const SHORT = ['horizon.days=6', 'horizon.warmup_days=1'];
/** The flood moved inside a short horizon, with priority switching on and off. */
const FLOOD = [
  'arrivals.per_day=800',
  'horizon.days=3',
  'horizon.warmup_days=0.5',
  'disruptions.0.start=1d',
  'disruptions.0.duration=12h',
  'priority.recovery=6h',
];
const scenario = (name: string, sets: string[]) => loadScenarioFile(`scenarios/${name}.yaml`, sets.map(parseOverride));

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe('docs/report.schema.json', () => {
  it('is what scripts/write-report-schema.mjs writes from src/stats/report-schema.ts (run `npm run schema` after changing it)', () => {
    expect(readFileSync('docs/report.schema.json', 'utf8')).toBe(reportSchemaText(reportSchemaDocument()));
  });

  it('describes every field, with $defs for Report, Comparison, Sweep and SweepFile', () => {
    const doc = reportSchemaDocument() as { $schema: string; $defs: Record<string, unknown> };
    expect(doc.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(doc.$defs)).toEqual(expect.arrayContaining(['Report', 'Comparison', 'Sweep', 'SweepFile']));
    // every property carries a description, or is a shared schema (which has one), and so does every $defs entry
    const missing: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, any>;
      if (o.properties) for (const [k, p] of Object.entries<any>(o.properties)) if (!p.description && !p.$ref) missing.push(`${path}.${k}`);
      for (const [k, x] of Object.entries(o)) walk(x, `${path}/${k}`);
    };
    walk(doc, '#');
    for (const [name, def] of Object.entries<any>(doc.$defs)) if (!def.description) missing.push(`$defs.${name}`);
    expect(missing).toEqual([]);
  });
});

describe('the report schema', () => {
  const chongqing = scenario('chongqing-2023', SHORT);
  const flood = scenario('flood-disruption', FLOOD);
  let single: Report, floodReport: Report, merged: Report, timeline: Report;

  beforeAll(async () => {
    single = runReplication(chongqing).report;
    floodReport = runReplication(flood).report;
    merged = await runEmbedded(scenario('chongqing-2023', [...SHORT, 'replications=3']));
    timeline = await runEmbedded(flood, { timeline: true });
  });

  it('holds for an embedded run, with and without a disruption', () => {
    expect(validateReport('Report', single)).toEqual([]);
    expect(floodReport.disruptions).toHaveLength(1);
    expect(validateReport('Report', floodReport)).toEqual([]);
  });

  it('holds for merged replications, with their _ci95 siblings and per_replication', () => {
    expect(merged.replications).toBe(3);
    expect(merged.by_tier.aeo.clearance_hours.mean_ci95).toBeGreaterThan(0);
    expect(merged.per_replication).toHaveLength(3);
    expect(validateReport('Report', merged)).toEqual([]);
    // and a merged flood, whose disruption's figures are merged too
    expect(validateReport('Report', mergeReplications([floodReport, runReplication(flood, 1).report]))).toEqual([]);
  });

  it('holds for a report with a timeline', () => {
    expect(timeline.timeline!.hours.length).toBeGreaterThan(100);
    expect(validateReport('Report', timeline)).toEqual([]);
  });

  it("holds for a BullMQ-shaped report (the coordinator's bullmq section), single and merged", () => {
    const bullmq = (run: number): BullmqSection => ({
      run_id: `run-${run}`,
      time_scale: 3600,
      worker_processes: 2,
      redis_hz: run === 0 ? 100 : null,
      duplicate_releases: 0,
      pipeline_seconds: 41.5 + run,
      lag: {
        mean_wall_seconds: 0.004,
        p95_wall_seconds: 0.012 + run / 1000,
        max_wall_seconds: 0.2,
        p95_sim_hours: 0.012,
        keeping_up: true,
      },
    });
    const reports = [0, 1].map((r): Report => ({ ...runReplication(chongqing, r).report, runtime: 'bullmq', bullmq: bullmq(r) }));
    expect(validateReport('Report', reports[0])).toEqual([]);
    const m = mergeReplications(reports);
    expect(m.bullmq?.time_scale_ci95).toBe(0);
    expect(validateReport('Report', m)).toEqual([]);
    // a section the schema does not know is an error inside bullmq, a runtime's own section at the top
    expect(validateReport('Report', { ...reports[0], bullmq: { ...bullmq(0), extra: 1 } })).not.toEqual([]);
    expect(validateReport('Report', { ...reports[0], other_runtime: { anything: true } })).toEqual([]);
  });

  it('holds for compare() as compare --json prints it', async () => {
    const c = await compare(chongqing, scenario('aeo-expansion', SHORT), 2);
    expect(validateReport('Comparison', comparisonJson(c))).toEqual([]);
    for (const r of [...c.reports.a, ...c.reports.b]) expect(validateReport('Report', r)).toEqual([]);
    // one replication: no interval, NaN in the comparison, null in its JSON
    const one = comparisonJson(await compare(chongqing, chongqing, 1));
    expect(one.groups.all.mean.half_width).toBeNaN();
    expect(validateReport('Comparison', one)).toEqual([]);
  });

  it('holds for sweep() as sweep --json and --out x.json write it', async () => {
    const sw: Sweep = await sweep(
      'scenarios/flood-disruption.yaml',
      [parseParam('stages.inspection.servers=10,30'), parseParam('priority.mode=always,never')],
      2,
      FLOOD.map(parseOverride),
    );
    expect(sw.points).toHaveLength(4);
    expect(validateReport('Sweep', sweepJson(sw))).toEqual([]);
    expect(validateReport('SweepFile', sweepFile(sw))).toEqual([]);
    for (const p of sw.points) expect(validateReport('Report', p.report)).toEqual([]);
    const row = sweepJson(sw).points[0];
    expect(Object.keys(row)).toEqual(
      expect.arrayContaining(['stages.inspection.servers', 'aeo_mean_ci95', 'inspection_utilization', 'disruption0_red_p90_h']),
    );
  });

  it('catches a statistic of the wrong type', () => {
    const r = clone(single);
    (r.by_tier.aeo.clearance_hours as any).mean = '1.5';
    expect(validateReport('Report', r)).toEqual(['/by_tier/aeo/clearance_hours/mean: must be number']);
    const u = clone(single);
    (u.stages.declaration as any).utilization = 'high';
    expect(validateReport('Report', u).join('\n')).toContain('/stages/declaration/utilization');
    // null only where the schema says so
    const n = clone(single);
    (n.by_tier.aeo as any).inspection_rate = null;
    expect(validateReport('Report', n)).not.toEqual([]);
    const ok = clone(single);
    ok.aeo_vs_non_aeo.mean_ratio = null;
    expect(validateReport('Report', ok)).toEqual([]);
  });

  it('catches a missing field of the contract (DESIGN §5)', () => {
    const tier = 'aeo',
      stage = 'declaration',
      lane = 'green';
    const contract = [
      'scenario',
      'seed',
      'replications',
      'runtime',
      'horizon_days',
      'shipments.arrived',
      'shipments.released',
      'shipments.in_progress',
      ...[
        'count',
        'clearance_hours.mean',
        'clearance_hours.p50',
        'clearance_hours.p90',
        'clearance_hours.p95',
        'clearance_hours.p99',
        'released_within.1h',
        'released_within.24h',
        'released_within.48h',
        'lanes.green',
        'lanes.yellow',
        'lanes.red',
        'inspection_rate',
        'hit_rate',
        'detection_rate',
        'value_cny',
        'guarantee_waived_cny',
      ].map((k) => `by_tier.${tier}.${k}`),
      'aeo_vs_non_aeo.aeo',
      'aeo_vs_non_aeo.non_aeo',
      'aeo_vs_non_aeo.mean_ratio',
      `by_lane.${lane}.count`,
      `by_lane.${lane}.clearance_hours`,
      ...[
        'wait_hours.mean',
        'wait_hours.p90',
        'service_hours.mean',
        'utilization',
        'queue.mean',
        'queue.max',
        `by_tier.${tier}.count`,
        `by_tier.${tier}.wait_hours.mean`,
        `by_tier.${tier}.wait_hours.p90`,
      ].map((k) => `stages.${stage}.${k}`),
      'events',
      'wall_seconds',
    ];
    for (const path of contract) {
      const r = clone(single) as any;
      const keys = path.split('.');
      const parent = keys.slice(0, -1).reduce((o, k) => o[k], r);
      expect(parent[keys.at(-1)!], path).toBeDefined();
      delete parent[keys.at(-1)!];
      expect(validateReport('Report', r), path).not.toEqual([]);
    }
  });

  it('requires everything buildReport always emits, and knows every field it emits', () => {
    // keyed by the scenario's own names (tiers, stages) or items of a list: any may be absent
    const open =
      /^(by_tier|stages|stages\.[^.]+\.by_tier|segments\.by_tier|disruptions\.\d+\.by_tier|disruptions|aeo_vs_non_aeo\.(non_)?aeo\.percentiles|firms\.sectors|firms\.by_tier|firms\.by_tier\.[^.]+\.sectors|costs\.by_tier|by_direction|by_mode|by_mode\.[^.]+\.by_direction|by_flow|by_flow\.[^.]+\.released_within)$/;
    const stageSegment = new Set(Object.keys(single.stages).flatMap((s) => [`${s}_wait`, `${s}_service`]));
    const optional: string[] = [];
    // as printed (without the internal per-firm columns, which no schema describes field by field)
    const printed = publicReport(floodReport);
    // firms and costs are there exactly when the scenario has firms, the flow sections when it has
    // flows (the flood has both): optional by design
    const bySection = new Set(['firms', 'costs', 'by_direction', 'by_mode', 'by_flow', 'destination', 'two_step']);
    const walk = (v: unknown, path: string[]) => {
      if (!v || typeof v !== 'object') return;
      for (const k of Object.keys(v)) {
        const at = [...path, k];
        walk((v as Record<string, unknown>)[k], at);
        if (open.test(path.join('.')) || (path[0] === 'segments' && stageSegment.has(k))) continue;
        if (path.length === 0 && bySection.has(k)) continue;
        const r = clone(printed) as any;
        delete path.reduce((o, p) => o[p], r)[k];
        if (validateReport('Report', r).length === 0) optional.push(at.join('.'));
      }
    };
    walk(printed, []);
    expect(optional).toEqual([]);
    expect(Object.keys(printed)).toEqual(expect.arrayContaining([...bySection]));
    expect(
      Object.keys(runReplication(loadScenarioFile('test/fixtures/v1/flood-disruption.yaml', FLOOD.map(parseOverride))).report),
    ).not.toContain('firms');
    // and a field it does not know is an error, but at the top level (a runtime's section)
    const typo = clone(floodReport) as any;
    typo.by_tier.general.clearance_hours.p75 = 1;
    expect(validateReport('Report', typo)).toEqual(['/by_tier/general/clearance_hours: must NOT have additional properties (p75)']);
  });

  it('gives the segments keys as segmentsOf() makes them from the stage names, in order', () => {
    const keys = segmentsOf(Object.keys(single.stages)).map((g) => g.key);
    for (const seg of [...Object.values(single.segments.by_tier), ...Object.values(single.segments.by_lane)])
      expect(Object.keys(seg!)).toEqual(keys);
    expect(Object.keys(merged.segments.by_tier.aeo).filter((k) => !k.endsWith('_ci95'))).toEqual(keys);
  });
});
