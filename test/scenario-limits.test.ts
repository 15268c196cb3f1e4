import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { RunTooLargeError, ScenarioError } from '../src/errors.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';
import { runReplication } from '../src/runtime/run.js';
import { DEFAULT_MAX_EVENTS, MAX_ISSUES } from '../src/scenario/limits.js';
import { loadScenarioFile, loadScenarioObject, loadScenarioText, parseOverride } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { checkWorkBudget, estimateWork } from '../src/scenario/work-estimate.js';
import { incompleteFields } from './helpers/report-complete.js';

/*
 * The limits of an accepted scenario (docs/scenario-format.md, "Limits"), in process: each input
 * an attacker tried is refused naming its field, or runs to a complete report; the work
 * estimate and its budget; the override index, file, nesting and error-list limits.
 */

// the v1 baseline (tier shares): these limits are about the scenario format, and its figures are pinned
const BASE_FILE = 'test/fixtures/v1/chongqing-2023.yaml';
const BASE = readFileSync(BASE_FILE, 'utf8');
const sets = (...s: string[]) => s.map(parseOverride);
const load = (...s: string[]) => loadScenarioText(BASE, 'base.yaml', sets(...s));

/** The issues of a load that must fail with a ScenarioError. */
function issuesOf(f: () => unknown): { source: string; line?: number; path: string; message: string }[] {
  try {
    f();
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues;
    throw err;
  }
  throw new Error('accepted, but should have been refused');
}

/** A short run of an accepted scenario: its report must be complete. */
function runShort(s: Scenario) {
  const { report } = runReplication({ ...s, horizonDays: Math.min(s.horizonDays, 2), warmupDays: 0 });
  expect(incompleteFields(report, s)).toEqual([]);
  return report;
}

const digits400 = '9'.repeat(400);

