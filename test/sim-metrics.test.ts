import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLEARANCE_BUCKETS, SimMetrics } from '../src/metrics/sim-metrics.js';
import { EmbeddedRun } from '../src/runtime/embedded.js';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

// The counters over simulated time (docs/metrics.md, "Counters over simulated time"), checked
// against the engine's own exact integrals (the report's stage areas) and the scenario's disruption.

/** A short horizon with the flood moved into it (day 1 unless `more` says otherwise). */
const overrides = (days: number, more: string[] = []) =>
  [`horizon.days=${days}`, 'horizon.warmup_days=0', 'disruptions.0.start=1d', ...more].map((o) => parseOverride(o));

/** Every sample of a metric, by its label set (a scrape: the integrals are flushed first). */
async function samples(m: SimMetrics, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  return (await metric.get()).values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}
async function value(m: SimMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const hits = (await samples(m, name)).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(hits.length, `${name} ${JSON.stringify(labels)}`).toBe(1);
  return hits[0].value;
}

describe('SimMetrics counters over simulated time', () => {
  it('labels every clearsim series with the scenario and the run', async () => {
    const m = new SimMetrics({ defaultMetrics: false });
    const s = loadScenarioFile('scenarios/flood-disruption.yaml', overrides(2));
    runReplication(s, 0, m.bind(s, 'all', 'r1'));
    runReplication(s, 0, m.bind(s, 'all', 'r2'));
    const text = await m.registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('clearsim_'));
    expect(series.length).toBeGreaterThan(100);
    for (const l of series) expect(l, l).toMatch(/\{(.*,)?scenario="flood-disruption",run="r[12]"(,.*)?\}/);
    // two runs of one scenario in one process do not merge: each has its own counts
    const released = (await samples(m, 'clearsim_shipments_released_total')).filter(
      (x) => x.labels.tier === 'aeo' && x.labels.lane === 'green',
    );
    expect(released.map((x) => x.labels.run).sort()).toEqual(['r1', 'r2']);
    expect(released[0].value).toBe(released[1].value); // same seed, same shipments
    // a run without an id of its own gets one
    const b = m.bind(s);
    expect(b.labels.run).toMatch(/^[0-9a-f]{8}$/);
    expect(b.labels.scenario).toBe('flood-disruption');
  });

  it('exposes exactly the metrics the table of docs/metrics.md lists, each with its type', async () => {
    const m = new SimMetrics({ defaultMetrics: false });
    const doc = readFileSync('docs/metrics.md', 'utf8');
    const table = doc.slice(doc.indexOf('## The metrics'), doc.indexOf("prom-client's default process metrics"));
    const documented = new Map<string, string>();
    for (const row of table.matchAll(/^\| (`clearsim_[^|]*)\| (\w+) \|/gm))
      for (const name of row[1].matchAll(/`(clearsim_\w+)`/g)) documented.set(name[1], row[2]);
    const exposed = new Map((await m.registry.getMetricsAsJSON()).map((x) => [x.name, String(x.type)]));
    expect(documented.size).toBe(16);
    expect(Object.fromEntries(exposed)).toEqual(Object.fromEntries(documented));
  });

  it('counts the flood exactly: its simulated seconds, one start and one end', async () => {
    const m = new SimMetrics({ defaultMetrics: false });
    const s = loadScenarioFile('scenarios/flood-disruption.yaml', overrides(3, ['disruptions.0.duration=30h']));
    const { run } = runReplication(s, 0, m.bind(s, 'all', 'x'));
    // integrated between the edges, which tell their time: exact but for rounding
    expect(Math.abs((await value(m, 'clearsim_disruption_seconds_total')) / (30 * 3600) - 1)).toBeLessThan(1e-12);
    expect(await value(m, 'clearsim_disruptions_started_total')).toBe(1);
    expect(await value(m, 'clearsim_disruptions_ended_total')).toBe(1);
    expect(await value(m, 'clearsim_disruption_active')).toBe(0);
    // the simulated time covered: from the run's first event to its last
    const simulated = await value(m, 'clearsim_simulated_seconds_total');
    expect(simulated).toBeGreaterThan((3 * 24 - run.start) * 3600 * 0.99);
    expect(simulated).toBeLessThanOrEqual((run.now - run.start) * 3600);
  });

  // The embedded driver tells stageChanged the time of each change, so the counters integrate
  // the same levels over the same intervals as the engine: equal but for rounding (the sums run
  // in a different order, over ~10^5 changes: 1e-9 relative is far above double rounding).
  it.each([
    { pace: 'every 0.05 h, as a paced run at time scale 3600', step: 0.05, tolerance: 1e-9 },
    { pace: 'never (an unpaced run: its events only)', step: 0, tolerance: 1e-9 },
  ])("integrates busy and available servers as the engine's exact areas do, the clock told $pace", async ({ step, tolerance }) => {
    const m = new SimMetrics({ defaultMetrics: false });
    const days = 4;
    const s = loadScenarioFile('scenarios/flood-disruption.yaml', overrides(days, ['disruptions.0.duration=36h']));
    const obs = m.bind(s, 'all', 'x');
    const run = new EmbeddedRun(s, 0, obs);
    const runTo = (until: number) => {
      if (step > 0)
        for (let t = run.now; t < until; t = Math.min(until, t + step)) {
          run.runUntil(t);
          obs.clock(t);
        }
      run.runUntil(until);
      obs.clock(until);
    };
    // the report's areas cover [warm-up, horizon) = [0, 96 h): the counters' increase over it
    runTo(0);
    const read = async (metric: string) =>
      Object.fromEntries((await samples(m, metric)).map((x) => [String(x.labels.stage), x.value])) as Record<string, number>;
    const busy0 = await read('clearsim_busy_server_seconds_total');
    const cap0 = await read('clearsim_capacity_server_seconds_total');
    runTo(days * 24);
    const busy1 = await read('clearsim_busy_server_seconds_total');
    const cap1 = await read('clearsim_capacity_server_seconds_total');
    run.runUntil(Infinity);
    let checked = 0;
    s.stages.forEach((st, i) => {
      const t = run.resources[i].totals;
      const busy = (busy1[st.name] - busy0[st.name]) / 3600;
      expect(Math.abs(busy / t.busyArea - 1), `${st.name} busy`).toBeLessThan(tolerance);
      if (st.servers === Infinity) {
        expect(cap1[st.name], st.name).toBeUndefined(); // an unlimited stage has no utilization
        return;
      }
      // the report counts max(capacity, busy) (servers finishing a service after a cut count as
      // available), the counter the capacity: no more, and equal where no cut caught busy servers
      const cap = (cap1[st.name] - cap0[st.name]) / 3600;
      expect(cap, st.name).toBeLessThanOrEqual(t.availableArea * (1 + tolerance));
      if (st.name === 'unloading') expect(Math.abs(cap / t.availableArea - 1), st.name).toBeLessThan(tolerance);
      checked++;
    });
    expect(checked).toBe(4);
    // inspection: 20 servers 08:00-20:00 every day (Monday to Thursday here), a quarter of them
    // during the flood from day 1 00:00 to day 2 12:00 (16 h of opening hours): server-hours of theory
    const inspection = (cap1.inspection - cap0.inspection) / 3600;
    const theory = 20 * 12 * days - 20 * 0.75 * 16;
    expect(Math.abs(inspection / theory - 1)).toBeLessThan(tolerance);
  });

  it('puts clearance 0 in a bucket of its own, so a p50 among released-on-arrival shipments is 0', async () => {
    expect(CLEARANCE_BUCKETS[0]).toBe(0);
    const m = new SimMetrics({ defaultMetrics: false });
    const s = loadScenarioFile('scenarios/flood-disruption.yaml', overrides(3));
    const { report } = runReplication(s, 0, m.bind(s, 'all', 'x'));
    expect(report.by_tier.aeo.clearance_hours.p50).toBe(0);
    const buckets = (await samples(m, 'clearsim_clearance_time_seconds')).filter((x) => x.labels.tier === 'aeo');
    const at = (le: number | string) => buckets.filter((b) => b.labels.le === le).reduce((a, b) => a + b.value, 0);
    // more than half the AEO releases took 0 s: Prometheus' histogram_quantile answers the bucket's bound, 0
    expect(at(0) / at('+Inf')).toBeGreaterThan(0.5);
  });
});
