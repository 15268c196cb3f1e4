import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { paramValues, parseSensitivityParam, sensitivity, sensitivityJson } from '../src/experiments/sensitivity.js';
import { renderSensitivityReport } from '../src/html-report/sensitivity-report.js';
import { clearsim } from './helpers/cli.js';
import { mmc } from './helpers/queueing.js';
import { validateDocument } from './helpers/document-schema.js';
import { queueScenario } from './helpers/scenario.js';

const LAMBDA = 3.5;
const base = queueScenario({ lambda: LAMBDA, servers: 5, service: { dist: 'exponential', mean: '1h' }, days: 20, seed: 9 });
const dir = mkdtempSync(join(tmpdir(), 'clearsim-sens-'));
const file = join(dir, 'queue.yaml');
writeFileSync(file, stringify(base.source));

describe('sensitivity (src/experiments/sensitivity.ts)', () => {
  it('M/M/5: the changes of the mean wait at 4 and 6 servers and at ±20% service cover Erlang C, ranked by swing', async () => {
    const stat = 'stages.desk.wait_hours.mean';
    const r = await sensitivity(
      file,
      ['stages.desk.servers=±20%', 'stages.desk.service.mean=±20%'].map(parseSensitivityParam),
      [stat],
      8,
      [],
    );
    const [servers, service] = r.params;
    expect([servers.low, servers.base, servers.high]).toEqual([4, 5, 6]);
    expect(servers.kind).toBe('integer');
    expect(service.kind).toBe('duration');
    expect(service.low).toBeCloseTo(0.8, 12);
    expect(service.high).toBeCloseTo(1.2, 12);
    const wq = (c: number, mean: number) => mmc(c, LAMBDA, 1 / mean).Wq;
    const w0 = wq(5, 1);
    const cases = [
      [servers.effects[stat].low, wq(4, 1) - w0],
      [servers.effects[stat].high, wq(6, 1) - w0],
      [service.effects[stat].low, wq(5, 0.8) - w0],
      [service.effects[stat].high, wq(5, 1.2) - w0],
    ] as const;
    for (const [iv, exact] of cases) {
      expect(iv.lo).toBeLessThanOrEqual(exact);
      expect(iv.hi).toBeGreaterThanOrEqual(exact);
    }
    // Erlang C: one server fewer (rho 0.875) moves the wait more than 20% longer service (rho 0.84)
    const exactSwing = (lo: number, hi: number) => Math.abs(hi - lo);
    expect(exactSwing(cases[0][1], cases[1][1])).toBeGreaterThan(exactSwing(cases[2][1], cases[3][1]));
    expect(r.order[stat]).toEqual(['stages.desk.servers', 'stages.desk.service.mean']);
    // common random numbers: the paired interval is narrower than an unpaired one would be
    expect(servers.effects[stat].high.half_width).toBeLessThan(servers.effects[stat].high.unpaired_half_width);
    expect(validateDocument('Sensitivity', sensitivityJson(r))).toEqual([]);
    // the tornado: one pair of bars per parameter, the largest swing first
    const html = renderSensitivityReport(r);
    const bars = [...html.matchAll(/data-bar="([^"]+)"/g)].map((m) => m[1]);
    expect(bars).toEqual(['stages.desk.servers', 'stages.desk.servers', 'stages.desk.service.mean', 'stages.desk.service.mean']);
    expect(html).toContain('data-chart="tornado"');
  });

  it('counts round and stay at least 1; durations keep their unit; bad parameters are refused naming --param', () => {
    const two = queueScenario({ lambda: 1, servers: 1, service: { dist: 'exponential', mean: '30m' }, days: 3 });
    expect(paramValues(two, parseSensitivityParam('stages.desk.servers=±40%'))).toMatchObject({ low: 1, high: 1, kind: 'integer' });
    expect(paramValues(base, parseSensitivityParam('stages.desk.servers=±30%'))).toMatchObject({ low: 4, high: 7 });
    expect(paramValues(base, parseSensitivityParam('stages.desk.servers=3,8'))).toMatchObject({ low: 3, high: 8 });
    expect(paramValues(two, parseSensitivityParam('stages.desk.service.mean=20m,45m'))).toMatchObject({ low: 1 / 3, high: 0.75 });
    expect(() => parseSensitivityParam('stages.desk.servers')).toThrow(/--param stages\.desk\.servers: must be/);
    expect(() => parseSensitivityParam('stages.desk.servers=±150%')).toThrow(UsageError);
    expect(() => paramValues(base, parseSensitivityParam('stages.nosuch.servers=±20%'))).toThrow(/--param .*not set in the scenario/);
    expect(() => paramValues(base, parseSensitivityParam('name=±20%'))).toThrow(/not a number or duration/);
  });

  it('CLI: a table and a tornado report; bad flags exit 2 naming the flag', () => {
    const report = join(dir, 'sens.html');
    const r = clearsim(['sensitivity', file, '--param', 'stages.desk.servers=±20%', '--replications', '3', '--report', report, '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.params[0].path).toBe('stages.desk.servers');
    expect(j.order['aeo_vs_non_aeo.non_aeo.clearance_hours.mean']).toEqual(['stages.desk.servers']);
    expect(readFileSync(report, 'utf8')).toContain('data-chart="tornado"');
    for (const [args, flag] of [
      [['--param', 'stages.desk.servers'], '--param'],
      [['--param', 'stages.desk.servers=±20%', '--stat', 'stages.nosuch.wait_hours.mean'], '--stat'],
      [['--param', 'stages.desk.servers=±20%', '--replications', '1'], '--replications'],
      [[], '--param'],
    ] as const) {
      const b = clearsim(['sensitivity', file, ...args]);
      expect(b.status).toBe(2);
      expect(b.stderr).toContain(flag);
    }
  });
});