describe('values that made an accepted scenario endless, abort or print nulls are refused, naming the field', () => {
  it.each([
    [
      'a lognormal hold with sigma 100',
      'findings.hold={dist: lognormal, median: 1h, sigma: 100}',
      'findings.hold.sigma',
      'must be <= 3 (got 100)',
    ],
    [
      'a lead with sigma 5 (its 1 - 1e-6 quantile is the lookahead)',
      'lodgement.lead={dist: lognormal, median: 12h, sigma: 5}',
      'lodgement.lead.sigma',
      'must be <= 3 (got 5)',
    ],
    [
      'a lead whose lookahead would be 36 days',
      'lodgement.lead={dist: lognormal, median: 12h, sigma: 0.9}',
      'lodgement.lead',
      'past the limit of 30.00 d: how far ahead of their arrival shipments are drawn',
    ],
    [
      'a constant hold of 99999999d',
      'findings.hold={dist: constant, value: 99999999d}',
      'findings.hold.value',
      'must be at most 10 years (3650d) (got "99999999d")',
    ],
    [
      'a service time of 400 digits',
      `stages.payment.service={dist: constant, value: ${digits400}h}`,
      'stages.payment.service.value',
      'must be a duration of at most 9 digits before the point and 9 after',
    ],
    [
      'a disruption of 400 digits closing a stage',
      `disruptions=[{name: x, start: 1d, duration: ${digits400}h, capacity: {declaration: 0}}]`,
      'disruptions.0.duration',
      'at most 9 digits',
    ],
    [
      'one hourly weight 1e308',
      `arrivals.hourly_profile=[1e308${', 1'.repeat(23)}]`,
      'arrivals.hourly_profile.0',
      'must be <= 1000000 (got 1e+308)',
    ],
    [
      'all 24 hourly weights 1e308',
      `arrivals.hourly_profile=[1e308${', 1e308'.repeat(23)}]`,
      'arrivals.hourly_profile.23',
      'must be <= 1000000 (got 1e+308)',
    ],
    ['a gamma cv of 1e200', 'lodgement.delay={dist: gamma, mean: 6h, cv: 1e200}', 'lodgement.delay.cv', 'must be <= 10 (got 1e+200)'],
    [
      'a gamma cv of 1e-7 (a shape of 1e14: minutes per draw)',
      'lodgement.delay={dist: gamma, mean: 6h, cv: 0.0000001}',
      'lodgement.delay.cv',
      'must be >= 0.01',
    ],
    [
      'an exponential hold whose tail is past 10 years',
      'findings.hold={dist: exponential, mean: 1000d}',
      'findings.hold',
      'one draw in a million is above 13815.51 d (its 1 - 1e-6 quantile), past the limit of 3650.00 d; lower its mean',
    ],
    [
      'a lognormal value of 1e300 CNY',
      'tiers.aeo.value={dist: lognormal, mean: 1e300, cv: 1.5}',
      'tiers.aeo.value.mean',
      'must be <= 1000000000000',
    ],
    ['per_day 1e308', 'arrivals.per_day=1e308', 'arrivals.per_day', 'must be <= 1000000'],
    ['seed 1e308 (not an exact integer)', 'seed=1e308', 'seed', 'must be <= 9007199254740991 (got 1e+308)'],
    ['a boolean that is .nan', 'tiers.aeo.aeo=.nan', 'tiers.aeo.aeo', 'must be a boolean (got NaN)'],
    [
      'a disruption multiplying arrivals by 1e308',
      'disruptions=[{name: x, start: 1d, duration: 1d, arrivals: 1e308}]',
      'disruptions.0.arrivals',
      'must be <= 1000',
    ],
    [
      'a stage offered 12,400 times its capacity (a drain of 950 years)',
      'stages.inspection.service={dist: constant, value: 3000d}',
      'stages.inspection',
      'is offered 12400 times its capacity on average: its queue would take about 949 years to drain',
    ],
  ])('%s', (_name, set, path, message) => {
    const issues = issuesOf(() => load(set));
    const hit = issues.find((i) => i.path === path && i.message.includes(message));
    expect(hit, JSON.stringify(issues, null, 1)).toBeDefined();
  });

  it('a seed of 2^53 - 1 is accepted and runs', () => {
    const s = load(`seed=${2 ** 53 - 1}`, 'horizon.days=1', 'horizon.warmup_days=0');
    expect(s.seed).toBe(2 ** 53 - 1);
    runShort(s);
  });

  it.each([
    ['the widest lognormal hold (sigma 3, median 1m)', 'findings.hold={dist: lognormal, median: 1m, sigma: 3}'],
    ['a gamma service with cv 10', 'stages.declaration.service={dist: gamma, mean: 15m, cv: 10}'],
    ['a gamma service with cv 0.01', 'stages.declaration.service={dist: gamma, mean: 15m, cv: 0.01}'],
    ['a lead at 29 days of lookahead', 'lodgement.lead={dist: lognormal, median: 12h, sigma: 0.86}'],
    ['one hourly weight 1e6, the others 0', `arrivals.hourly_profile=[1000000${', 0'.repeat(23)}]`],
    ['a stage closed by a disruption for 400 days', 'disruptions=[{name: strike, start: 12h, duration: 400d, capacity: {declaration: 0}}]'],
    ['a stage offered 12 times its capacity for a day (it drains)', 'stages.inspection.service={dist: constant, value: 3d}'],
    ['a hold of 10 years', 'findings.hold={dist: constant, value: 3650d}'],
  ])('at the limit and accepted: %s runs to a complete report', (_name, set) => {
    const s = load(set, 'horizon.days=1', 'horizon.warmup_days=0');
    const report = runShort(s);
    expect(report.shipments.released).toBe(report.shipments.arrived);
  });

  it('the completeness check itself flags NaN, Infinity and a null that is not documented', () => {
    const s = load('horizon.days=1', 'horizon.warmup_days=0');
    const report = runShort(s);
    const broken = structuredClone(report) as any;
    broken.by_tier.aeo.clearance_hours.mean = NaN;
    broken.stages.declaration.utilization = null;
    broken.overall.inspection_rate = Infinity;
    expect(incompleteFields(broken, s)).toEqual([
      'by_tier.aeo.clearance_hours.mean: NaN',
      'overall.inspection_rate: Infinity',
      'stages.declaration.utilization: null',
    ]);
  });
});

