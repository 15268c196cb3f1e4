import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare } from '../src/experiments/compare.js';
import { grid, parseParam } from '../src/experiments/sweep.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';
import { mser5 } from '../src/stats/mser.js';
import { clearsim } from './helpers/cli.js';
import { cobham, mmc } from './helpers/queueing.js';
import { queueScenario } from './helpers/scenario.js';

describe('clearsim compare', () => {
  it('gives differences of exactly 0 for a scenario compared with itself', async () => {
    const s = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=6')]);
    const c = await compare(s, s, 3);
    for (const g of Object.values(c.groups)) {
      for (const iv of [g.mean, g.p50, g.p90]) {
        expect(iv.diff).toBe(0);
        expect(iv.half_width).toBe(0);
      }
    }
    expect(c.lines.every((l) => l.endsWith('does not change') || l.endsWith('do not change'))).toBe(true);
    // firm by firm too: no firm moves, none saves anything
    expect(c.firms!.moved.firms).toBe(0);
    expect(c.firms!.groups.all.money_saved_cny_per_year).toEqual({ estimate: 0, lo: 0, hi: 0, half_width: 0 });
  });

  it('narrows the interval by pairing on a real policy change (flood without AEO priority)', async () => {
    const a = loadScenarioFile('scenarios/flood-disruption.yaml', [parseOverride('horizon.days=14')]);
    const b = loadScenarioFile('scenarios/flood-disruption.yaml', [parseOverride('horizon.days=14'), parseOverride('priority.mode=never')]);
    const c = await compare(a, b, 6);
    expect(c.pairing_narrows_by).toBeGreaterThan(0.3);
    // the tier called aeo and the AEO group both have their row
    expect(c.groups.aeo_tier.label).toBe(a.tiers.find((t) => t.name === 'aeo')!.label);
    expect(c.groups.aeo.label).toBe('AEO');
    const aeo = c.groups.aeo.mean;
    expect(aeo.half_width).toBeLessThan(aeo.unpaired_half_width);
    // without priority AEO shipments wait longer during the flood
    expect(aeo.diff).toBeGreaterThan(0);
    expect(c.lines.find((l) => l.startsWith('AEO mean clearance'))).toMatch(
      /^AEO mean clearance rises [\d.]+ (h|min|s) \([\d.]+ (h|min|s)–[\d.]+ (h|min|s)\)$/,
    );
  });

  it('covers the Cobham difference when priority is switched on in a two-tier M/M/5', async () => {
    // c = 5, mu = 1/h, lambda = 4/h (rho 0.8), 30% high priority; clearance = wait + service here
    const lambda = 4,
      shares = { high: 0.3, low: 0.7 };
    const base = { lambda, servers: 5, service: { dist: 'exponential', mean: '1h' }, days: 120, warmupDays: 5, tiers: shares };
    const never = queueScenario({ ...base, priority: 'never' });
    const always = queueScenario({ ...base, priority: 'always' });
    const c = await compare(never, always, 12);
    const [w1, w2] = cobham(5, 1, [lambda * 0.3, lambda * 0.7]);
    const wq = mmc(5, lambda, 1).Wq;
    for (const [tier, expected] of [
      ['high', w1 - wq],
      ['low', w2 - wq],
    ] as const) {
      const iv = c.groups[tier].mean;
      expect(iv.lo).toBeLessThanOrEqual(expected);
      expect(iv.hi).toBeGreaterThanOrEqual(expected);
      // and the interval is tight enough to mean something
      expect(iv.half_width).toBeLessThan(Math.abs(expected) / 3);
    }
  });

  it('prints a table and plain-language lines on the command line', () => {
    const r = clearsim(['compare', 'scenarios/chongqing-2023.yaml', 'scenarios/aeo-expansion.yaml', '--replications', '3', '--days', '6']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/non-AEO mean clearance( falls| rises|: no clear change)/);
    // the answer leads: all shipments, then what the firms that change tier gain
    expect(r.stdout).toMatch(
      /95% intervals\n\nAll shipments mean clearance (falls|rises|: no clear change)[^\n]*\nImports mean clearance[^\n]*\nExports mean clearance[^\n]*\nFirms that change tier \(100\): /,
    );
    expect(r.stdout).toMatch(/Pairing by seed makes the intervals \d+% narrower/);
    const bad = clearsim(['compare', 'scenarios/chongqing-2023.yaml']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('give a second scenario');
  });
});

describe('clearsim sweep', () => {
  it('builds the full grid of parameter values', () => {
    const g = grid([parseParam('a=1,2'), parseParam('b=x,y,z')]);
    expect(g).toHaveLength(6);
    expect(g[0]).toEqual({ a: '1', b: 'x' });
    expect(g[5]).toEqual({ a: '2', b: 'z' });
    expect(() => parseParam('a=')).toThrow(/path=v1,v2/);
  });

  it('writes every point with intervals to CSV; more inspection teams, shorter inspection waits', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'clearsim-sweep-')), 'sweep.csv');
    const r = clearsim([
      'sweep',
      'scenarios/flood-disruption.yaml',
      '--param',
      'stages.inspection.servers=10,30',
      '--replications',
      '2',
      '--days',
      '14',
      '--out',
      out,
    ]);
    expect(r.status).toBe(0);
    const [head, ...rows] = readFileSync(out, 'utf8').trim().split('\n');
    const cols = head.split(',');
    expect(rows).toHaveLength(2);
    for (const c of [
      'stages.inspection.servers',
      'aeo_mean_h',
      'aeo_mean_ci95',
      'non_aeo_p90_h',
      'inspection_wait_mean_h',
      'general_inspection_rate',
    ])
      expect(cols).toContain(c);
    const wait = rows.map((row) => Number(row.split(',')[cols.indexOf('inspection_wait_mean_h')]));
    expect(wait[1]).toBeLessThan(wait[0]);
    const bad = clearsim(['sweep', 'scenarios/flood-disruption.yaml', '--param', 'stages.inspection.servers=0,10', '--days', '3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--param stages.inspection.servers=0');
  });
});

