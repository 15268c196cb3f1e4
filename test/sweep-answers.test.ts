import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearsim } from './helpers/cli.js';

const FIXTURE = 'test/fixtures/tandem-mmc.yaml';
const dir = mkdtempSync(join(tmpdir(), 'clearsim-sweep-answers-'));

/** A CSV's header and rows as records (the sweep's cells hold no commas or quotes). */
function readCsv(file: string) {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return { cols, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v]))) };
}

describe('sweep --target', () => {
  const out = join(dir, 'sweep.csv');
  const html = join(dir, 'sweep.html');
  const reps = join(dir, 'reps.csv');
  const target = 'overall.clearance_hours.mean<=1.95h';
  const r = clearsim([
    'sweep',
    FIXTURE,
    '--param',
    'stages.first.servers=5,6,7',
    '--param',
    'stages.second.servers=3,4',
    '--replications',
    '3',
    '--target',
    target,
    '--out',
    out,
    '--report',
    html,
    '--replication-rows',
    reps,
  ]);

  it('marks exactly the points whose estimates meet it', () => {
    expect(r.status, r.stderr).toBe(0);
    const { rows } = readCsv(out);
    expect(rows).toHaveLength(6);
    let meeting = 0;
    for (const row of rows) {
      // the target's statistic is the point's overall mean clearance; the mark is the estimate against 1.95
      const v = Number(row.target1_value);
      expect(v).toBeGreaterThan(1);
      expect(row.target1_meets).toBe(String(v <= 1.95));
      if (v <= 1.95) meeting++;
      expect(['holds', 'fails', 'unsure']).toContain(row.target1_verdict);
      if (row.target1_verdict === 'holds') expect(row.target1_meets).toBe('true');
      if (row.target1_verdict === 'fails') expect(row.target1_meets).toBe('false');
    }
    // Erlang C: 5 first-stage servers are over 1.95 h (2.28 h, 2.10 h), 6 and 7 under (1.69-1.86 h)
    expect(meeting).toBe(4);
    for (const row of rows) expect(row.target1_meets).toBe(String(row['stages.first.servers'] !== '5'));
    expect(r.stdout).toMatch(/target 1, overall\.clearance_hours\.mean<=1\.95h: 4 of 6 points meet it by their estimate/);
    const table = r.stdout.split('\n').find((l) => l.includes('meets target 1'));
    expect(table).toBeDefined();
  });

  it('has unique CSV headers and a _ci95 after every statistic', () => {
    const { cols } = readCsv(out);
    expect(new Set(cols).size).toBe(cols.length);
    const stats = cols.filter((c) => /(_h|_utilization|_inspection_rate)$/.test(c));
    expect(stats.length).toBeGreaterThan(10);
    for (const c of stats) expect(cols).toContain(c.endsWith('_h') ? `${c.slice(0, -2)}_ci95` : `${c}_ci95`);
    for (const c of ['first_wait_mean_ci95', 'second_utilization_ci95', 'all_inspection_rate_ci95', 'target1_ci95'])
      expect(cols).toContain(c);
  });

  it('writes one row per point and replication, whose means are the point rows', () => {
    const { rows: pts } = readCsv(out);
    const { cols, rows } = readCsv(reps);
    expect(rows).toHaveLength(6 * 3);
    expect(cols).toContain('replication');
    expect(cols.some((c) => c.endsWith('_ci95'))).toBe(false);
    for (const p of pts) {
      const mine = rows.filter(
        (x) => x['stages.first.servers'] === p['stages.first.servers'] && x['stages.second.servers'] === p['stages.second.servers'],
      );
      expect(mine.map((x) => x.replication)).toEqual(['0', '1', '2']);
      const m = mine.reduce((a, x) => a + Number(x.all_mean_h), 0) / 3;
      expect(m).toBeCloseTo(Number(p.all_mean_h), 4);
    }
  });

  it('draws the threshold and a heatmap for two parameters in the HTML', () => {
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('data-chart="sweep-target-1"');
    expect(page).toMatch(/threshold: &lt;= 1\.95 h/);
    expect(page).toContain('stroke-dasharray');
    expect(page).toContain('data-chart="sweep-heatmap"');
    // the ticked cells are the points meeting the target
    expect(page.match(/✓ /g)).toHaveLength(4);
    expect(page).not.toMatch(/<script/i);
  });
});

describe('sweep table with a disruption', () => {
  it('titles every column uniquely, the disruption columns by its number', () => {
    const r = clearsim([
      'sweep',
      'scenarios/flood-disruption.yaml',
      '--param',
      'stages.inspection.servers=20',
      '--replications',
      '2',
      '--days',
      '14',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const head = r.stdout.split('\n').find((l) => l.includes('AEO mean'))!;
    const titles = head
      .split('│')
      .map((x) => x.trim())
      .filter(Boolean);
    expect(new Set(titles).size).toBe(titles.length);
    expect(titles).toContain('disruption 0: non-AEO p90');
    expect(titles).toContain('disruption 0: AEO p90');
    expect(r.stdout).toMatch(/disruption 0: flood/);
  });
});

describe('sweep --target refuses bad input', () => {
  it.each([
    ['overall.clearance_hours.mean=<2h', /--target overall\.clearance_hours\.mean=<2h: must be PATH OP VALUE/],
    ['overall.clearance_hours.mean<=soon', /is not a number or a duration/],
    ['overall.clearance_hour.mean<=2h', /did you mean overall\.clearance_hours\.mean\?/],
  ])('%s', (target, message) => {
    const r = clearsim(['sweep', FIXTURE, '--param', 'stages.first.servers=6', '--replications', '2', '--days', '5', '--target', target]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
