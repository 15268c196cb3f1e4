import { describe, expect, inject, it } from 'vitest';
import { compare } from '../../src/experiments/compare.js';
import { sweep, parseParam } from '../../src/experiments/sweep.js';
import { loadScenarioFile, parseOverride } from '../../src/scenario/load.js';
import { clearsim } from '../helpers/cli.js';

const redisUrl = inject('redisUrl');
const noWall = (x: unknown) => JSON.stringify(x, (k, v) => (k === 'wall_seconds' ? undefined : v));

describe('distributed replications on BullMQ workers', () => {
  it('gives a comparison identical to a local one with the same seeds (2 worker processes)', async () => {
    const a = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=7')]);
    const b = loadScenarioFile('scenarios/aeo-expansion.yaml', [parseOverride('horizon.days=7')]);
    const local = await compare(a, b, 4);
    const remote = await compare(a, b, 4, undefined, { redisUrl, workers: 2 });
    expect(noWall(remote.groups)).toBe(noWall(local.groups));
    expect(noWall(remote.reports)).toBe(noWall(local.reports));
    expect(remote.lines).toEqual(local.lines);
  });

  it('runs a sweep across the workers with the same results as here', async () => {
    const params = [parseParam('stages.inspection.servers=14,24')];
    const base = [parseOverride('horizon.days=12')];
    const local = await sweep('scenarios/flood-disruption.yaml', params, 2, base);
    const remote = await sweep('scenarios/flood-disruption.yaml', params, 2, base, undefined, { redisUrl, workers: 2 });
    expect(noWall(remote.points)).toBe(noWall(local.points));
  });

  it('runs `clearsim run --distribute` to the same report as a local run', () => {
    const args = ['run', 'scenarios/chongqing-2023.yaml', '--days', '6', '--replications', '3', '--json'];
    const local = JSON.parse(clearsim(args).stdout);
    const r = clearsim([...args, '--distribute', '--redis', redisUrl, '--workers', '2']);
    expect(r.status).toBe(0);
    expect(noWall(JSON.parse(r.stdout))).toBe(noWall(local));
  });
});