describe('MSER-5 warm-up', () => {
  it('truncates an initial transient and leaves a stationary series alone', () => {
    let x = 7;
    const noise = () => (x = (x * 16807) % 2147483647) / 2147483647 - 0.5;
    const transient = Array.from({ length: 500 }, (_, i) => 10 + noise() + (i < 100 ? 20 * (1 - i / 100) : 0));
    const d = mser5(transient).truncate * 5;
    expect(d).toBeGreaterThanOrEqual(60);
    expect(d).toBeLessThanOrEqual(130);
    const flat = Array.from({ length: 500 }, () => 10 + noise());
    expect(mser5(flat).truncate * 5).toBeLessThan(100);
  });

  it('says in the report whether the warm-up was long enough', () => {
    // a start-up backlog: acceptance at 20% for the first three days, and no warm-up configured
    const backlog = [
      '--set',
      'horizon.warmup_days=0',
      '--set',
      'disruptions.0.start=0',
      '--set',
      'disruptions.0.duration=3d',
      '--set',
      'disruptions.0.capacity.declaration=0.2',
    ];
    const w = JSON.parse(clearsim(['run', 'scenarios/flood-disruption.yaml', '--json', ...backlog]).stdout).warmup;
    expect(w.configured_days).toBe(0);
    expect(w.mser5_days).toBeGreaterThan(2);
    expect(w.mser5_days).toBeLessThan(8);
    expect(w.sufficient).toBe(false);
    const ok = JSON.parse(
      clearsim(['run', 'scenarios/flood-disruption.yaml', '--json', ...backlog, '--set', 'horizon.warmup_days=8']).stdout,
    ).warmup;
    expect(ok.sufficient).toBe(true);
  });
});

describe('clearsim run --trace', () => {
  it('streams one row per released shipment with times that add up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-trace-'));
    const csv = join(dir, 't.csv'),
      jsonl = join(dir, 't.jsonl');
    const r = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--days', '5', '--json', '--trace', csv]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    const [head, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    const cols = head.split(',');
    expect(rows).toHaveLength(report.shipments.released);
    const at = (row: string[], c: string) => Number(row[cols.indexOf(c)]);
    for (const line of rows.slice(0, 2000)) {
      const row = line.split(',');
      const clearance = at(row, 'clearance_h');
      expect(clearance).toBeCloseTo(Math.max(0, at(row, 'release_h') - at(row, 'arrival_h')), 5);
      expect(at(row, 'declaration_end_h')).toBeGreaterThanOrEqual(at(row, 'declaration_start_h'));
    }
    const j = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--days', '5', '--trace', jsonl]);
    expect(j.status).toBe(0);
    const first = JSON.parse(readFileSync(jsonl, 'utf8').split('\n')[0]);
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(['id', 'tier', 'lane', 'arrival', 'stages', 'release', 'clearance', 'finding']),
    );
    expect(clearsim(['run', 'scenarios/chongqing-2023.yaml', '--trace', join(dir, 't.txt')]).status).toBe(2);
  });
});
