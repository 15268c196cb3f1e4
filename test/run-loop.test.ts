import { describe, expect, it } from 'vitest';
import { RunStalled } from '../src/errors.js';
import { EmbeddedRun } from '../src/runtime/embedded.js';
import { runOneReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

describe('the embedded run loop', () => {
  it('stops with a clear error naming the stage when shipments can never be served', async () => {
    const s = loadScenarioFile('scenarios/chongqing-2023.yaml', ['horizon.days=4', 'horizon.warmup_days=1'].map(parseOverride));
    // Validation refuses a stage without servers; build one behind its back, as a bug might.
    const inspection = s.stages.find((st) => st.name === 'inspection')!;
    inspection.servers = 0;
    inspection.hours = null;
    const run = new EmbeddedRun(s, 0);
    let err: unknown;
    try {
      run.runUntil(Infinity);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunStalled);
    expect((err as RunStalled).code).toBe('CLEARSIM_RUN_STALLED');
    expect((err as Error).message).toMatch(/\d+ at inspection \(servers now 0\)/);
    // and through the sliced loop the CLI and API use, which must not spin
    await expect(runOneReplication(s, 0, { onProgress: () => {} })).rejects.toBeInstanceOf(RunStalled);
  });

  it('jumps over a stretch with no event instead of stepping through it', async () => {
    // one arrival a week: the sliced loop would take 200 slices whatever happens; jumping to the
    // next event takes about one loop turn per event
    const s = loadScenarioFile(
      'scenarios/chongqing-2023.yaml',
      ['arrivals.per_day=0.01', 'horizon.days=28', 'horizon.warmup_days=1'].map(parseOverride),
    );
    let turns = 0;
    const rep = await runOneReplication(s, 0, { onProgress: () => turns++ });
    expect(rep.shipments.released).toBe(rep.shipments.arrived);
    expect(turns).toBeLessThanOrEqual(200 + rep.events);
    expect(turns).toBeGreaterThan(0);
  });
});
