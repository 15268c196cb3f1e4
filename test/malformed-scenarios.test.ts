import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/*
 * Malformed scenarios through the real CLI (the compiled dist/, as a user runs it): each must
 * exit 2 with `file:line path: message` on stderr, no stack trace, nothing on stdout.
 * Build first: `npx tsc -p tsconfig.json` (npm test does).
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'clearsim.js');
// the v1 baseline (tier shares): edits of its text make the malformed files below
const BASE_FILE = join(ROOT, 'test', 'fixtures', 'v1', 'chongqing-2023.yaml');
const BASE = readFileSync(BASE_FILE, 'utf8');

// A debug flag inherited from the shell would print stacks on purpose; the tests want the user's view.
const env = { ...process.env, CI: '1' };
delete env.CLEARSIM_DEBUG;

function clearsim(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
}

/**
 * 1-based line of the only occurrence of `needle` in `text`, or of its first occurrence after
 * `after` (a case whose needle matches twice is a broken case, not a pass by luck).
 */
function lineOf(text: string, needle: string, after?: string): number {
  const from = after === undefined ? 0 : text.indexOf(after);
  if (from < 0) throw new Error(`case is stale: ${JSON.stringify(after)} not in the text`);
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`case is stale: ${JSON.stringify(needle)} not in the text`);
  if (after === undefined && text.indexOf(needle, at + 1) >= 0)
    throw new Error(`case is ambiguous: ${JSON.stringify(needle)} occurs twice`);
  return text.slice(0, at).split('\n').length;
}

/** The base scenario with `from` (which must occur exactly once) replaced by `to`. */
function edit(from: string, to: string, text = BASE): string {
  lineOf(text, from);
  return text.replace(from, () => to);
}

let dir: string;
let seq = 0;
function write(text: string, ext = 'yaml'): string {
  const file = join(dir, `case-${++seq}.${ext}`);
  writeFileSync(file, text);
  return file;
}

interface Expected {
  /** File name or `--set ...` as printed. */
  source: string;
  line?: number;
  /** Dotted field path; '' for the whole document. */
  path: string;
  message: string;
}

