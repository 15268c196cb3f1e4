import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearsim } from './helpers/cli.js';
import { reportProblems } from './helpers/report-shape.js';

const withoutWall = (r: any) => JSON.stringify(r, (k, v) => (k === 'wall_seconds' ? undefined : v));

describe('clearsim run', () => {
  const short = ['--days', '10'];
  const a = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--json', ...short]);

  it('prints a report with every contract field of docs/report.md on stdout and nothing else', () => {
    expect(a.status).toBe(0);
    const r = JSON.parse(a.stdout);
    expect(reportProblems(r)).toEqual([]);
    expect(r.runtime).toBe('embedded');
    expect(r.scenario).toBe('chongqing-2023');
    expect(r.horizon_days).toBe(10);
    expect(r.shipments.in_progress).toBe(0);
  });

  it('gives the same report for the same seed and another for another seed', () => {
    const b = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--json', ...short]);
    expect(withoutWall(JSON.parse(b.stdout))).toBe(withoutWall(JSON.parse(a.stdout)));
    const c = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--json', '--seed', '7', ...short]);
    const rc = JSON.parse(c.stdout);
    expect(rc.seed).toBe(7);
    expect(rc.shipments.arrived).not.toBe(JSON.parse(a.stdout).shipments.arrived);
  });

  it('prints a readable summary by default and writes the report with --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-'));
    const out = join(dir, 'report.json');
    const r = clearsim(['run', 'scenarios/flood-disruption.yaml', '--out', out, ...short.slice(0, 0), '--days', '14']);
    expect(r.status).toBe(0);
    for (const heading of ['by tier', 'AEO vs non-AEO', 'By lane', 'By stage', 'during a disruption', 'declaration', 'inspection'])
      expect(r.stdout).toContain(heading);
    expect(r.stdout).toMatch(/AEO mean clearance is \d+% of non-AEO's/);
    expect(reportProblems(JSON.parse(readFileSync(out, 'utf8')))).toEqual([]);
  });

  it('adds 95% confidence half-widths with replications', () => {
    const r = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--json', '--days', '8', '--replications', '3']);
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.replications).toBe(3);
    expect(reportProblems(rep)).toEqual([]);
    const aeo = rep.by_tier.aeo.clearance_hours;
    expect(aeo.mean_ci95).toBeGreaterThan(0);
    expect(aeo.mean_ci95).toBeLessThan(aeo.mean);
    expect(rep.per_replication).toHaveLength(3);
    // the merged mean is the mean of the replications' means
    const means = rep.per_replication.map((p: any) => p.by_tier.aeo.mean);
    expect(aeo.mean).toBeCloseTo(means.reduce((x: number, y: number) => x + y, 0) / 3, 10);
  });

  it('refuses an unknown runtime with exit 2 and a clear message', () => {
    const r = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--runtime', 'nonsense']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--runtime');
  });

  it('fails a run that cannot write its --out file with exit 2, not a stack trace', () => {
    const r = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--days', '4', '--out', '/nonexistent-dir/x.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--out /nonexistent-dir/x.json');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('clearsim validate', () => {
  it('accepts every bundled scenario and reports offered loads below capacity', () => {
    const r = clearsim(['validate', 'scenarios/chongqing-2023.yaml', 'scenarios/aeo-expansion.yaml', 'scenarios/flood-disruption.yaml']);
    expect(r.status).toBe(0);
    expect(r.stdout.match(/: ok \(/g)).toHaveLength(3);
    for (const m of r.stdout.matchAll(/(\w+) (\d+)%/g)) expect(Number(m[2])).toBeLessThan(100);
    expect(r.stderr).toBe('');
  });

  it('prints usage and exits 2 with no command', () => {
    const r = clearsim([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Usage: clearsim');
  });
});
