import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import type { Shipment } from '../model/shipment.js';
import type { RunObserver } from '../model/run-observer.js';
import type { Scenario } from '../scenario/types.js';
import { LANES } from '../scenario/types.js';

const H = 3600; // metrics are in simulated seconds; the model works in hours
/**
 * Clearance: 0 (released on arrival, as most pre-arrival AEO shipments are) then 1 minute to 14
 * days. The 0 bucket makes histogram_quantile answer 0 when the quantile falls among those
 * shipments, where interpolating within 0-60 s would say some tens of seconds.
 */
export const CLEARANCE_BUCKETS = [
  0,
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
/** Stage waits: 0 (served at once), 1 second to 7 days. */
export const WAIT_BUCKETS = [0, 1, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 86400, 2 * 86400, 7 * 86400];

/** A registry's metrics as prom-client's JSON (what AggregatorRegistry merges). */
export type MetricsJson = client.MetricObjectWithValues<client.MetricValue<string>>[];

/** What a process exposes; a BullMQ coordinator and its workers each expose their part. */
export type MetricsRole = 'all' | 'coordinator' | 'worker';

/** Labels every clearsim metric carries, so that concurrent runs never merge. */
const RUN_LABELS = ['scenario', 'run'] as const;
type RunLabel = (typeof RUN_LABELS)[number];

/** Finished runs in worker threads whose counters a process keeps serving (the newest). */
export const RETIRED_RUNS_KEPT = 100;

/**
 * The metrics of docs/metrics.md in one registry per process. Runs write to them through a
 * ScenarioMetrics (bind).
 */
export class SimMetrics {
  readonly registry = new client.Registry();
  readonly arrivedTotal: client.Counter<'tier' | RunLabel>;
  readonly releasedTotal: client.Counter<'tier' | 'lane' | RunLabel>;
  readonly clearance: client.Histogram<'tier' | 'lane' | RunLabel>;
  readonly stageWait: client.Histogram<'stage' | 'tier' | RunLabel>;
  readonly queueLength: client.Gauge<'stage' | RunLabel>;
  readonly serversBusy: client.Gauge<'stage' | RunLabel>;
  readonly serversCapacity: client.Gauge<'stage' | RunLabel>;
  readonly checksTotal: client.Counter<'stage' | 'tier' | 'outcome' | RunLabel>;
  readonly simTime: client.Gauge<RunLabel>;
  readonly disruptionActive: client.Gauge<RunLabel>;
  readonly simulatedSeconds: client.Counter<RunLabel>;
  readonly disruptionSeconds: client.Counter<RunLabel>;
  readonly disruptionsStarted: client.Counter<RunLabel>;
  readonly disruptionsEnded: client.Counter<RunLabel>;
  readonly busyServerSeconds: client.Counter<'stage' | RunLabel>;
  readonly capacityServerSeconds: client.Counter<'stage' | RunLabel>;
  /** Runs bound here: their integrals over simulated time are added to the counters at each scrape. */
  private readonly bound = new Set<ScenarioMetrics>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = [this.registry];
    const labels = <L extends string>(...own: L[]): (L | RunLabel)[] => [...own, ...RUN_LABELS];
    // Levels and integrals are kept in plain numbers on the hot path (a stage changes at every
    // service start and end) and written to prom-client when a scrape reads them.
    const collect = () => {
      for (const b of this.bound) b.flush();
    };
    this.arrivedTotal = new client.Counter({
      name: 'clearsim_shipments_arrived_total',
      help: 'Shipments whose goods arrived at the customs area',
      labelNames: labels('tier'),
      registers: r,
    });
    this.releasedTotal = new client.Counter({
      name: 'clearsim_shipments_released_total',
      help: 'Shipments released, by tier and lane',
      labelNames: labels('tier', 'lane'),
      registers: r,
    });
    this.clearance = new client.Histogram({
      name: 'clearsim_clearance_time_seconds',
      help: 'Clearance time (arrival to release, TRS), simulated seconds',
      labelNames: labels('tier', 'lane'),
      buckets: CLEARANCE_BUCKETS,
      registers: r,
    });
    this.stageWait = new client.Histogram({
      name: 'clearsim_stage_wait_seconds',
      help: "Wait in a stage's queue before service, simulated seconds",
      labelNames: labels('stage', 'tier'),
      buckets: WAIT_BUCKETS,
      registers: r,
    });
    this.queueLength = new client.Gauge({
      name: 'clearsim_queue_length',
      help: "Shipments waiting in a stage's queue",
      labelNames: labels('stage'),
      registers: r,
      collect,
    });
    this.serversBusy = new client.Gauge({
      name: 'clearsim_servers_busy',
      help: 'Servers of a stage serving a shipment',
      labelNames: labels('stage'),
      registers: r,
      collect,
    });
    this.serversCapacity = new client.Gauge({
      name: 'clearsim_servers_capacity',
      help: 'Servers a stage has now (opening hours, disruptions)',
      labelNames: labels('stage'),
      registers: r,
      collect,
    });
    this.checksTotal = new client.Counter({
      name: 'clearsim_checks_total',
      help: 'Documentary and physical checks, by outcome (hit, clear)',
      labelNames: labels('stage', 'tier', 'outcome'),
      registers: r,
    });
    // merged over runs in threads by their maximum: a sum of clocks means nothing
    this.simTime = new client.Gauge({
      name: 'clearsim_sim_time_seconds',
      help: 'The simulated clock, seconds from Monday 00:00 of the first week',
      labelNames: labels(),
      registers: r,
      collect,
      aggregator: 'max',
    });
    this.disruptionActive = new client.Gauge({
      name: 'clearsim_disruption_active',
      help: 'Disruptions in force now',
      labelNames: labels(),
      registers: r,
      aggregator: 'max',
    });
    // Counters over simulated time: a scrape that falls anywhere still sees what happened since
    // the last one, and rate() of one over rate() of clearsim_simulated_seconds_total is per
    // simulated second whatever the time scale.
    this.simulatedSeconds = new client.Counter({
      name: 'clearsim_simulated_seconds_total',
      help: 'Simulated seconds the run has covered; its rate is the time scale',
      labelNames: labels(),
      registers: r,
      collect,
    });
    this.disruptionSeconds = new client.Counter({
      name: 'clearsim_disruption_seconds_total',
      help: 'Simulated seconds of disruption in force, summed over the disruptions',
      labelNames: labels(),
      registers: r,
      collect,
    });
    this.disruptionsStarted = new client.Counter({
      name: 'clearsim_disruptions_started_total',
      help: 'Disruptions that have come into force',
      labelNames: labels(),
      registers: r,
    });
    this.disruptionsEnded = new client.Counter({
      name: 'clearsim_disruptions_ended_total',
      help: 'Disruptions that have ended',
      labelNames: labels(),
      registers: r,
    });
    this.busyServerSeconds = new client.Counter({
      name: 'clearsim_busy_server_seconds_total',
      help: "A stage's busy servers integrated over simulated time (server-seconds)",
      labelNames: labels('stage'),
      registers: r,
      collect,
    });
    this.capacityServerSeconds = new client.Counter({
      name: 'clearsim_capacity_server_seconds_total',
      help: "A stage's servers integrated over simulated time (server-seconds): opening hours and disruptions applied",
      labelNames: labels('stage'),
      registers: r,
      collect,
    });
    if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  private readonly sources = new Set<() => Promise<MetricsJson>>();
  /**
   * Counters and histograms of runs whose threads have ended, the newest RETIRED_RUNS_KEPT: kept,
   * so that a run's counters do not vanish the moment it ends; bounded, since each run has its
   * own series.
   */
  private readonly retired: MetricsJson[] = [];

  /** Metrics kept elsewhere (a run in a worker thread) that /metrics merges in while it runs. */
  addSource(source: () => Promise<MetricsJson>): void {
    this.sources.add(source);
  }

  /** The source is gone; its last counters and histograms (when given) stay in later scrapes. */
  removeSource(source: () => Promise<MetricsJson>, last: MetricsJson | null): void {
    this.sources.delete(source);
    if (!last) return;
    // a finished run's gauges (queues, clock) describe nothing any more
    // prom-client's JSON says 'gauge' where its typings say an enum
    this.retired.push(last.filter((m) => (m.type as unknown as string) !== 'gauge'));
    if (this.retired.length > RETIRED_RUNS_KEPT) this.retired.shift();
  }

  readonly contentType = client.Registry.PROMETHEUS_CONTENT_TYPE;

  /** The Prometheus text of this process: its own registry, merged with the runs in threads. */
  async text(): Promise<string> {
    if (this.sources.size === 0 && this.retired.length === 0) return this.registry.metrics();
    const parts: MetricsJson[] = [await this.registry.getMetricsAsJSON(), ...this.retired];
    parts.push(...(await Promise.all([...this.sources].map((f) => f()))));
    return client.AggregatorRegistry.aggregate(parts).metrics();
  }

  /**
   * Label children for one run of a scenario (its tiers, lanes and stages): what the run's observer
   * writes to. `run` labels its series; give the run's own id where there is one (the API's, a
   * BullMQ run's), so that a coordinator's and its workers' series join.
   */
  bind(s: Scenario, role: MetricsRole = 'all', run: string = randomUUID().slice(0, 8)): ScenarioMetrics {
    const b = new ScenarioMetrics(this, s, role, run);
    this.bound.add(b);
    return b;
  }
}

/**
 * A run's observer: the label children of one scenario resolved once, so the hot path never builds
 * label sets. Several runs in one process (the API server, a worker host) each have their own.
 */
export class ScenarioMetrics implements RunObserver {
  private readonly arrivedBy: client.Counter.Internal[];
  private readonly releasedBy: client.Counter.Internal[][];
  private readonly clearanceBy: client.Histogram.Internal<string>[][];
  private readonly waitBy: client.Histogram.Internal<string>[][];
  private readonly checksBy: client.Counter.Internal[][][];
  private readonly queueBy: client.Gauge.Internal<string>[];
  private readonly busyBy: client.Gauge.Internal<string>[];
  private readonly capacityBy: client.Gauge.Internal<string>[];
  private readonly simTime: client.Gauge.Internal<string>;
  private readonly disruptionActive: client.Gauge.Internal<string>;
  private readonly simulatedSeconds: client.Counter.Internal;
  private readonly disruptionSeconds: client.Counter.Internal;
  private readonly disruptionsStarted: client.Counter.Internal;
  private readonly disruptionsEnded: client.Counter.Internal;
  private readonly busySecondsBy: client.Counter.Internal[];
  /** null for an unlimited stage: its utilization is not defined. */
  private readonly capacitySecondsBy: (client.Counter.Internal | null)[];
  /** The run's labels, as every series of it carries them. */
  readonly labels: { scenario: string; run: string };

  // Levels over simulated time, integrated at each moment the run tells its time (an event's
  // `now`, a paced run's clock). A level changed between two such moments counts from the
  // earlier one: the stage events that change levels come with service starts, releases and
  // arrivals, so the error is a fraction of the time between events.
  /** Simulated hours up to which the integrals are taken; NaN before the first. */
  private at = NaN;
  private active = 0;
  private readonly busy: Float64Array;
  private readonly queued: Float64Array;
  /** Per stage: 1 once this process has heard the level (queue, busy servers). */
  private readonly queueKnown: Uint8Array;
  private readonly busyKnown: Uint8Array;
  private clockHours = Number.NaN;
  /** The capacity gauge's value (NaN before it is first set). */
  private readonly capacityShown: Float64Array;
  private readonly capacity: Float64Array;
  /** Whether this process knows the level (a BullMQ coordinator knows no servers). */
  private readonly knowsServers: boolean;
  // integrals not yet added to the counters (simulated seconds, server-seconds)
  private pendingSimulated = 0;
  private pendingDisrupted = 0;
  private readonly pendingBusy: Float64Array;
  private readonly pendingCapacity: Float64Array;

  constructor(m: SimMetrics, s: Scenario, role: MetricsRole, run: string) {
    const id = { scenario: s.name, run };
    this.labels = id;
    const tiers = s.tiers.map((t) => t.name),
      stages = s.stages.map((x) => x.name);
    this.arrivedBy = tiers.map((tier) => m.arrivedTotal.labels({ tier, ...id }));
    this.releasedBy = tiers.map((tier) => LANES.map((lane) => m.releasedTotal.labels({ tier, lane, ...id })));
    this.clearanceBy = tiers.map((tier) => LANES.map((lane) => m.clearance.labels({ tier, lane, ...id })));
    this.waitBy = stages.map((stage) => tiers.map((tier) => m.stageWait.labels({ stage, tier, ...id })));
    this.checksBy = stages.map((stage) =>
      tiers.map((tier) => [
        m.checksTotal.labels({ stage, tier, outcome: 'hit', ...id }),
        m.checksTotal.labels({ stage, tier, outcome: 'clear', ...id }),
      ]),
    );
    this.queueBy = stages.map((stage) => m.queueLength.labels({ stage, ...id }));
    this.busyBy = stages.map((stage) => m.serversBusy.labels({ stage, ...id }));
    this.capacityBy = stages.map((stage) => m.serversCapacity.labels({ stage, ...id }));
    this.simTime = m.simTime.labels(id);
    this.disruptionActive = m.disruptionActive.labels(id);
    this.simulatedSeconds = m.simulatedSeconds.labels(id);
    this.disruptionSeconds = m.disruptionSeconds.labels(id);
    this.disruptionsStarted = m.disruptionsStarted.labels(id);
    this.disruptionsEnded = m.disruptionsEnded.labels(id);
    this.busySecondsBy = stages.map((stage) => m.busyServerSeconds.labels({ stage, ...id }));
    this.capacitySecondsBy = s.stages.map((st) =>
      st.servers === Infinity ? null : m.capacityServerSeconds.labels({ stage: st.name, ...id }),
    );
    this.knowsServers = role !== 'coordinator';
    this.busy = new Float64Array(stages.length);
    this.queued = new Float64Array(stages.length);
    this.queueKnown = new Uint8Array(stages.length);
    this.capacityShown = new Float64Array(stages.length).fill(Number.NaN);
    this.busyKnown = new Uint8Array(stages.length);
    this.capacity = new Float64Array(s.stages.map((st) => (st.servers === Infinity ? 0 : st.servers)));
    this.pendingBusy = new Float64Array(stages.length);
    this.pendingCapacity = new Float64Array(stages.length);
    // series exist from the start, so rate() and dashboards see zeros rather than gaps
    if (role !== 'worker') {
      for (const c of this.arrivedBy) c.inc(0);
      for (const row of this.releasedBy) for (let l = 0; l < 3; l++) row[l].inc(0);
      this.disruptionActive.set(0);
      this.disruptionSeconds.inc(0);
      this.disruptionsStarted.inc(0);
      this.disruptionsEnded.inc(0);
    }
    this.simulatedSeconds.inc(0);
    s.stages.forEach((st, i) => {
      if (role !== 'coordinator' && st.servers !== Infinity) {
        this.capacityBy[i].set(st.servers);
        this.capacityShown[i] = st.servers;
      }
      if (this.knowsServers) {
        this.busySecondsBy[i].inc(0);
        this.capacitySecondsBy[i]?.inc(0);
      }
    });
  }

  /** Integrates the levels up to `now` (simulated hours); time that goes back adds nothing. */
  private advance(now: number): void {
    const dt = (now - this.at) * H;
    if (!(dt > 0)) {
      if (Number.isNaN(this.at)) this.at = now;
      return;
    }
    this.at = now;
    this.pendingSimulated += dt;
    if (this.active > 0) this.pendingDisrupted += this.active * dt;
    if (!this.knowsServers) return;
    for (let i = 0; i < this.busy.length; i++) {
      this.pendingBusy[i] += this.busy[i] * dt;
      this.pendingCapacity[i] += this.capacity[i] * dt;
    }
  }

  /** Writes the levels and adds the integrals so far to the counters (a scrape calls it). */
  flush(): void {
    for (let i = 0; i < this.busy.length; i++) {
      if (this.queueKnown[i]) this.queueBy[i].set(this.queued[i]);
      if (this.busyKnown[i]) this.busyBy[i].set(this.busy[i]);
    }
    if (!Number.isNaN(this.clockHours)) this.simTime.set(this.clockHours * H);
    if (this.pendingSimulated > 0) this.simulatedSeconds.inc(this.pendingSimulated);
    if (this.pendingDisrupted > 0) this.disruptionSeconds.inc(this.pendingDisrupted);
    this.pendingSimulated = this.pendingDisrupted = 0;
    for (let i = 0; i < this.busy.length; i++) {
      if (this.pendingBusy[i] > 0) this.busySecondsBy[i].inc(this.pendingBusy[i]);
      if (this.pendingCapacity[i] > 0) this.capacitySecondsBy[i]?.inc(this.pendingCapacity[i]);
      this.pendingBusy[i] = this.pendingCapacity[i] = 0;
    }
  }

  arrived(sh: Shipment, now: number): void {
    this.advance(now);
    this.arrivedBy[sh.tier].inc();
  }

  stageStarted(sh: Shipment, stage: number, wait: number, now: number): void {
    this.advance(now);
    this.waitBy[stage][sh.tier].observe(wait * H);
  }

  checked(sh: Shipment, stage: number, hit: boolean): void {
    this.checksBy[stage][sh.tier][hit ? 0 : 1].inc();
  }

  released(sh: Shipment, clearance: number, now: number): void {
    this.advance(now);
    this.releasedBy[sh.tier][sh.lane].inc();
    this.clearanceBy[sh.tier][sh.lane].observe(clearance * H);
    this.clockHours = now;
  }

  /**
   * NaN for a level this process does not know (a BullMQ coordinator knows queues, its workers
   * their servers). `now`, when the driver tells it, closes the integrals at the change itself;
   * without it the level counts from the last time the run told.
   */
  stageChanged(stage: number, queued: number, busy: number, capacity: number, now?: number): void {
    if (now !== undefined) this.advance(now);
    if (!Number.isNaN(queued)) {
      this.queued[stage] = queued;
      this.queueKnown[stage] = 1;
    }
    if (!Number.isNaN(busy)) {
      this.busy[stage] = busy;
      this.busyKnown[stage] = 1;
    }
    // capacity changes seldom: written at once
    if (!Number.isNaN(capacity) && capacity !== Infinity) {
      this.capacity[stage] = capacity;
      if (capacity !== this.capacityShown[stage]) {
        this.capacityBy[stage].set(capacity);
        this.capacityShown[stage] = capacity;
      }
    }
  }

  disruption(active: number, now: number): void {
    // the time before the edge is integrated at the old level: exact, since the edge tells its time
    this.advance(now);
    if (active > this.active) this.disruptionsStarted.inc(active - this.active);
    else if (active < this.active) this.disruptionsEnded.inc(this.active - active);
    this.active = active;
    this.disruptionActive.set(active);
  }

  clock(now: number): void {
    this.advance(now);
    this.clockHours = now;
  }
}
