import { loadScenarioObject } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';

/** A one-stage queue: Poisson arrivals at `lambda` per hour, `servers` servers, the given service. */
export function queueScenario(opts: {
  lambda: number;
  servers: number;
  service: Record<string, unknown>;
  days: number;
  warmupDays?: number;
  seed?: number;
  replications?: number;
  tiers?: Record<string, number>; // name -> shipment share, in priority order
  priority?: 'always' | 'never';
}): Scenario {
  const tiers = Object.fromEntries(
    Object.entries(opts.tiers ?? { all: 1 }).map(([name, share]) => [
      name,
      { aeo: false, shipment_share: share, noncompliance: 0, lanes: { red: 0, yellow: 0 }, pre_arrival_share: 0, guarantee_exempt: false },
    ]),
  );
  return loadScenarioObject({
    name: 'queue',
    seed: opts.seed ?? 1,
    horizon: { days: opts.days, warmup_days: opts.warmupDays ?? 2 },
    replications: opts.replications ?? 1,
    arrivals: { per_day: opts.lambda * 24 },
    tiers,
    lodgement: { lead: { dist: 'constant', value: 0 }, delay: { dist: 'constant', value: 0 } },
    stages: { desk: { servers: opts.servers, service: opts.service } },
    flow: { intake: ['desk'], lanes: { green: [], yellow: [], red: [] }, release: [] },
    risk: { targeting_lift: 1 },
    findings: { hold: { dist: 'constant', value: 0 } },
    priority: { mode: opts.priority ?? 'never' },
  });
}
