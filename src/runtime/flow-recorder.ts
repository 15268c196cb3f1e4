import type { RunObserver } from '../model/run-observer.js';
import type { Shipment } from '../model/shipment.js';
import type { Scenario } from '../scenario/types.js';

/** A stage's levels at one moment; null: unknown (busy, from a BullMQ coordinator) or unlimited (capacity). */
export interface StageLevels {
  queue: number;
  busy: number | null;
  capacity: number | null;
}

/** Releases per whole simulated hour: hour[k], and each tier's count in that hour. */
export interface HourlyReleases {
  hour: number[];
  by_tier: Record<string, number[]>;
}

export interface FlowDisruption {
  index: number;
  name: string;
  start_hour: number;
  end_hour: number;
}

/** The `flow` event of GET /runs/:id/events (docs/api.md). */
export interface FlowSnapshot {
  clock_hours: number;
  replication: number;
  progress: number;
  stages: ({ name: string } & StageLevels)[];
  released_per_hour: HourlyReleases;
  disruptions: (FlowDisruption & { active: boolean })[];
  active_disruptions: number;
}

/** GET /runs/:id/timeline: replication 0, frame by simulated hour, in the shapes of the snapshot. */
export interface FlowTimeline {
  stages: { name: string }[];
  tiers: { name: string; label: string; aeo: boolean }[];
  disruptions: FlowDisruption[];
  frames: { clock_hours: number; stages: StageLevels[]; active_disruptions: number }[];
  released_per_hour: HourlyReleases;
}

/** Hours of releases a live snapshot carries. */
export const LIVE_HOURS = 48;
/** Most frames a timeline keeps (a longer run keeps every k-th hour). */
export const MAX_FRAMES = 2000;

const level = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Watches a run (as its observer) for the live flow view: each stage's queue, busy and available
 * servers, releases by tier per simulated hour, disruptions and the clock. `snapshot()` is what
 * is streamed live; the first replication is also kept hour by hour for `timeline()` (replay).
 * Counting only: a few array writes per event.
 */
export class FlowRecorder implements RunObserver {
  private readonly stageNames: string[];
  private readonly tierNames: string[];
  private readonly levels: StageLevels[];
  private clockH = Number.NEGATIVE_INFINITY;
  private activeDisruptions = 0;
  replication = 0;
  progress = 0;
  /** Live releases: hour -> counts by tier index (the current replication only). */
  private live = new Map<number, number[]>();
  /** Replication 0, whole run. */
  private readonly frames: FlowTimeline['frames'] = [];
  private frameStep = 1;
  private lastFrameHour = Number.NEGATIVE_INFINITY;
  private readonly history = new Map<number, number[]>();

  /** `busyKnown` false: a BullMQ coordinator, which sees the queues but not the workers' servers. */
  constructor(
    private readonly scenario: Scenario,
    private readonly busyKnown = true,
  ) {
    this.stageNames = scenario.stages.map((s) => s.name);
    this.tierNames = scenario.tiers.map((t) => t.name);
    this.levels = this.stageNames.map(() => this.initial());
    // one frame an hour, or every k-th hour for a long horizon
    this.frameStep = Math.max(1, Math.ceil((scenario.horizonDays * 24) / MAX_FRAMES));
  }

  /** Called as replication r starts: the live view follows it, the timeline keeps replication 0. */
  startReplication(r: number): void {
    this.replication = r;
    this.live = new Map();
    this.clockH = Number.NEGATIVE_INFINITY;
    this.activeDisruptions = 0;
    for (const l of this.levels) Object.assign(l, this.initial());
  }

  private initial(): StageLevels {
    return { queue: 0, busy: this.busyKnown ? 0 : null, capacity: null };
  }

  private tick(now: number): void {
    if (now > this.clockH) this.clockH = now;
    if (this.replication !== 0 || now < 0) return;
    const h = Math.floor(now / this.frameStep) * this.frameStep;
    if (h > this.lastFrameHour) {
      // the levels as they were entering hour h (before this event changes them)
      this.lastFrameHour = h;
      this.frames.push({ clock_hours: h, stages: this.levels.map((l) => ({ ...l })), active_disruptions: this.activeDisruptions });
    }
  }

  arrived(_sh: Shipment, now: number): void {
    this.tick(now);
  }
  stageStarted(_sh: Shipment, _stage: number, _wait: number, now: number): void {
    this.tick(now);
  }
  released(sh: Shipment, _clearance: number, now: number): void {
    this.tick(now);
    const h = Math.floor(now);
    const bump = (m: Map<number, number[]>) => {
      let row = m.get(h);
      if (!row) {
        row = this.tierNames.map(() => 0);
        m.set(h, row);
      }
      row[sh.tier]++;
    };
    bump(this.live);
    if (this.replication === 0) bump(this.history);
    // the live window stays bounded
    if (this.live.size > LIVE_HOURS * 2) for (const k of [...this.live.keys()]) if (k <= h - LIVE_HOURS) this.live.delete(k);
  }
  stageChanged(stage: number, queued: number, busy: number, capacity: number): void {
    const l = this.levels[stage];
    if (!l) return;
    l.queue = Number.isFinite(queued) ? queued : l.queue;
    l.busy = level(busy);
    l.capacity = level(capacity);
  }
  disruption(active: number, now: number): void {
    this.tick(now);
    this.activeDisruptions = active;
  }
  clock(now: number): void {
    this.tick(now);
  }

  private disruptions(): FlowDisruption[] {
    return this.scenario.disruptions.map((d, index) => ({ index, name: d.name, start_hour: d.start, end_hour: d.end }));
  }

  private hourly(m: Map<number, number[]>, from: number, to: number): HourlyReleases {
    const hour: number[] = [];
    const by = this.tierNames.map(() => [] as number[]);
    for (let h = from; h <= to; h++) {
      hour.push(h);
      const row = m.get(h);
      for (let t = 0; t < by.length; t++) by[t].push(row ? row[t] : 0);
    }
    return { hour, by_tier: Object.fromEntries(this.tierNames.map((t, i) => [t, by[i]])) };
  }

  snapshot(): FlowSnapshot {
    const clock = Number.isFinite(this.clockH) ? this.clockH : 0;
    const to = Math.floor(clock) - 1;
    return {
      clock_hours: clock,
      replication: this.replication,
      progress: this.progress,
      stages: this.stageNames.map((name, i) => ({ name, ...this.levels[i] })),
      released_per_hour: this.hourly(this.live, Math.max(0, to - LIVE_HOURS + 1), to),
      disruptions: this.disruptions().map((d) => ({ ...d, active: clock >= d.start_hour && clock < d.end_hour })),
      active_disruptions: this.activeDisruptions,
    };
  }

  timeline(): FlowTimeline {
    const hours = [...this.history.keys()];
    const last = Math.max(hours.length ? Math.max(...hours) : 0, Math.floor(this.scenario.horizonDays * 24) - 1);
    return {
      stages: this.stageNames.map((name) => ({ name })),
      tiers: this.scenario.tiers.map((t) => ({ name: t.name, label: t.label, aeo: t.aeo })),
      disruptions: this.disruptions(),
      frames: this.frames,
      released_per_hour: this.hourly(this.history, 0, last),
    };
  }
}