describe('the work estimate', () => {
  it.each([
    ['chongqing-2023', []],
    ['aeo-expansion', []],
    ['flood-disruption', []],
    ['chongqing-2023', ['seed=7', 'replications=3', 'horizon.days=14']],
  ] as [string, string[]][])('is within 3%% of the events and shipments of the golden report of $0 $1', (name, over) => {
    const s = loadScenarioFile(`test/fixtures/v1/${name}.yaml`, sets(...over));
    const golden = JSON.parse(readFileSync(`test/golden/${name}${over.length ? '-seed7-r3-14d' : ''}.json`, 'utf8'));
    const w = estimateWork(s);
    expect(Math.abs(w.events * s.replications - golden.events) / golden.events).toBeLessThan(0.03);
    expect(Math.abs(w.shipments * s.replications - golden.shipments.arrived) / golden.shipments.arrived).toBeLessThan(0.03);
  });

  it("counts a disruption's arrival multiplier over its window only", () => {
    const base = estimateWork(load('horizon.days=7')).shipments;
    const doubled = estimateWork(load('horizon.days=7', 'disruptions=[{name: rush, start: 0, duration: 7d, arrivals: 2}]')).shipments;
    const day = estimateWork(load('horizon.days=7', 'disruptions=[{name: rush, start: 2d, duration: 1d, arrivals: 3}]')).shipments;
    expect(doubled / base).toBeCloseTo(2, 6);
    // Wednesday at the weekday weight (1 / 0.857 of the mean): 2 more Wednesdays' worth of arrivals
    expect(day - base).toBeCloseTo((2 * 1200 * 7) / 6, 0);
  });

  it('the budget lets a simulated year of the baseline run, and 10 of them; ten years of 10 need --max-events', () => {
    const year = load('horizon.days=365');
    expect(checkWorkBudget([{ scenario: year }])).toBeLessThan(2.5e6);
    expect(checkWorkBudget([{ scenario: year, replications: 10 }])).toBeLessThan(DEFAULT_MAX_EVENTS);
    const decade = load('horizon.days=3650', 'replications=10');
    expect(() => checkWorkBudget([{ scenario: decade }])).toThrow(RunTooLargeError);
    let message = '';
    try {
      checkWorkBudget([{ scenario: decade }], DEFAULT_MAX_EVENTS, 'raise the budget with --max-events N');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /^chongqing-2023: the run would take ~23\d,000,000 simulated events \(~23,\d00,000 per replication x 10 replications, ~43,800,000 shipments\), above the budget of 50,000,000 events\. .*raise the budget with --max-events N \(this one needs 23\d000000\)$/,
    );
    expect(checkWorkBudget([{ scenario: decade }], 234_000_000)).toBeGreaterThan(DEFAULT_MAX_EVENTS);
  });
});