/** Exit 2, nothing on stdout, no stack, and stderr lists each expected issue on a line of its own. */
function expectRejected(r: SpawnSyncReturns<string>, ...issues: Expected[]): string[] {
  expect(r.error, 'spawn failed').toBeUndefined();
  expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 2 });
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  expect(r.stderr).not.toMatch(/run failed|Error:|TypeError|ReferenceError/);
  const lines = r.stderr.trimEnd().split('\n');
  for (const i of issues) {
    const where = i.line === undefined ? i.source : `${i.source}:${i.line}`;
    const prefix = i.path ? `${where} ${i.path}: ` : `${where}: `;
    const hit = lines.find((l) => l.startsWith(prefix) && l.includes(i.message));
    expect(hit, `no line "${prefix}...${i.message}..." in stderr:\n${r.stderr}`).toBeDefined();
  }
  return lines;
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` first (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'clearsim-malformed-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  /** The scenario text; usually the base with one line changed. */
  text: string;
  ext?: string;
  /** Text of the line the problem is on, found in `text` for the expected line number. */
  at?: string;
  /** The expected line, when it is not the line of some text (a missing field's owner, line 1). */
  line?: number;
  path: string;
  message: string;
  /** Also through `clearsim run`, which must stop at the same error before simulating. */
  run?: boolean;
  /** stderr must be exactly this many lines (one mistake, one message). */
  lines?: number;
}

const extraDisruption = (capacity: string) =>
  edit(
    'priority: { mode: disruption, recovery: 72h }',
    `priority: { mode: disruption, recovery: 72h }\ndisruptions:\n  - name: flood\n    start: 10d\n    duration: 2d\n    capacity: ${capacity}`,
  );

const cases: Case[] = [
  {
    name: 'probability above 1',
    text: edit('    lanes: { red: 0.0057, yellow: 0.02 }', '    lanes: { red: 1.5, yellow: 0.02 }'),
    at: 'lanes: { red: 1.5',
    path: 'tiers.aeo.lanes.red',
    message: 'must be between 0 and 1 (got 1.5)',
    run: true,
  },
  {
    name: 'probability below 0',
    text: edit('    noncompliance: 0.2', '    noncompliance: -0.1'),
    at: 'noncompliance: -0.1',
    path: 'tiers.discredited.noncompliance',
    message: 'must be between 0 and 1 (got -0.1)',
  },
  {
    name: 'probability .nan (passes every bound unless numbers are strict)',
    text: edit('    noncompliance: 0.03', '    noncompliance: .nan'),
    at: 'noncompliance: .nan',
    path: 'tiers.general.noncompliance',
    message: 'must be a finite number (got NaN)',
  },
  {
    name: 'per_day .inf',
    text: edit('  per_day: 1200', '  per_day: .inf'),
    at: 'per_day: .inf',
    path: 'arrivals.per_day',
    message: 'must be a finite number (got Infinity)',
  },
  {
    name: 'misspelt key: did you mean, and no second "is required" for the same mistake',
    text: edit('    pre_arrival_share: 0.8', '    pre_arival_share: 0.8'),
    at: 'pre_arival_share',
    path: 'tiers.aeo.pre_arival_share',
    message: 'unknown key (did you mean "pre_arrival_share"?)',
    lines: 1,
  },
  {
    name: 'unknown key with no close match lists the known keys',
    text: edit('replications: 1', 'replications: 1\nspeedup: 2'),
    at: 'speedup: 2',
    path: 'speedup',
    message: 'unknown key (known keys: name, description, seed, horizon',
  },
  {
    name: 'unknown lane',
    text: edit('    lanes: { red: 0.0057, yellow: 0.02 }', '    lanes: { red: 0.0057, yellow: 0.02, purple: 0.1 }'),
    at: 'purple: 0.1',
    path: 'tiers.aeo.lanes.purple',
    message: 'unknown key (known keys: red, yellow, blue)',
  },
  {
    name: 'missing required field: reported on the key of the mapping that lacks it',
    text: edit('    noncompliance: 0.03\n', ''),
    at: '  general:',
    path: 'tiers.general.noncompliance',
    message: 'is required',
    run: true,
  },
  {
    name: 'missing required section',
    text: edit('risk:\n  targeting_lift: 4\n  detection: { documentary: 0.3, inspection: 0.9 }\n', ''),
    at: 'name: chongqing-2023',
    path: 'risk',
    message: 'is required',
  },
  {
    name: 'missing distribution parameter (gamma without cv)',
    text: edit('  delay: { dist: lognormal, median: 6h, sigma: 1.0 }', '  delay: { dist: gamma, mean: 6h }'),
    at: 'dist: gamma',
    path: 'lodgement.delay.cv',
    message: 'is required',
  },
  {
    name: 'string where a number goes',
    text: edit('  per_day: 1200', '  per_day: lots'),
    at: 'per_day: lots',
    path: 'arrivals.per_day',
    message: 'must be a number (got "lots")',
  },
  {
    name: 'string where a boolean goes',
    text: edit('    aeo: true', '    aeo: "yes"'),
    at: 'aeo: "yes"',
    path: 'tiers.aeo.aeo',
    message: 'must be a boolean (got "yes")',
  },
  {
    name: 'number where a boolean goes',
    text: edit('    guarantee_exempt: true', '    guarantee_exempt: 1'),
    at: 'guarantee_exempt: 1',
    path: 'tiers.aeo.guarantee_exempt',
    message: 'must be a boolean (got 1)',
  },
  {
    name: 'fraction where an integer goes',
    text: edit('seed: 2023', 'seed: 20.5'),
    at: 'seed: 20.5',
    path: 'seed',
    message: 'must be an integer (got 20.5)',
  },
  {
    name: 'scalar where a mapping goes',
    text: edit('horizon: { days: 28, warmup_days: 3 }', 'horizon: 28'),
    at: 'horizon: 28',
    path: 'horizon',
    message: 'must be a mapping (key: value) (got 28)',
  },
  {
    name: 'scalar where a list goes',
    text: edit('  release: [payment]', '  release: payment'),
    at: 'release: payment',
    path: 'flow.release',
    message: 'must be a list (got "payment")',
  },
  {
    name: 'duration without a unit',
    text: edit('priority: { mode: disruption, recovery: 72h }', 'priority: { mode: disruption, recovery: 72 }'),
    at: 'recovery: 72 }',
    path: 'priority.recovery',
    message: 'must be a duration with a unit (90s, 20m, 4h, 2d, 1.5h) or 0 (got 72)',
    run: true,
  },
  {
    name: 'malformed duration string',
    text: edit('  lead: { dist: lognormal, median: 12h, sigma: 0.8 }', '  lead: { dist: lognormal, median: 12 hours, sigma: 0.8 }'),
    at: '12 hours',
    path: 'lodgement.lead.median',
    message: 'must be a duration with a unit (90s, 20m, 4h, 2d, 1.5h) or 0 (got "12 hours")',
  },
  {
    name: 'unknown distribution',
    text: edit(
      'findings: { hold: { dist: lognormal, median: 2d, sigma: 0.5 } }',
      'findings: { hold: { dist: weibull, median: 2d, sigma: 0.5 } }',
    ),
    at: 'dist: weibull',
    path: 'findings.hold.dist',
    message: 'must be one of exponential, lognormal, gamma, triangular, uniform, constant (got "weibull")',
  },
  {
    name: 'lognormal with both {mean, cv} and {median, sigma}',
    text: edit(
      '  delay: { dist: lognormal, median: 6h, sigma: 1.0 }',
      '  delay: { dist: lognormal, median: 6h, sigma: 1.0, mean: 8h, cv: 1 }',
    ),
    at: 'mean: 8h, cv: 1',
    path: 'lodgement.delay',
    message: 'lognormal takes either {mean, cv} or {median, sigma}',
  },
  {
    name: 'lognormal with neither form',
    text: edit('  delay: { dist: lognormal, median: 6h, sigma: 1.0 }', '  delay: { dist: lognormal }'),
    at: 'delay: { dist: lognormal }',
    path: 'lodgement.delay',
    message: 'lognormal takes either {mean, cv} or {median, sigma}',
  },
  {
    name: 'lognormal with half a form (median, no sigma)',
    text: edit('  lead: { dist: lognormal, median: 12h, sigma: 0.8 }', '  lead: { dist: lognormal, median: 12h }'),
    at: 'lead: { dist: lognormal, median: 12h }',
    path: 'lodgement.lead',
    message: 'lognormal takes either {mean, cv} or {median, sigma}',
  },
  {
    name: 'triangular with min > mode',
    text: edit('  delay: { dist: lognormal, median: 6h, sigma: 1.0 }', '  delay: { dist: triangular, min: 5h, mode: 2h, max: 9h }'),
    at: 'dist: triangular',
    path: 'lodgement.delay',
    message: 'needs min <= mode <= max (got "5h", "2h", "9h")',
  },
  {
    name: 'uniform with min > max',
    text: edit('  delay: { dist: lognormal, median: 6h, sigma: 1.0 }', '  delay: { dist: uniform, min: 6h, max: 2h }'),
    at: 'dist: uniform',
    path: 'lodgement.delay',
    message: 'min must not exceed max (got min "6h", max "2h")',
  },
  {
    name: 'shipment shares not summing to 1',
    text: edit('    shipment_share: 0.63', '    shipment_share: 0.6'),
    at: 'tiers:',
    path: 'tiers',
    message: 'shipment_share must sum to 1 over the tiers (got 0.97)',
    run: true,
  },
  {
    name: 'trader shares not summing to 1',
    text: edit('    trader_share: 0.98', '    trader_share: 0.9'),
    at: 'tiers:',
    path: 'tiers',
    message: 'trader_share must sum to 1 over the tiers (got 0.92)',
  },
  {
    name: 'trader_share on some tiers only',
    text: edit('    trader_share: 0.014\n', ''),
    at: '  discredited:',
    path: 'tiers.discredited.trader_share',
    message: 'is required when another tier gives trader_share',
  },
  {
    name: 'red + yellow above 1',
    text: edit('    lanes: { red: 0.85, yellow: 0.1 }', '    lanes: { red: 0.85, yellow: 0.2 }'),
    at: 'lanes: { red: 0.85, yellow: 0.2 }',
    path: 'tiers.discredited.lanes',
    message: 'red + yellow must not exceed 1 (got 1.05)',
  },
  {
    name: 'blue lane share without a blue lane in the flow',
    text: edit('    lanes: { red: 0.0057, yellow: 0.02 }', '    lanes: { red: 0.0057, yellow: 0.02, blue: 0.1 }'),
    at: 'blue: 0.1',
    path: 'tiers.aeo.lanes.blue',
    message: 'needs flow.lanes.blue',
  },
  {
    name: 'flow names an unknown stage',
    text: edit('  release: [payment]', '  release: [paymnet]'),
    at: 'release: [paymnet]',
    path: 'flow.release.0',
    message: 'unknown stage "paymnet" (stages: declaration, documentary, inspection, payment)',
  },
  {
    name: 'lane flow names an unknown stage',
    text: edit('red: [documentary, inspection] }', 'red: [documentary, xray] }'),
    at: 'xray',
    path: 'flow.lanes.red.1',
    message: 'unknown stage "xray"',
  },
  {
    name: 'detection for an unknown stage',
    text: edit('  detection: { documentary: 0.3, inspection: 0.9 }', '  detection: { documentary: 0.3, inspectoin: 0.9 }'),
    at: 'inspectoin',
    path: 'risk.detection.inspectoin',
    message: 'unknown stage (stages: declaration, documentary, inspection, payment)',
  },
  {
    name: 'disruption capacity for an unknown stage',
    text: extraDisruption('{ inspektion: 0.5 }'),
    at: 'capacity: { inspektion',
    path: 'disruptions.0.capacity.inspektion',
    message: 'unknown stage (stages: declaration, documentary, inspection, payment)',
  },
  {
    name: 'disruption capacity below 0',
    text: extraDisruption('{ inspection: -1 }'),
    at: 'capacity: { inspection',
    path: 'disruptions.0.capacity.inspection',
    message: 'must be >= 0 (got -1)',
  },
  {
    name: 'servers 0',
    text: edit('    servers: 10', '    servers: 0'),
    at: 'servers: 0',
    path: 'stages.documentary.servers',
    message: 'must be a whole number >= 1 or "unlimited" (got 0)',
  },
  {
    name: 'servers "many"',
    text: edit('    servers: 10', '    servers: many'),
    at: 'servers: many',
    path: 'stages.documentary.servers',
    message: 'must be a whole number >= 1 or "unlimited" (got "many")',
    run: true,
  },
  {
    name: 'opening after closing',
    text: edit('    hours: { open: "08:00", close: "20:00" }', '    hours: { open: "21:00", close: "20:00" }'),
    at: 'open: "21:00"',
    path: 'stages.inspection.hours',
    message: 'open must be before close (got 21:00-20:00',
  },
  {
    name: 'opening time not HH:MM',
    text: edit('    hours: { open: "08:00", close: "20:00" }', '    hours: { open: "8am", close: "20:00" }'),
    at: 'open: "8am"',
    path: 'stages.inspection.hours.open',
    message: 'must be a time of day "HH:MM" (got "8am")',
  },
  {
    name: 'closing time 25:00',
    text: edit('    hours: { open: "08:00", close: "20:00" }', '    hours: { open: "08:00", close: "25:00" }'),
    at: 'close: "25:00"',
    path: 'stages.inspection.hours.close',
    message: 'must be a time of day "HH:MM" (got "25:00")',
  },
  {
    name: 'unknown weekday',
    text: edit('    hours: { open: "08:00", close: "20:00" }', '    hours: { open: "08:00", close: "20:00", days: [mon, tues] }'),
    at: 'days: [mon, tues]',
    path: 'stages.inspection.hours.days.1',
    message: 'must be one of mon, tue, wed, thu, fri, sat, sun (got "tues")',
  },
  {
    name: 'hourly_profile with 23 values',
    text: edit('8, 7, 6, 4, 3, 2, 2, 1, 1]', '8, 7, 6, 4, 3, 2, 2, 1]'),
    at: 'hourly_profile:',
    path: 'arrivals.hourly_profile',
    message: 'must have exactly 24 values (got 23)',
  },
  {
    name: 'warmup_days equal to days',
    text: edit('horizon: { days: 28, warmup_days: 3 }', 'horizon: { days: 28, warmup_days: 28 }'),
    at: 'horizon:',
    path: 'horizon.warmup_days',
    message: 'must be less than horizon.days (got 28 >= 28)',
  },
  {
    name: 'unknown priority mode',
    text: edit('priority: { mode: disruption, recovery: 72h }', 'priority: { mode: sometimes, recovery: 72h }'),
    at: 'mode: sometimes',
    path: 'priority.mode',
    message: 'must be one of always, disruption, never (got "sometimes")',
  },
  {
    name: 'tier name not an identifier',
    text: edit('  discredited:', '  3rd-tier:'),
    at: '3rd-tier:',
    path: 'tiers.3rd-tier',
    message: 'names must start with a letter',
  },
  {
    name: 'duplicate key: its path, and where it was first given',
    text: edit('    noncompliance: 0.03\n', '    noncompliance: 0.03\n    noncompliance: 0.04\n'),
    at: 'noncompliance: 0.04',
    path: 'tiers.general.noncompliance',
    message: `duplicate key (first given on line ${lineOf(BASE, '    noncompliance: 0.03')})`,
    lines: 1,
  },
  {
    name: 'duplicate key in a flow mapping',
    text: edit('    lanes: { red: 0.0057, yellow: 0.02 }', '    lanes: { red: 0.0057, yellow: 0.02, red: 0.01 }'),
    at: 'red: 0.01',
    path: 'tiers.aeo.lanes.red',
    message: 'duplicate key',
  },
  {
    name: 'YAML syntax: unterminated quote',
    text: edit('name: chongqing-2023', 'name: "chongqing-2023'),
    at: 'name: "chongqing',
    path: '',
    message: 'not valid YAML/JSON: Missing closing "quote',
  },
  {
    name: 'YAML syntax: unclosed [ is reported where it opens, not where the parser gave up',
    text: edit('  intake: [declaration]', '  intake: [declaration'),
    at: 'intake: [declaration',
    path: '',
    message: 'not valid YAML/JSON: Flow sequence in block collection must be sufficiently indented and end with a ]',
    run: true,
  },
  {
    name: 'YAML syntax: a second colon on a line',
    text: edit('  per_day: 1200', '  per_day: 1200: 3'),
    at: 'per_day: 1200: 3',
    path: '',
    message: 'not valid YAML/JSON: Nested mappings are not allowed in compact mappings',
  },
  {
    name: 'YAML: two documents in one file',
    text: `${BASE}---\nname: other\n`,
    at: '---',
    path: '',
    message: 'not valid YAML/JSON: a scenario file holds one document',
  },
  {
    name: 'YAML: alias without an anchor',
    text: edit('  per_day: 1200', '  per_day: *rate'),
    at: '*rate',
    path: 'arrivals.per_day',
    message: 'alias *rate has no anchor &rate before it',
  },
  {
    name: 'YAML: aliases that expand without bound (exit 2, not a crash)',
    text: 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n',
    at: 'b: &b',
    path: '',
    message: 'aliases expand to too many nodes',
  },
  {
    name: 'empty file',
    text: '',
    line: 1,
    path: '',
    message: 'a scenario must be a mapping of fields (name, seed, horizon, ...) (the file is empty)',
    run: true,
  },
  {
    name: 'file of comments only',
    text: '# a scenario, some day\n',
    line: 1,
    path: '',
    message: '(the file is empty)',
  },
  {
    name: 'file that is a list',
    text: '- name: chongqing-2023\n- seed: 1\n',
    line: 1,
    path: '',
    message: 'a scenario must be a mapping of fields (name, seed, horizon, ...) (got a list)',
  },
  {
    name: 'file that is a bare string',
    text: 'chongqing\n',
    line: 1,
    path: '',
    message: '(got "chongqing")',
  },
  // Values that were accepted and then never finished, aborted or printed nulls (the limits of docs/scenario-format.md).
  {
    name: 'a hold whose tail never drains (lognormal sigma 100)',
    text: edit(
      'findings: { hold: { dist: lognormal, median: 2d, sigma: 0.5 } }',
      'findings: { hold: { dist: lognormal, median: 1h, sigma: 100 } }',
    ),
    at: 'sigma: 100',
    path: 'findings.hold.sigma',
    message: 'must be <= 3 (got 100)',
    run: true,
  },
  {
    name: 'a lodgement lead whose lookahead is astronomically far (sigma 5)',
    text: edit('  lead: { dist: lognormal, median: 12h, sigma: 0.8 }', '  lead: { dist: lognormal, median: 12h, sigma: 5 }'),
    at: 'sigma: 5',
    path: 'lodgement.lead.sigma',
    message: 'must be <= 3 (got 5)',
  },
  {
    name: 'a lodgement lead whose lookahead is past 30 days',
    text: edit('  lead: { dist: lognormal, median: 12h, sigma: 0.8 }', '  lead: { dist: lognormal, median: 12h, sigma: 1.2 }'),
    at: 'lead: {',
    path: 'lodgement.lead',
    message:
      'one draw in a million is above 150.05 d (its 1 - 1e-6 quantile), past the limit of 30.00 d: how far ahead of their arrival shipments are drawn; lower its sigma or median',
  },
  {
    name: 'a constant hold of 99999999d',
    text: edit(
      'findings: { hold: { dist: lognormal, median: 2d, sigma: 0.5 } }',
      'findings: { hold: { dist: constant, value: 99999999d } }',
    ),
    at: 'value: 99999999d',
    path: 'findings.hold.value',
    message: 'must be at most 10 years (3650d) (got "99999999d")',
    run: true,
  },
  {
    name: 'a service time of 400 digits (read as Infinity)',
    text: edit(
      '{ servers: unlimited, service: { dist: exponential, mean: 30m } }',
      `{ servers: unlimited, service: { dist: constant, value: ${'9'.repeat(400)}h } }`,
    ),
    at: 'dist: constant',
    path: 'stages.payment.service.value',
    message: 'must be a duration of at most 9 digits before the point and 9 after (at most 10 years, 3650d) (got "9999999999',
  },
  {
    name: 'a disruption of 400 digits that closes a stage',
    text: extraDisruption('{ declaration: 0 }').replace('    duration: 2d', () => `    duration: ${'9'.repeat(400)}h`),
    at: `duration: ${'9'.repeat(400)}h`,
    path: 'disruptions.0.duration',
    message: 'must be a duration of at most 9 digits',
  },
  {
    name: 'one hourly weight 1e308 (the rate overflows)',
    text: edit('  hourly_profile: [1, 1,', '  hourly_profile: [1e308, 1,'),
    at: 'hourly_profile:',
    path: 'arrivals.hourly_profile.0',
    message: 'must be <= 1000000 (got 1e+308)',
  },
  {
    name: 'a gamma cv of 1e200 (statistics of NaN)',
    text: edit('  delay: { dist: lognormal, median: 6h, sigma: 1.0 }', '  delay: { dist: gamma, mean: 6h, cv: 1e200 }'),
    at: 'cv: 1e200',
    path: 'lodgement.delay.cv',
    message: 'must be <= 10 (got 1e+200)',
  },
  {
    name: 'a seed that is no exact integer (1e308)',
    text: edit('seed: 2023', 'seed: 1e308'),
    at: 'seed: 1e308',
    path: 'seed',
    message: 'must be <= 9007199254740991 (got 1e+308)',
    run: true,
  },
  {
    name: 'a boolean that is .nan: "a boolean", not "a finite boolean"',
    text: edit('    aeo: true', '    aeo: .nan'),
    at: 'aeo: .nan',
    path: 'tiers.aeo.aeo',
    message: 'must be a boolean (got NaN)',
    lines: 1,
  },
  {
    name: 'nesting deeper than 32 levels (was "Maximum call stack size exceeded")',
    text: edit(
      'replications: 1',
      `replications: 1
