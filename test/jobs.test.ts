import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { drawAhead } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';
import { clearsim } from './helpers/cli.js';

/*
 * --jobs N runs replications on N worker threads. A replication is a pure function of
 * (scenario, seed, r), so the reports must be those of --jobs 1, bit for bit, in the same order:
 * only the wall-clock figures may differ.
 */
const WALL = /"wall_seconds":\s*[0-9.e+-]+/g;
const strip = (json: string) => json.replace(WALL, '"wall_seconds":0');

function twice(args: string[], jobs = ['--jobs', '2']) {
  const one = clearsim([...args, '--jobs', '1', '--json']);
  const two = clearsim([...args, ...jobs, '--json']);
  expect(one.stderr).toBe('');
  expect(two.stderr).toBe('');
  expect(one.status).toBe(0);
  expect(two.status).toBe(0);
  return { one: strip(one.stdout), two: strip(two.stdout) };
}

describe('--jobs', () => {
  it('run: 2 threads give the report of 1', () => {
    const { one, two } = twice(['run', 'scenarios/aeo-expansion.yaml', '--days', '10', '--replications', '4']);
    expect(JSON.parse(one).replications).toBe(4);
    expect(two).toBe(one);
  });

  it('compare: 2 threads give the comparison of 1', () => {
    const { one, two } = twice([
      'compare',
      'scenarios/flood-disruption.yaml',
      '--set',
      'priority.mode=never',
      '--days',
      '14',
      '--replications',
      '3',
    ]);
    expect(two).toBe(one);
  });

  it('sweep: 2 threads give the sweep of 1', () => {
    const { one, two } = twice([
      'sweep',
      'scenarios/chongqing-2023.yaml',
      '--param',
      'stages.inspection.servers=16,20',
      '--days',
      '7',
      '--replications',
      '2',
    ]);
    expect(JSON.parse(one).points.length).toBe(2);
    expect(two).toBe(one);
  });

  // Big enough for one thread of replications but a draw thread beside it (runtime/draw-thread.ts):
  // the default then takes the shipments from it; --jobs 1 draws them in its one thread.
  const baseline = (days: number) => loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride(`horizon.days=${days}`)]);
  it('a draw thread is used by default, not with --jobs 1, and only for enough work', () => {
    const big = [{ scenario: baseline(150) }];
    expect(drawAhead('auto', big)).toBe(availableParallelism() >= 2);
    expect(drawAhead(1, big)).toBe(false);
    expect(drawAhead(undefined, big)).toBe(false);
    expect(drawAhead('auto', [{ scenario: baseline(7) }])).toBe(false);
    // enough in all, but each replication too short for the thread to pay
    expect(
      drawAhead(
        'auto',
        Array.from({ length: 8 }, () => ({ scenario: baseline(28) })),
      ),
    ).toBe(false);
    // what the compare below runs: 2 scenarios x 2 replications of 100 days, each long enough
    expect(
      drawAhead(
        'auto',
        Array.from({ length: 4 }, () => ({ scenario: baseline(100) })),
      ),
    ).toBe(availableParallelism() >= 2);
  });

  it('run: the default, with a draw thread, gives the report of --jobs 1', () => {
    const { one, two } = twice(['run', 'scenarios/chongqing-2023.yaml', '--days', '150'], []);
    expect(JSON.parse(one).shipments.arrived).toBeGreaterThan(150_000);
    expect(two).toBe(one);
  });

  it('compare: the default, with a draw thread for both scenarios, gives the comparison of --jobs 1', () => {
    const { one, two } = twice(
      ['compare', 'scenarios/chongqing-2023.yaml', '--set', 'priority.mode=never', '--days', '100', '--replications', '2'],
      [],
    );
    expect(two).toBe(one);
  });

  it('refuses a bad count and --jobs with the distributed runtime, naming the flag', () => {
    const zero = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--jobs', '0']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--jobs/);
    const dist = clearsim(['compare', 'scenarios/chongqing-2023.yaml', '--set', 'seed=3', '--distribute', '--jobs', '2']);
    expect(dist.status).toBe(2);
    expect(dist.stderr).toMatch(/--jobs: threads for replications on the embedded engine/);
  });
});