describe('override indices', () => {
  it('an index far past the end of a list is refused at once, naming the override', () => {
    const t0 = performance.now();
    const issues = issuesOf(() => load('flow.intake.99999999=x'));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(issues).toEqual([
      {
        source: '--set flow.intake.99999999=x',
        path: 'flow.intake.99999999',
        message: 'index 99999999 is past the end of flow.intake, which has 1 item (use 0 to 1; 1 adds one)',
      },
    ]);
  });

  it('the index that appends is taken; one past it is not', () => {
    expect(load('flow.intake.1=documentary').flow.intake).toEqual([0, 1]);
    expect(issuesOf(() => load('flow.intake.2=documentary'))[0].message).toContain('index 2 is past the end of flow.intake');
  });

  it('a list that does not exist yet can only be started at index 0', () => {
    const started = issuesOf(() => load('disruptions.0.name=x'));
    expect(started.map((i) => i.path)).toEqual(expect.arrayContaining(['disruptions.0.start', 'disruptions.0.duration']));
    expect(issuesOf(() => load('disruptions.3.name=x'))).toEqual([
      {
        source: '--set disruptions.3.name=x',
        path: 'disruptions.3.name',
        message: 'index 3 of a list that does not exist yet: disruptions can only be started at index 0',
      },
    ]);
  });

  it('an override value nested too deep, or with a duplicate key, is refused', () => {
    expect(issuesOf(() => parseOverride(`arrivals.hourly_profile=${'['.repeat(100_000)}${']'.repeat(100_000)}`))[0].message).toBe(
      'the value is nested more than 32 levels deep',
    );
    expect(issuesOf(() => parseOverride('tiers.aeo.lanes={red: 0.1, red: 0.2, yellow: 0}'))).toEqual([
      {
        source: '--set tiers.aeo.lanes={red: 0.1, red: 0.2, yellow: 0}',
        path: 'tiers.aeo.lanes.red',
        message: 'duplicate key in the value',
      },
    ]);
  });
});

describe('large and malformed inputs are refused in linear time, with a capped list', () => {
  it('10,000 unknown keys: the first 50 problems, and how many more', () => {
    const text = `${BASE + Array.from({ length: 10_000 }, (_, i) => `zz${i}: 1`).join('\n')}\n`;
    const t0 = performance.now();
    const issues = issuesOf(() => loadScenarioText(text, 'many.yaml'));
    const ms = performance.now() - t0;
    expect(issues).toHaveLength(MAX_ISSUES + 1);
    expect(issues[0]).toMatchObject({ source: 'many.yaml', path: 'zz0', message: expect.stringContaining('unknown key') });
    expect(issues[MAX_ISSUES]).toEqual({ source: 'many.yaml', path: '', message: '... and 9950 more problems (the first 50 are listed)' });
    console.log(`10,000 unknown keys rejected in ${ms.toFixed(0)} ms`);
  });

  it('8,000 keys given twice: each a duplicate, listed in the order of the file', () => {
    const keys = Array.from({ length: 8000 }, (_, i) => `  k${i}: 1`).join('\n');
    const text = BASE.replace('risk:\n', () => `risk:\n${keys}\n${keys}\n`);
    const issues = issuesOf(() => loadScenarioText(text, 'dups.yaml'));
    expect(issues).toHaveLength(MAX_ISSUES + 1);
    expect(issues[MAX_ISSUES].message).toBe(`... and ${8000 * 2 - MAX_ISSUES} more problems (the first 50 are listed)`);
    expect(issues.filter((i) => i.message.startsWith('unknown key'))).toHaveLength(MAX_ISSUES);
  });

  it('a duplicate key names its path and where it was first given, along with the other problems', () => {
    const text = BASE.replace('  per_day: 1200\n', '  per_day: 1200\n  per_day: 1300\n').replace('seed: 2023', 'seed: -1');
    expect(issuesOf(() => loadScenarioText(text, 'd.yaml'))).toEqual([
      { source: 'd.yaml', line: 11, path: 'seed', message: 'must be >= 0 (got -1)' },
      { source: 'd.yaml', line: 17, path: 'arrivals.per_day', message: 'duplicate key (first given on line 16)' },
    ]);
  });

  it('nesting deeper than 32 levels, a few or a million brackets, is refused with its line', () => {
    for (const depth of [33, 500_000]) {
      const text = `${BASE}deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
      const t0 = performance.now();
      const issues = issuesOf(() => loadScenarioText(text, 'deep.yaml'));
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(issues).toEqual([
        {
          source: 'deep.yaml',
          line: BASE.split('\n').length,
          path: '',
          message: 'not valid here: mappings and lists are nested more than 32 levels deep (a scenario needs 5)',
        },
      ]);
    }
    // 32 is still read (and then judged by the schema)
    expect(issuesOf(() => loadScenarioText(`${BASE}deep: ${'['.repeat(31)}${']'.repeat(31)}\n`, 'ok.yaml'))[0].message).toContain(
      'unknown key',
    );
    expect(
      issuesOf(() => loadScenarioObject({ ...JSON.parse(JSON.stringify({ a: 1 })), deep: JSON.parse('['.repeat(40) + ']'.repeat(40)) }))[0]
        .message,
    ).toContain('nested more than 32 levels');
  });

  it('text over 1 MiB is refused before it is parsed', () => {
    expect(issuesOf(() => loadScenarioText(`${BASE}#${'x'.repeat(1024 * 1024)}`, 'big.yaml'))[0].message).toMatch(
      /^is larger than 1 MiB \(\d+ bytes\); a scenario is a few kB$/,
    );
  });
});

