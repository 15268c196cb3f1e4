import client from 'prom-client';
import type { Shipment } from '../model/shipment.js';
import type { RunObserver } from '../model/run-observer.js';
import type { Scenario } from '../scenario/types.js';
import { LANES } from '../scenario/types.js';

const H = 3600; // metrics are in simulated seconds; the model works in hours
/** Clearance: 1 minute to 14 days. */
export const CLEARANCE_BUCKETS = [
  60,
  300,
  900,
  1800,
  3600,
  2 * 3600,
  4 * 3600,
  8 * 3600,
  12 * 3600,
  86400,
  2 * 86400,
  4 * 86400,
  7 * 86400,
  14 * 86400,
];
/** Stage waits: 1 second (served at once) to 7 days. */
export const WAIT_BUCKETS = [1, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 86400, 2 * 86400, 7 * 86400];

/** A registry's metrics as prom-client's JSON (what AggregatorRegistry merges). */
export type MetricsJson = client.MetricObjectWithValues<client.MetricValue<string>>[];

/** What a process exposes; a BullMQ coordinator and its workers each expose their part. */
export type MetricsRole = 'all' | 'coordinator' | 'worker';

/**
 * The metrics of docs/metrics.md in one registry per process. Runs write to them through a
 * ScenarioMetrics (bind).
 */
export class SimMetrics {
  readonly registry = new client.Registry();
  readonly arrivedTotal: client.Counter<'tier'>;
  readonly releasedTotal: client.Counter<'tier' | 'lane'>;
  readonly clearance: client.Histogram<'tier' | 'lane'>;
  readonly stageWait: client.Histogram<'stage' | 'tier'>;
  readonly queueLength: client.Gauge<'stage'>;
  readonly serversBusy: client.Gauge<'stage'>;
  readonly serversCapacity: client.Gauge<'stage'>;
  readonly checksTotal: client.Counter<'stage' | 'tier' | 'outcome'>;
  readonly simTime: client.Gauge;
  readonly disruptionActive: client.Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = [this.registry];
    this.arrivedTotal = new client.Counter({
      name: 'clearsim_shipments_arrived_total',
      help: 'Shipments whose goods arrived at the customs area',
      labelNames: ['tier'],
      registers: r,
    });
    this.releasedTotal = new client.Counter({
      name: 'clearsim_shipments_released_total',
      help: 'Shipments released, by tier and lane',
      labelNames: ['tier', 'lane'],
      registers: r,
    });
    this.clearance = new client.Histogram({
      name: 'clearsim_clearance_time_seconds',
      help: 'Clearance time (arrival to release, TRS), simulated seconds',
      labelNames: ['tier', 'lane'],
      buckets: CLEARANCE_BUCKETS,
      registers: r,
    });
    this.stageWait = new client.Histogram({
      name: 'clearsim_stage_wait_seconds',
      help: "Wait in a stage's queue before service, simulated seconds",
      labelNames: ['stage', 'tier'],
      buckets: WAIT_BUCKETS,
      registers: r,
    });
    this.queueLength = new client.Gauge({
      name: 'clearsim_queue_length',
      help: "Shipments waiting in a stage's queue",
      labelNames: ['stage'],
      registers: r,
    });
    this.serversBusy = new client.Gauge({
      name: 'clearsim_servers_busy',
      help: 'Servers of a stage serving a shipment',
      labelNames: ['stage'],
      registers: r,
    });
    this.serversCapacity = new client.Gauge({
      name: 'clearsim_servers_capacity',
      help: 'Servers a stage has now (opening hours, disruptions)',
      labelNames: ['stage'],
      registers: r,
    });
    this.checksTotal = new client.Counter({
      name: 'clearsim_checks_total',
      help: 'Documentary and physical checks, by outcome (hit, clear)',
      labelNames: ['stage', 'tier', 'outcome'],
      registers: r,
    });
    // merged over runs in threads by their maximum: a sum of clocks means nothing
    this.simTime = new client.Gauge({
      name: 'clearsim_sim_time_seconds',
      help: 'The simulated clock, seconds from Monday 00:00 of the first week',
      registers: r,
      aggregator: 'max',
    });
    this.disruptionActive = new client.Gauge({
      name: 'clearsim_disruption_active',
      help: 'Disruptions in force now',
      registers: r,
      aggregator: 'max',
    });
    if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  private readonly sources = new Set<() => Promise<MetricsJson>>();
  /** Counters and histograms of runs whose threads have ended: kept, so counters never go down. */
  private retired: MetricsJson | null = null;

  /** Metrics kept elsewhere (a run in a worker thread) that /metrics merges in while it runs. */
  addSource(source: () => Promise<MetricsJson>): void {
    this.sources.add(source);
  }