notes: ${'['.repeat(5000)}${']'.repeat(5000)}`,
    ),
    at: 'notes:',
    path: '',
    message: 'not valid here: mappings and lists are nested more than 32 levels deep (a scenario needs 5)',
    lines: 1,
    run: true,
  },
  {
    name: 'a stage offered 12,400 times its capacity: a drain of centuries',
    text: edit('    service: { dist: lognormal, median: 3h, sigma: 0.6 }', '    service: { dist: constant, value: 3000d }'),
    at: '  inspection:',
    path: 'stages.inspection',
    message: 'is offered 12400 times its capacity on average: its queue would take about 949 years to drain',
  },
  {
    name: 'CRLF line endings keep line numbers right',
    text: edit('seed: 2023', 'seed: x').replace(/\n/g, '\r\n'),
    at: 'seed: x',
    path: 'seed',
    message: 'must be an integer (got "x")',
  },
];

describe('clearsim validate rejects a malformed scenario with file:line path: message', () => {
  it.each(cases)('$name', (c) => {
    const file = write(c.text, c.ext);
    const line = c.line ?? (c.at === undefined ? undefined : lineOf(c.text, c.at));
    const lines = expectRejected(clearsim('validate', file), { source: file, line, path: c.path, message: c.message });
    if (c.lines !== undefined) expect(lines, lines.join('\n')).toHaveLength(c.lines);
  });

  it.each(cases.filter((c) => c.run))('clearsim run stops at it too: $name', (c) => {
    const file = write(c.text, c.ext);
    const line = c.line ?? (c.at === undefined ? undefined : lineOf(c.text, c.at));
    expectRejected(clearsim('run', file), { source: file, line, path: c.path, message: c.message });
  });
});

describe('JSON scenarios (YAML accepts JSON) get lines too', () => {
  const json = `${JSON.stringify(parseYaml(BASE), null, 2)}\n`;

  it('the base scenario as JSON is valid', () => {
    const r = clearsim('validate', write(json, 'json'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(': ok (chongqing-2023');
  });

  it('a schema error', () => {
    const text = edit('"per_day": 1200,', '"per_day": "1200/day",', json);
    const file = write(text, 'json');
    expectRejected(clearsim('validate', file), {
      source: file,
      line: lineOf(text, '"1200/day"'),
      path: 'arrivals.per_day',
      message: 'must be a number (got "1200/day")',
    });
  });

  it('a rule the schema cannot say (red + yellow > 1)', () => {
    const text = edit('"red": 0.85,', '"red": 0.95,', json);
    const file = write(text, 'json');
    expectRejected(clearsim('validate', file), {
      source: file,
      line: lineOf(text, '"lanes"', '"discredited"'),
      path: 'tiers.discredited.lanes',
      message: 'red + yellow must not exceed 1 (got 1.05)',
    });
  });

  it('a missing comma', () => {
    const text = edit('"per_day": 1200,', '"per_day": 1200', json);
    const file = write(text, 'json');
    expectRejected(clearsim('validate', file), {
      source: file,
      line: lineOf(text, '"per_day": 1200'),
      path: '',
      message: 'not valid YAML/JSON',
    });
  });

  it('a doubled comma', () => {
    const text = edit('"per_day": 1200,', '"per_day": 1200,,', json);
    const file = write(text, 'json');
    expectRejected(clearsim('validate', file), {
      source: file,
      line: lineOf(text, '1200,,'),
      path: '',
      message: 'not valid YAML/JSON: Unexpected , in flow map',
    });
  });

  it('a duplicate key', () => {
    const text = edit('"per_day": 1200,', '"per_day": 1200,\n    "per_day": 1300,', json);
    const file = write(text, 'json');
    expectRejected(clearsim('validate', file), {
      source: file,
      line: lineOf(text, '"per_day": 1300'),
      path: 'arrivals.per_day',
      message: `duplicate key (first given on line ${lineOf(text, '"per_day": 1200')})`,
    });
  });
});

describe('files that cannot be read', () => {
  it('a file that does not exist (validate and run)', () => {
    const file = join(dir, 'no-such-scenario.yaml');
    expectRejected(clearsim('validate', file), { source: file, path: '', message: 'no such file' });
    expectRejected(clearsim('run', file), { source: file, path: '', message: 'no such file' });
  });

  it('a directory', () => {
    const sub = join(dir, 'a-directory.yaml');
    mkdirSync(sub, { recursive: true });
    expectRejected(clearsim('validate', sub), { source: sub, path: '', message: 'is a directory' });
  });
});

describe('several errors at once are all listed', () => {
  it('schema errors across the file, each with its line', () => {
    const text = edit(
      '  release: [payment]',
      '  release: [payment, 7]',
      edit(
        '    servers: 20',
        '    servers: 2.5',
        edit('  per_day: 1200', '  per_day: lots', edit('seed: 2023', 'seed: -1', edit('    aeo: true', '    aeo: yes please'))),
      ),
    );
    const file = write(text);
    const lines = expectRejected(
      clearsim('validate', file),
      { source: file, line: lineOf(text, 'seed: -1'), path: 'seed', message: 'must be >= 0 (got -1)' },
      { source: file, line: lineOf(text, 'per_day: lots'), path: 'arrivals.per_day', message: 'must be a number (got "lots")' },
      { source: file, line: lineOf(text, 'aeo: yes please'), path: 'tiers.aeo.aeo', message: 'must be a boolean (got "yes please")' },
      {
        source: file,
        line: lineOf(text, 'servers: 2.5'),
        path: 'stages.inspection.servers',
        message: 'must be a whole number >= 1 or "unlimited" (got 2.5)',
      },
      { source: file, line: lineOf(text, '[payment, 7]'), path: 'flow.release.1', message: 'must be a string (got 7)' },
    );
    expect(lines).toHaveLength(5);
  });

  it('rules the schema cannot say, each with its line', () => {
    const text = extraDisruption('{ xray: 0 }')
      .replace('    start: 10d', () => '    start: 40d')
      .replace('    shipment_share: 0.63', () => '    shipment_share: 0.6')
      .replace('horizon: { days: 28, warmup_days: 3 }', () => 'horizon: { days: 28, warmup_days: 30 }')
      .replace('  release: [payment]', () => '  release: [paymnet]');
    const file = write(text);
    const lines = expectRejected(
      clearsim('validate', file),
      {
        source: file,
        line: lineOf(text, 'warmup_days: 30'),
        path: 'horizon.warmup_days',
        message: 'must be less than horizon.days (got 30 >= 28)',
      },
      { source: file, line: lineOf(text, 'tiers:'), path: 'tiers', message: 'shipment_share must sum to 1 over the tiers (got 0.97)' },
      { source: file, line: lineOf(text, '[paymnet]'), path: 'flow.release.0', message: 'unknown stage "paymnet"' },
      { source: file, line: lineOf(text, 'start: 40d'), path: 'disruptions.0.start', message: 'starts after the horizon (40d >= 28d)' },
      { source: file, line: lineOf(text, 'capacity: { xray'), path: 'disruptions.0.capacity.xray', message: 'unknown stage' },
    );
    expect(lines).toHaveLength(5);
  });

  it('several files: the good one is reported ok, the bad one listed, exit 2', () => {
    const bad = write(edit('  per_day: 1200', '  per_day: lots'));
    const r = clearsim('validate', BASE_FILE, bad);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`${BASE_FILE}: ok (chongqing-2023`);
    expect(r.stderr.trimEnd()).toBe(`${bad}:${lineOf(BASE, '  per_day: 1200')} arrivals.per_day: must be a number (got "lots")`);
  });
});

describe('every problem in one pass, and at most 50 of them', () => {
  it('five mistakes, of the schema and across fields, are all listed at once', () => {
    const text = edit(
      'seed: 2023',
      'seed: -1',
      edit(
        '  per_day: 1200',
        '  per_day: lots',
        edit(
          '    shipment_share: 0.63',
          '    shipment_share: 0.6',
          edit(
            '  release: [payment]',
            '  release: [paymnet]',
            edit('horizon: { days: 28, warmup_days: 3 }', 'horizon: { days: 28, warmup_days: 30 }'),
          ),
        ),
      ),
    );
    const file = write(text);
    const lines = expectRejected(
      clearsim('validate', file),
      { source: file, line: lineOf(text, 'seed: -1'), path: 'seed', message: 'must be >= 0 (got -1)' },
      { source: file, line: lineOf(text, 'per_day: lots'), path: 'arrivals.per_day', message: 'must be a number (got "lots")' },
      {
        source: file,
        line: lineOf(text, 'warmup_days: 30'),
        path: 'horizon.warmup_days',
        message: 'must be less than horizon.days (got 30 >= 28)',
      },
      { source: file, line: lineOf(text, 'tiers:'), path: 'tiers', message: 'shipment_share must sum to 1 over the tiers (got 0.97)' },
      { source: file, line: lineOf(text, '[paymnet]'), path: 'flow.release.0', message: 'unknown stage "paymnet"' },
    );
    expect(lines).toHaveLength(5);
  });

  it('10,000 unknown keys: the first 50, and how many more (exit 2, all of it on stderr)', () => {
    const file = write(`${BASE + Array.from({ length: 10_000 }, (_, i) => `zz${i}: 1`).join('\n')}\n`);
    const lines = expectRejected(
      clearsim('validate', file),
      { source: file, line: lineOf(BASE, 'priority:') + 1, path: 'zz0', message: 'unknown key (known keys: name, description' },
      { source: file, path: '', message: '... and 9950 more problems (the first 50 are listed)' },
    );
    expect(lines).toHaveLength(51);
  });
});

describe('files that are not scenario files', () => {
  it('/dev/zero is refused before it is read (it used to grow to 4 GB)', () => {
    expectRejected(clearsim('validate', '/dev/zero'), {
      source: '/dev/zero',
      path: '',
      message: 'is not a regular file (a character device); give a scenario file',
    });
  });

  it('a file over 1 MiB', () => {
    const file = write(`${BASE}#${'x'.repeat(1024 * 1024)}\n`);
    expectRejected(clearsim('validate', file), { source: file, path: '', message: 'is larger than 1 MiB' });
  });
});