describe('scenario files that are not files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clearsim-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('/dev/zero (a device that never ends) is refused before reading', () => {
    expect(issuesOf(() => loadScenarioFile('/dev/zero'))).toEqual([
      { source: '/dev/zero', path: '', message: 'is not a regular file (a character device); give a scenario file' },
    ]);
  });

  it('a named pipe is refused without waiting for a writer', () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(issuesOf(() => loadScenarioFile(fifo))[0].message).toBe('is not a regular file (a named pipe); give a scenario file');
  });

  it('a file over 1 MiB is refused by its size', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `${BASE}#${'x'.repeat(1024 * 1024)}\n`);
    expect(issuesOf(() => loadScenarioFile(big))[0].message).toMatch(/^is larger than 1 MiB \(\d+ bytes\)/);
  });
});

describe('one pass: schema and cross-field problems together', () => {
  it('five mistakes, two of the schema and three across fields, are all listed in the order of the file', () => {
    const text = BASE.replace('seed: 2023', 'seed: -1')
      .replace('  per_day: 1200', '  per_day: lots')
      .replace('    shipment_share: 0.63', '    shipment_share: 0.6')
      .replace('  release: [payment]', '  release: [paymnet]')
      .replace('horizon: { days: 28, warmup_days: 3 }', 'horizon: { days: 28, warmup_days: 30 }');
    expect(issuesOf(() => loadScenarioText(text, 'five.yaml')).map((i) => `${i.line} ${i.path}: ${i.message}`)).toEqual([
      '11 seed: must be >= 0 (got -1)',
      '12 horizon.warmup_days: must be less than horizon.days (got 30 >= 28)',
      '16 arrivals.per_day: must be a number (got "lots")',
      '20 tiers: shipment_share must sum to 1 over the tiers (got 0.97)',
      '72 flow.release.0: unknown stage "paymnet" (stages: declaration, documentary, inspection, payment)',
    ]);
  });

  it('a check across fields is skipped only when a field it reads is itself wrong', () => {
    // the share that is out of range is reported once, not again in a sum; the stage list still resolves
    const issues = issuesOf(() => load('tiers.aeo.shipment_share=1.5', 'stages.inspection.servers=0', 'flow.release=[payment, xray]'));
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'tiers.aeo.shipment_share: must be between 0 and 1 (got 1.5)',
      'stages.inspection.servers: must be a whole number >= 1 or "unlimited" (got 0)',
      'flow.release.1: unknown stage "xray" (stages: declaration, documentary, inspection, payment)',
    ]);
  });
});

