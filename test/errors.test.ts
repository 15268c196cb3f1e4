import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, toErrorResponse } from '../src/api/errors.js';
import { buildServer } from '../src/api/server.js';
import {
  ClearsimError,
  ERRORS,
  NoWorkersError,
  RedisLostError,
  RedisUnreachableError,
  RunCancelled,
  ScenarioError,
  UsageError,
  errorKeyOf,
  type ErrorKey,
} from '../src/errors.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';
import { clearsim } from './helpers/cli.js';

const entries = Object.entries(ERRORS) as [ErrorKey, (typeof ERRORS)[ErrorKey]][];
const codes = entries.map(([, e]) => e.code as string);

/** The rows of the table in docs/errors.md: code, CLI exit and HTTP status as written there. */
function documentedErrors(): { code: string; exit: number; status: number }[] {
  const text = readFileSync('docs/errors.md', 'utf8');
  return [...text.matchAll(/^\|\s*`(CLEARSIM_[A-Z_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/gm)].map((m) => ({
    code: m[1],
    exit: Number(m[2]),
    status: Number(m[3]),
  }));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : /\.ts$/.test(d.name) ? [p] : [];
  });
}

describe('the error registry (src/errors.ts)', () => {
  it.each(entries)('%s has a unique CLEARSIM_ code, an exit code of a failure, an HTTP error status and a description', (key, e) => {
    expect(e.code).toMatch(/^CLEARSIM_[A-Z_]+$/);
    // the key is the code without its prefix, so either names the same error (errorKeyOf)
    expect(e.code).toBe(`CLEARSIM_${key}`);
    expect(codes.filter((c) => c === e.code)).toHaveLength(1);
    expect([1, 2]).toContain(e.exit);
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(600);
    expect(e.description.trim().length).toBeGreaterThan(10);
  });

  it('keeps the codes that API clients already rely on', () => {
    for (const code of [
      'CLEARSIM_BAD_REQUEST',
      'CLEARSIM_BAD_JSON',
      'CLEARSIM_EMPTY_BODY',
      'CLEARSIM_SCENARIO_INVALID',
      'CLEARSIM_UNKNOWN_SCENARIO',
      'CLEARSIM_RUNTIME_UNAVAILABLE',
      'CLEARSIM_UNAUTHORIZED',
      'CLEARSIM_RUN_NOT_FOUND',
      'CLEARSIM_ROUTE_NOT_FOUND',
      'CLEARSIM_METHOD_NOT_ALLOWED',
      'CLEARSIM_RUN_FINISHED',
      'CLEARSIM_BODY_TOO_LARGE',
      'CLEARSIM_UNSUPPORTED_MEDIA_TYPE',
      'CLEARSIM_TOO_MANY_RUNS',
      'CLEARSIM_INTERNAL',
    ]) {
      expect(codes).toContain(code);
    }
  });

  it('documents every code in docs/errors.md with the same exit code and status, and nothing that is not in the registry', () => {
    const documented = documentedErrors();
    expect(documented.map((d) => d.code).sort()).toEqual([...codes].sort());
    for (const d of documented) {
      const e = ERRORS[errorKeyOf(d.code)!];
      expect({ code: d.code, exit: d.exit, status: d.status }).toEqual({ code: e.code, exit: e.exit, status: e.status });
    }
  });

  it('holds every CLEARSIM_ code that src/ names', () => {
    const named = new Map<string, string>();
    for (const file of sourceFiles('src')) {
      // a quoted CLEARSIM_ name that is not an environment variable read as process.env['...']
      for (const m of readFileSync(file, 'utf8').matchAll(/(env\[\s*)?['"`](CLEARSIM_[A-Z_]+)['"`]/g)) if (!m[1]) named.set(m[2], file);
    }
    expect(named.size).toBeGreaterThanOrEqual(codes.length);
    const unknown = [...named].filter(([code]) => !codes.includes(code)).map(([code, file]) => `${code} (${file})`);
    expect(unknown).toEqual([]);
  });

  it('makes each error class carry its entry: code, exit and status', () => {
    const cases: [ClearsimError, ErrorKey][] = [
      [new ScenarioError([{ source: 'a.yaml', line: 3, path: 'seed', message: 'must be a whole number' }]), 'SCENARIO_INVALID'],
      [new UsageError('--out x: cannot write'), 'BAD_USAGE'],
      [new RedisUnreachableError('cannot reach Redis at redis://h:1: timed out'), 'REDIS_UNREACHABLE'],
      [new NoWorkersError('no clearsim worker is serving Redis at redis://h:1'), 'NO_WORKERS'],
      [new RedisLostError('lost the connection to Redis at redis://h:1'), 'REDIS_LOST'],
      [new RunCancelled(), 'RUN_CANCELLED'],
      [new ApiError('RUN_NOT_FOUND', 'params.id: no run x'), 'RUN_NOT_FOUND'],
      [new ClearsimError('CLEARSIM_NO_WORKERS', 'by code'), 'NO_WORKERS'],
    ];
    for (const [err, key] of cases) {
      expect(err).toBeInstanceOf(ClearsimError);
      expect({ key: err.key, code: err.code, exit: err.exit, status: err.status }).toEqual({
        key,
        code: ERRORS[key].code,
        exit: ERRORS[key].exit,
        status: ERRORS[key].status,
      });
    }
    expect(new ScenarioError([{ source: 'a.yaml', line: 3, path: 'seed', message: 'must be a whole number' }]).message).toBe(
      'a.yaml:3 seed: must be a whole number',
    );
    expect(new RunCancelled().message).toBe('run cancelled');
  });

  it('refuses a code that is not in the registry rather than send it out undocumented', () => {
    expect(() => new ClearsimError('CLEARSIM_NOT_A_THING' as ErrorKey, 'x')).toThrow(/not in the error registry/);
    // Object.prototype's names are not error keys
    expect(() => new ClearsimError('toString' as ErrorKey, 'x')).toThrow(/not in the error registry/);
  });

  it('is the RunCancelled that the embedded runtime throws', async () => {
    const { RunCancelled: fromRuntime } = await import('../src/runtime/run.js');
    expect(fromRuntime).toBe(RunCancelled);
  });
});