describe('--set overrides', () => {
  it('an index far past the end of a list is refused at once (it used to build a list of 100 million)', () => {
    expectRejected(clearsim('run', BASE_FILE, '--set', 'flow.intake.99999999=x'), {
      source: '--set flow.intake.99999999=x',
      path: 'flow.intake.99999999',
      message: 'index 99999999 is past the end of flow.intake, which has 1 item (use 0 to 1; 1 adds one)',
    });
  });

  it('an override that breaks a field is named as the source (validate and run)', () => {
    const set = 'tiers.aeo.lanes.red=2';
    const expected = { source: `--set ${set}`, path: 'tiers.aeo.lanes.red', message: 'must be between 0 and 1 (got 2)' };
    expectRejected(clearsim('validate', BASE_FILE, '--set', set), expected);
    expectRejected(clearsim('run', BASE_FILE, '--set', set), expected);
  });

  it('an override of the wrong type', () => {
    expectRejected(clearsim('validate', BASE_FILE, '--set', 'stages.inspection.servers=lots'), {
      source: '--set stages.inspection.servers=lots',
      path: 'stages.inspection.servers',
      message: 'must be a whole number >= 1 or "unlimited" (got "lots")',
    });
  });

  it("an override that adds an unknown key is the override's error, not the file's", () => {
    expectRejected(clearsim('validate', BASE_FILE, '--set', 'tiers.aeo.lanez.red=0.1'), {
      source: '--set tiers.aeo.lanez.red=0.1',
      path: 'tiers.aeo.lanez',
      message: 'unknown key (did you mean "lanes"?)',
    });
  });

  it("an override that breaks a rule over the file's fields: the file line, and the override named", () => {
    const set = 'tiers.aeo.shipment_share=0.5';
    expectRejected(clearsim('validate', BASE_FILE, '--set', set), {
      source: BASE_FILE,
      line: lineOf(BASE, 'tiers:'),
      path: 'tiers',
      message: `shipment_share must sum to 1 over the tiers (got 1.15) (after --set ${set})`,
    });
  });

  it('an override through a scalar', () => {
    expectRejected(clearsim('validate', BASE_FILE, '--set', 'stages.payment.servers.x=1'), {
      source: '--set stages.payment.servers.x=1',
      path: 'stages.payment.servers.x',
      message: 'cannot be set',
    });
  });

  it.each(['oops', '=1', 'tiers..aeo=1', 'seed 5'])('malformed --set %j', (set) => {
    expectRejected(clearsim('validate', BASE_FILE, '--set', set), {
      source: `--set ${set}`,
      path: '',
      message: 'must be path=value, e.g. --set tiers.aeo.lanes.red=0.01',
    });
  });

  it('malformed --set on run', () => {
    expectRejected(clearsim('run', BASE_FILE, '--set', 'seed'), { source: '--set seed', path: '', message: 'must be path=value' });
  });
});

describe('bad command lines exit 2', () => {
  const usage = (r: SpawnSyncReturns<string>, fragment: string) => {
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(fragment);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
  };

  it('unknown flag on validate', () => usage(clearsim('validate', BASE_FILE, '--bogus'), "unknown option '--bogus'"));
  it('unknown flag on run', () => usage(clearsim('run', BASE_FILE, '--bogus'), "unknown option '--bogus'"));
  it.each(['abc', '1.5', '-1'])('--seed %s', (seed) =>
    usage(clearsim('run', BASE_FILE, '--seed', seed), `option '--seed <n>' argument '${seed}' is invalid. must be a whole number >= 0.`));
  it('--replications 0', () =>
    usage(
      clearsim('run', BASE_FILE, '--replications', '0'),
      "option '--replications <n>' argument '0' is invalid. must be between 1 and 10000.",
    ));
  it('--days 0', () =>
    usage(clearsim('run', BASE_FILE, '--days', '0'), "option '--days <n>' argument '0' is invalid. must be a number > 0."));
  it('validate with no file', () => usage(clearsim('validate'), "missing required argument 'scenario'"));
  it('unknown command', () => usage(clearsim('simulate', BASE_FILE), "unknown command 'simulate'"));
});