describe('the API applies the same limits', () => {
  const app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
  afterAll(() => app.close());
  const post = (payload: string) => app.inject({ method: 'POST', url: '/runs', headers: { 'content-type': 'application/json' }, payload });

  it('a duplicate key in the JSON body is a 400 naming it', async () => {
    const r = await post('{"scenario": "chongqing-2023", "overrides": {"seed": 1}, "days": 2, "days": 3}');
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'CLEARSIM_BAD_JSON',
      message: 'body.days: the key "days" is given twice (JSON parsers keep the last one silently; give it once)',
    });
    const inline = await post(JSON.stringify({ scenario: { name: 'a' } }).replace('"name":"a"', '"name":"a","seed":1,"seed":2'));
    expect(inline.json().message).toBe(
      'body.scenario.seed: the key "seed" is given twice in scenario (JSON parsers keep the last one silently; give it once)',
    );
    // the same key written with an escape is the same key
    expect((await post('{"scenario": "chongqing-2023", "d\\u0061ys": 2, "days": 3}')).json().message).toContain('"days" is given twice');
  });

  it('a body nested deeper than 32 levels is a 400', async () => {
    const r = await post(`{"scenario": "chongqing-2023", "overrides": {"a": ${'['.repeat(200_000)}${']'.repeat(200_000)}}}`);
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/^body\.overrides\.a(\.0)+: nested more than 32 levels deep$/);
  });

  it('an override index far past the end is a short 400, not a list of 300,000 items', async () => {
    const r = await post('{"scenario":"chongqing-2023","overrides":{"flow.intake.300000":"x"}}');
    expect(r.statusCode).toBe(400);
    expect(r.body.length).toBeLessThan(1000);
    expect(r.json().message).toBe(
      'overrides["flow.intake.300000"]: index 300000 is past the end of flow.intake, which has 1 item (use 0 to 1; 1 adds one)',
    );
  });

  it('a run over the work budget is a 400 naming the estimate; the server option raises it', async () => {
    const r = await post(JSON.stringify({ scenario: 'chongqing-2023', days: 3650, replications: 10 }));
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('CLEARSIM_RUN_TOO_LARGE');
    expect(r.json().message).toContain(
      "above the budget of 50,000,000 events. Shorten horizon.days, lower replications or arrivals.per_day, or raise it with this server's maxEvents option",
    );
    const small = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), maxEvents: 1000 });
    try {
      const s = await small.inject({
        method: 'POST',
        url: '/runs',
        payload: { scenario: 'chongqing-2023', days: 1, overrides: { 'horizon.warmup_days': 0 } },
      });
      expect(s.statusCode).toBe(400);
      expect(s.json().message).toContain('above the budget of 1,000 events');
    } finally {
      await small.close();
    }
  });
});

describe('clearsim run, compare and sweep refuse a run over the budget (exit 2), --max-events raises it', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/clearsim.js', ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120_000 });

  it.each([
    [
      'run',
      ['run', BASE_FILE, '--days', '3650', '--replications', '10'],
      /^chongqing-2023: the run would take ~23\d,000,000 simulated events \(~23,\d00,000 per replication x 10 replications/,
    ],
    [
      'compare',
      ['compare', BASE_FILE, '--set', 'priority.mode=never', '--days', '3650'],
      /^chongqing-2023: the 2 scenarios would take ~46\d,000,000 simulated events together/,
    ],
    [
      'sweep',
      ['sweep', BASE_FILE, '--param', 'stages.inspection.servers=20,30', '--days', '3650'],
      /^chongqing-2023: the 2 scenarios would take ~23\d,000,000 simulated events together/,
    ],
  ] as [string, string[], RegExp][])('%s', (_name, args, message) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('above the budget of 50,000,000 events');
    expect(r.stderr).toContain('--max-events N');
  });

  it('--max-events lowers or raises the budget', () => {
    const refused = cli('run', BASE_FILE, '--days', '1', '--set', 'horizon.warmup_days=0', '--max-events', '1000');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('above the budget of 1,000 events');
    const ran = cli('run', BASE_FILE, '--days', '4', '--max-events', '30000', '--json');
    expect(ran.status).toBe(0);
    expect(JSON.parse(ran.stdout).events).toBeLessThan(30000);
  });

  it('clearsim validate prints the estimate of each file', () => {
    const r = cli('validate', BASE_FILE, '--set', 'horizon.days=365');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${BASE_FILE}: work: ~438,000 shipments, ~2,3[34]0,000 events per replication$`, 'm'));
  });
});