describe("the CLI exits with the registry's exit code", () => {
  it('exits 1 within seconds with "cannot reach Redis" and no stack trace when Redis is not there', () => {
    const t0 = Date.now();
    const r = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--runtime', 'bullmq', '--redis', 'redis://127.0.0.1:1', '--workers', '0']);
    expect(r.status).toBe(ERRORS.REDIS_UNREACHABLE.exit);
    expect(r.stderr).toContain('clearsim: run failed: cannot reach Redis at redis://127.0.0.1:1');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('exits 2 naming --trace when the trace file cannot be written, rather than stop without a word', () => {
    // a directory where the trace file should go: the directory above is writable, opening the file fails
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-errors-'));
    const trace = join(dir, 'trace.csv');
    mkdirSync(trace);
    const r = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--days', '4', '--trace', trace]);
    expect(r.status).toBe(ERRORS.BAD_USAGE.exit);
    expect(r.stderr).toContain(`--trace ${trace}: cannot write (EISDIR)`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the API answers a ClearsimError with its registry status and code', () => {
  let app: FastifyInstance;
  const thrown: Record<string, Error> = {
    'no-workers': new NoWorkersError(
      'no clearsim worker is serving Redis at redis://h:1 (found 0, need 1); start one with: clearsim worker --redis redis://h:1',
    ),
    'redis-unreachable': new RedisUnreachableError('cannot reach Redis at redis://h:1: timed out'),
    usage: new UsageError('--out x: the file must end in .json'),
    bug: new TypeError('cannot read properties of undefined'),
  };

  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
    // routes that fail as a request meeting these errors would, through the server's own error handler
    app.get('/fail/:what', async (req) => {
      throw thrown[(req.params as { what: string }).what];
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['no-workers', 503, 'CLEARSIM_NO_WORKERS', 'Service Unavailable'],
    ['redis-unreachable', 503, 'CLEARSIM_REDIS_UNREACHABLE', 'Service Unavailable'],
    ['usage', 400, 'CLEARSIM_BAD_USAGE', 'Bad Request'],
    ['bug', 500, 'CLEARSIM_INTERNAL', 'Internal Server Error'],
  ])('%s: %i %s', async (what, status, code, error) => {
    const res = await app.inject({ method: 'GET', url: `/fail/${what}` });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ statusCode: status, code, error });
    // our messages name what is wrong; a bug's is not for the client
    if (what === 'bug') expect(res.json().message).not.toContain('undefined');
    else expect(res.json().message).toBe(thrown[what].message);
  });

  it.each(entries)('maps %s to its status and code', (key, e) => {
    expect(toErrorResponse(new ClearsimError(key, 'm')).body).toMatchObject({ statusCode: e.status, code: e.code });
    expect(toErrorResponse(new ApiError(key, 'm', undefined, { 'retry-after': '5' }))).toMatchObject({
      body: { statusCode: e.status, code: e.code },
      headers: { 'retry-after': '5' },
    });
  });
});