  /** The source is gone; its last counters and histograms (when given) stay in every later scrape. */
  removeSource(source: () => Promise<MetricsJson>, last: MetricsJson | null): void {
    this.sources.delete(source);
    if (!last) return;
    // a finished run's gauges (queues, clock) describe nothing any more
    // prom-client's JSON says 'gauge' where its typings say an enum
    const kept = last.filter((m) => (m.type as unknown as string) !== 'gauge');
    // folded into one snapshot, so memory does not grow with the runs a server has seen
    this.folding = this.folding.then(async () => {
      this.retired = this.retired
        ? ((await client.AggregatorRegistry.aggregate([this.retired, kept]).getMetricsAsJSON()) as MetricsJson)
        : kept;
    });
  }

  private folding: Promise<void> = Promise.resolve();

  readonly contentType = client.Registry.PROMETHEUS_CONTENT_TYPE;

  /** The Prometheus text of this process: its own registry, merged with the runs in threads. */
  async text(): Promise<string> {
    await this.folding;
    if (this.sources.size === 0 && !this.retired) return this.registry.metrics();
    const parts: MetricsJson[] = [await this.registry.getMetricsAsJSON()];
    if (this.retired) parts.push(this.retired);
    parts.push(...(await Promise.all([...this.sources].map((f) => f()))));
    return client.AggregatorRegistry.aggregate(parts).metrics();
  }

  /** Label children for one scenario's tiers, lanes and stages: what a run's observer writes to. */
  bind(s: Scenario, role: MetricsRole = 'all'): ScenarioMetrics {
    return new ScenarioMetrics(this, s, role);
  }
}

/**
 * A run's observer: the label children of one scenario resolved once, so the hot path never builds
 * label sets. Several runs in one process (the API server, a worker host) each have their own.
 */
export class ScenarioMetrics implements RunObserver {
  private readonly arrivedBy: client.Counter.Internal[];
  private readonly releasedBy: client.Counter.Internal[][];
  private readonly clearanceBy: client.Histogram.Internal<'tier' | 'lane'>[][];
  private readonly waitBy: client.Histogram.Internal<'stage' | 'tier'>[][];
  private readonly checksBy: client.Counter.Internal[][][];
  private readonly queueBy: client.Gauge.Internal<'stage'>[];
  private readonly busyBy: client.Gauge.Internal<'stage'>[];
  private readonly capacityBy: client.Gauge.Internal<'stage'>[];
  private readonly m: SimMetrics;

  constructor(m: SimMetrics, s: Scenario, role: MetricsRole) {
    this.m = m;
    const tiers = s.tiers.map((t) => t.name),
      stages = s.stages.map((x) => x.name);
    this.arrivedBy = tiers.map((tier) => m.arrivedTotal.labels({ tier }));
    this.releasedBy = tiers.map((tier) => LANES.map((lane) => m.releasedTotal.labels({ tier, lane })));
    this.clearanceBy = tiers.map((tier) => LANES.map((lane) => m.clearance.labels({ tier, lane })));
    this.waitBy = stages.map((stage) => tiers.map((tier) => m.stageWait.labels({ stage, tier })));
    this.checksBy = stages.map((stage) =>
      tiers.map((tier) => [m.checksTotal.labels({ stage, tier, outcome: 'hit' }), m.checksTotal.labels({ stage, tier, outcome: 'clear' })]),
    );
    this.queueBy = stages.map((stage) => m.queueLength.labels({ stage }));
    this.busyBy = stages.map((stage) => m.serversBusy.labels({ stage }));
    this.capacityBy = stages.map((stage) => m.serversCapacity.labels({ stage }));
    // series exist from the start, so rate() and dashboards see zeros rather than gaps
    if (role !== 'worker') {
      for (const c of this.arrivedBy) c.inc(0);
      for (const row of this.releasedBy) for (let l = 0; l < 3; l++) row[l].inc(0);
    }
    s.stages.forEach((st, i) => {
      if (role !== 'coordinator' && st.servers !== Infinity) this.capacityBy[i].set(st.servers);
    });
  }
  arrived(sh: Shipment): void {
    this.arrivedBy[sh.tier].inc();
  }

  stageStarted(sh: Shipment, stage: number, wait: number): void {
    this.waitBy[stage][sh.tier].observe(wait * H);
  }

  checked(sh: Shipment, stage: number, hit: boolean): void {
    this.checksBy[stage][sh.tier][hit ? 0 : 1].inc();
  }

  released(sh: Shipment, clearance: number, now: number): void {
    this.releasedBy[sh.tier][sh.lane].inc();
    this.clearanceBy[sh.tier][sh.lane].observe(clearance * H);
    this.m.simTime.set(now * H);
  }

  /** NaN for a level this process does not know (a BullMQ coordinator knows queues, its workers their servers). */
  stageChanged(stage: number, queued: number, busy: number, capacity: number): void {
    if (!Number.isNaN(queued)) this.queueBy[stage].set(queued);
    if (!Number.isNaN(busy)) this.busyBy[stage].set(busy);
    if (!Number.isNaN(capacity) && capacity !== Infinity) this.capacityBy[stage].set(capacity);
  }

  disruption(active: number): void {
    this.m.disruptionActive.set(active);
  }

  clock(now: number): void {
    this.m.simTime.set(now * H);
  }
}
