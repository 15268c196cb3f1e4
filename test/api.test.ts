import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { toErrorResponse } from '../src/api/errors.js';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';
import { validateReport } from './helpers/report-schema.js';
import { reportProblems } from './helpers/report-shape.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const baseline = () => parseYaml(readFileSync('scenarios/chongqing-2023.yaml', 'utf8')) as Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(app: FastifyInstance, opts: InjectOptions) {
  const res = await app.inject(opts);
  const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
  return { status: res.statusCode, headers: res.headers, body: isJson ? res.json() : res.body };
}

/** Polls until `ok` holds (or fails with the last value seen). */
async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  let v = await get();
  while (!ok(v)) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v).slice(0, 500)}`);
    await sleep(50);
    v = await get();
  }
  return v;
}

const metricValue = (text: string, name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((a, l) => a + Number(l.split(' ').pop()), 0);

describe('HTTP API', () => {
  let app: FastifyInstance;
  const get = (url: string) => call(app, { method: 'GET', url });
  const runOf = (id: string) => get(`/runs/${id}`).then((r) => r.body);

  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('GET /healthz answers ok with run counts', async () => {
    const r = await get('/healthz');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
    expect(r.body.runs).toMatchObject({ queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, active: 0, max_active: 4 });
  });

  it('GET /metrics serves the Prometheus text of docs/metrics.md', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of ['clearsim_shipments_arrived_total', 'clearsim_clearance_time_seconds', 'clearsim_sim_time_seconds'])
      expect(r.body).toContain(`# TYPE ${name}`);
  });

  it('GET /scenarios lists the bundled scenarios (not the schema)', async () => {
    const r = await get('/scenarios');
    expect(r.status).toBe(200);
    const list = r.body.scenarios as any[];
    expect(list.map((s) => s.name)).toEqual([
      'aeo-expansion',
      'before-12-certifications',
      'chongqing-2023',
      'flood-disruption',
      'two-step-declaration',
    ]);
    const cq = list.find((s) => s.name === 'chongqing-2023');
    expect(cq).toMatchObject({ file: 'chongqing-2023.yaml', seed: 2023, horizon_days: 28, warmup_days: 3 });
    expect(cq.description).toMatch(/Chongqing/);
    expect(cq.tiers.map((t: any) => t.name)).toContain('aeo');
    expect(cq.tiers.find((t: any) => t.name === 'aeo')).toMatchObject({ aeo: true });
  });

  it('serves the OpenAPI document at /docs/json and Swagger UI at /docs, with the scenario schema for inline scenarios', async () => {
    const ui = await get('/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toContain('swagger');
    const doc = (await get('/docs/json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/healthz', '/metrics', '/scenarios', '/runs', '/runs/{id}']) expect(Object.keys(doc.paths)).toContain(p);
    expect(Object.keys(doc.paths['/runs/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    const post = doc.paths['/runs'].post;
    expect(post.requestBody.content['application/json'].schema.properties.scenario.anyOf).toContainEqual({
      $ref: '#/components/schemas/Scenario',
    });
    expect(Object.keys(doc.components.schemas.Scenario.properties)).toEqual(expect.arrayContaining(['horizon', 'tiers', 'stages', 'flow']));
    expect(JSON.stringify(doc.components.schemas.Scenario)).toContain('#/components/schemas/Scenario_tier');
    expect(doc.components.schemas.Scenario_tier).toBeDefined();
    // a run's report is documented field by field: the report schema (docs/report.schema.json) as components
    const getRun = doc.paths['/runs/{id}'].get.responses['200'].content['application/json'].schema;
    expect(getRun.properties.report.allOf).toEqual([{ $ref: '#/components/schemas/Report' }]);
    expect(Object.keys(doc.components.schemas.Report.properties)).toEqual(
      expect.arrayContaining(['scenario', 'shipments', 'by_tier', 'aeo_vs_non_aeo', 'stages', 'bullmq']),
    );
    expect(doc.components.schemas.Report_TierReport.properties.clearance_hours.allOf).toEqual([
      { $ref: '#/components/schemas/Report_HoursStats' },
    ]);
    const names = new Set(Object.keys(doc.components.schemas));
    const refs = new Set<string>();
    JSON.stringify(doc, (k, v) => {
      if (k === '$ref') refs.add(v);
      return v;
    });
    expect([...refs].filter((r) => !names.has(r.replace('#/components/schemas/', '')))).toEqual([]);
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['202', '400', '429']));
  });

  it('runs a bundled scenario with overrides to done: 202, progress, then the report', async () => {
    const metricsBefore = metricValue(String((await get('/metrics')).body), 'clearsim_shipments_released_total');
    const post = await call(app, {
      method: 'POST',
      url: '/runs',
      payload: { scenario: 'chongqing-2023', overrides: { 'horizon.days': 4, 'horizon.warmup_days': 1 } },
    });
    expect(post.status).toBe(202);
    expect(post.body).toMatchObject({ status: 'queued', scenario: 'chongqing-2023', runtime: 'embedded', horizon_days: 4, progress: 0 });
    expect(post.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(post.body.links.self).toBe(`/runs/${post.body.id}`);
    expect(post.headers.location).toBe(`/runs/${post.body.id}`);

    const run = await until(
      () => runOf(post.body.id),
      (v) => v.status === 'done' || v.status === 'failed',
      'the run to finish',
    );
    expect(run.status).toBe('done');
    expect(run.progress).toBe(1);
    expect(run.started_at).toBeTruthy();
    expect(run.finished_at).toBeTruthy();
    const report = run.report;
    expect(reportProblems(report)).toEqual([]);
    // served as the runtime built it: no field dropped or changed by the response serializer
    expect(JSON.stringify(report)).toBe(JSON.stringify((await app.runs.get(post.body.id)).report));
    expect(validateReport('Report', report)).toEqual([]);
    expect(report.shipments.arrived).toBeGreaterThan(0);
    expect(report.shipments.arrived).toBe(report.shipments.released);
    expect(report.shipments.in_progress).toBe(0);
    expect(report.horizon_days).toBe(4);
    expect(report.scenario).toBe('chongqing-2023');
    // the run wrote to this process's metrics
    const metricsAfter = metricValue(String((await get('/metrics')).body), 'clearsim_shipments_released_total');
    expect(metricsAfter - metricsBefore).toBe(report.shipments.released);
    // under the run's own label: the id the API lists it by, so a dashboard can pick this run
    expect(String((await get('/metrics')).body)).toMatch(new RegExp(`clearsim_shipments_released_total\\{[^}]*run="${post.body.id}"`));

    const list = await get('/runs');
    expect(list.status).toBe(200);
    const listed = list.body.runs.find((r: any) => r.id === post.body.id);
    expect(listed).toMatchObject({ status: 'done' });
    expect(listed.report).toBeUndefined();
    expect((await get('/runs?status=done&limit=1')).body.runs).toHaveLength(1);
    expect((await get('/runs?status=failed')).body.runs).toHaveLength(0);

    const del = await call(app, { method: 'DELETE', url: `/runs/${post.body.id}` });
    expect(del.status).toBe(409);
    expect(del.body.message).toContain('already done');
  });

  it('runs an inline scenario, with overrides as a "path=value" list and the seed/days shorthands', async () => {
    const s = baseline();
    s.horizon = { days: 3, warmup_days: 1 };
    const post = await call(app, {
      method: 'POST',
      url: '/runs',
      payload: { scenario: s, overrides: ['priority.mode=never'], seed: 7, days: 2 },
    });
    expect(post.status).toBe(202);
    expect(post.body).toMatchObject({ seed: 7, horizon_days: 2 });
    const run = await until(
      () => runOf(post.body.id),
      (v) => v.status !== 'queued' && v.status !== 'running',
      'the inline run',
    );
    expect(run.status).toBe('done');
    expect(run.report.seed).toBe(7);
    expect(run.report.shipments.arrived).toBe(run.report.shipments.released);
  });

  it('moves /metrics during a paced run, and cancels it with DELETE', async () => {
    const arrivedBefore = metricValue(String((await get('/metrics')).body), 'clearsim_shipments_arrived_total');
    const post = await call(app, {
      method: 'POST',
      url: '/runs',
      payload: { scenario: 'chongqing-2023', days: 20, time_scale: 86400 * 5 },
    });
    expect(post.status).toBe(202);
    expect(post.body.time_scale).toBe(432000);
    const id = post.body.id;
    const running = await until(
      () => runOf(id),
      (v) => v.status === 'running' && v.progress > 0,
      'the paced run to make progress',
      30_000,
    );
    expect(running.progress).toBeLessThan(1);
    await until(
      async () => metricValue(String((await get('/metrics')).body), 'clearsim_shipments_arrived_total'),
      (n) => n > arrivedBefore,
      'arrivals on /metrics',
      30_000,
    );
    expect((await get('/healthz')).body.runs.running).toBeGreaterThanOrEqual(1);

    const del = await call(app, { method: 'DELETE', url: `/runs/${id}` });
    expect(del.status).toBe(202);
    expect(del.body.status).toBe('cancelled');
    const again = await call(app, { method: 'DELETE', url: `/runs/${id}` });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('cancelled');

    await app.runs.idle();
    const run = await runOf(id);
    expect(run.status).toBe('cancelled');
    expect(run.finished_at).toBeTruthy();
    expect(run.report).toBeUndefined();
    expect(run.progress).toBeLessThan(1);
    expect((await get('/healthz')).body.runs).toMatchObject({ active: 0, running: 0 });
  });

  // Each must be answered 4xx with {statusCode, error, message} naming what is wrong, never 500.
  const s = baseline();
  const badInline = {
    ...s,
    tiers: { ...s.tiers, aeo: { ...s.tiers.aeo, lanes: { red: 1.7, yellow: 0.02 } } },
    risk: { ...s.risk, targeting_lif: 2 },
  };
  const json = { 'content-type': 'application/json' };
  const post = (payload: unknown): InjectOptions => ({ method: 'POST', url: '/runs', payload: payload as any });
  const malformed: [string, InjectOptions, number, string][] = [
    [
      'malformed JSON',
      { method: 'POST', url: '/runs', headers: json, payload: '{"scenario": "chongqing-2023",' },
      400,
      'body: not valid JSON',
    ],
    [
      'a text/plain body',
      { method: 'POST', url: '/runs', headers: { 'content-type': 'text/plain' }, payload: 'scenario=chongqing-2023' },
      415,
      'Content-Type: "text/plain" is not supported',
    ],
    ['an empty body with Content-Type application/json', { method: 'POST', url: '/runs', headers: json, payload: '' }, 400, 'body: empty'],
    ['no body at all', { method: 'POST', url: '/runs' }, 400, 'body: must be an object'],
    [
      'a JSON list as the body',
      { method: 'POST', url: '/runs', headers: json, payload: '["chongqing-2023"]' },
      400,
      'body: must be an object',
    ],
    [
      'a __proto__ key in the body',
      { method: 'POST', url: '/runs', headers: json, payload: '{"scenario": "chongqing-2023", "__proto__": {"admin": true}}' },
      400,
      '__proto__',
    ],
    [
      'a body over 1 MiB',
      { method: 'POST', url: '/runs', headers: json, payload: JSON.stringify({ scenario: 'x'.repeat(1.2e6) }) },
      413,
      'body: larger than',
    ],
    ['no scenario', post({ days: 3 }), 400, 'body.scenario: is required'],
    ['a scenario that is a number', post({ scenario: 42 }), 400, "body.scenario: must be a bundled scenario's name"],
    [
      'an unknown field (replication for replications)',
      post({ scenario: 'chongqing-2023', replication: 3 }),
      400,
      'body.replication: unknown field (did you mean "replications"?)',
    ],
    ['an unknown bundled scenario name', post({ scenario: 'atlantis' }), 400, 'body.scenario: no bundled scenario named "atlantis"'],
    [
      'a path as the scenario name (../package)',
      post({ scenario: '../package' }),
      400,
      'body.scenario: no bundled scenario named "../package"',
    ],
    ['an inline scenario with only a name', post({ scenario: { name: 'x' } }), 400, 'seed: is required'],
    [
      'an inline scenario with a share out of range and a misspelt key',
      post({ scenario: badInline }),
      400,
      'tiers.aeo.lanes.red: must be between 0 and 1 (got 1.7)',
    ],
    [
      'an override out of range (map)',
      post({ scenario: 'chongqing-2023', overrides: { 'tiers.aeo.lanes.red': 2 } }),
      400,
      'overrides["tiers.aeo.lanes.red"]: must be between 0 and 1 (got 2)',
    ],
    [
      'an override of an unknown key (list)',
      post({ scenario: 'chongqing-2023', overrides: ['risk.targeting_lif=2'] }),
      400,
      'overrides[0] risk.targeting_lif: unknown key (did you mean "targeting_lift"?)',
    ],
    [
      'an override that is not path=value',
      post({ scenario: 'chongqing-2023', overrides: ['nonsense'] }),
      400,
      'overrides[0]: must be "path=value"',
    ],
    [
      'an override key that is not a path',
      post({ scenario: 'chongqing-2023', overrides: { 'a..b': 1 } }),
      400,
      'overrides: "a..b" is not a field path',
    ],
    [
      'an override through a number (seed.x)',
      post({ scenario: 'chongqing-2023', overrides: { 'seed.x': 1 } }),
      400,
      'overrides["seed.x"]: cannot be set',
    ],
    [
      'an override that breaks a sum',
      post({ scenario: 'chongqing-2023', overrides: { 'firms.sectors.manufacturing': 0.5 } }),
      400,
      'shares must sum to 1 (got 1.2) (after overrides["firms.sectors.manufacturing"])',
    ],
    [
      'overrides as a plain string',
      post({ scenario: 'chongqing-2023', overrides: 'days=3' }),
      400,
      'body.overrides: must be a map of path to value or a list of "path=value"',
    ],
    [
      'days shorter than the warm-up',
      post({ scenario: 'chongqing-2023', days: 1 }),
      400,
      'horizon.warmup_days: must be less than horizon.days',
    ],
    [
      'an unknown runtime',
      post({ scenario: 'chongqing-2023', runtime: 'docker' }),
      400,
      'body.runtime: must be one of "embedded", "bullmq" (got "docker")',
    ],
    ['time_scale 0', post({ scenario: 'chongqing-2023', time_scale: 0 }), 400, 'body.time_scale: must be > 0 (got 0)'],
    [
      'a negative time_scale given as a string',
      post({ scenario: 'chongqing-2023', time_scale: '-5' }),
      400,
      'body.time_scale: must be a number (got "-5")',
    ],
    ['negative workers', post({ scenario: 'chongqing-2023', runtime: 'bullmq', workers: -1 }), 400, 'body.workers: must be >= 0 (got -1)'],
    ['workers with the embedded runtime', post({ scenario: 'chongqing-2023', workers: 2 }), 400, 'body.workers: only for runtime "bullmq"'],
    [
      'runtime bullmq on a server without Redis',
      post({ scenario: 'chongqing-2023', runtime: 'bullmq' }),
      400,
      'body.runtime: "bullmq" needs Redis',
    ],
    ['a seed given as a string', post({ scenario: 'chongqing-2023', seed: '7' }), 400, 'body.seed: must be an integer (got "7")'],
    ['days 0', post({ scenario: 'chongqing-2023', days: 0 }), 400, 'body.days: must be > 0 (got 0)'],
    ['replications 0', post({ scenario: 'chongqing-2023', replications: 0 }), 400, 'body.replications: must be >= 1 (got 0)'],
    ['a run id that is not a UUID', { method: 'GET', url: '/runs/not-a-run' }, 400, 'params.id: must be a run id'],
    ['an unknown run id', { method: 'GET', url: `/runs/${UNKNOWN_ID}` }, 404, `params.id: no run ${UNKNOWN_ID}`],
    ['DELETE of an unknown run id', { method: 'DELETE', url: `/runs/${UNKNOWN_ID}` }, 404, `params.id: no run ${UNKNOWN_ID}`],
    ['an unknown status filter', { method: 'GET', url: '/runs?status=finished' }, 400, 'querystring.status: must be one of'],
    ['a limit that is not a number', { method: 'GET', url: '/runs?limit=ten' }, 400, 'querystring.limit: must be an integer (got "ten")'],
    [
      'an unknown query parameter',
      { method: 'GET', url: '/runs?stat=done' },
      400,
      'querystring.stat: unknown field (did you mean "status"?)',
    ],
    ['an unknown route', { method: 'GET', url: '/run' }, 404, 'no route GET /run'],
    [
      'a method a route does not take (PUT /runs)',
      { method: 'PUT', url: '/runs', headers: json, payload: '{}' },
      405,
      'PUT /runs: not allowed here; /runs takes GET, POST',
    ],
  ];

  it(`has at least 18 malformed cases (${malformed.length})`, () => {
    expect(malformed.length).toBeGreaterThanOrEqual(18);
  });

  it.each(malformed)('answers %s with a 4xx naming the problem', async (_name, req, status, message) => {
    const r = await call(app, req);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ statusCode: status, error: expect.any(String), code: expect.stringMatching(/^CLEARSIM_/) });
    expect(r.body.message).toContain(message);
    if (r.body.issues)
      for (const i of r.body.issues)
        expect(i).toMatchObject({ source: expect.any(String), path: expect.any(String), message: expect.any(String) });
  });

  it('lists every problem of an invalid inline scenario as path: message, without lines of the re-serialised body', async () => {
    const r = await call(app, post({ scenario: badInline }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('CLEARSIM_SCENARIO_INVALID');
    expect(r.body.issues).toEqual(
      expect.arrayContaining([
        { source: 'scenario', path: 'tiers.aeo.lanes.red', message: 'must be between 0 and 1 (got 1.7)' },
        { source: 'scenario', path: 'risk.targeting_lif', message: 'unknown key (did you mean "targeting_lift"?)' },
      ]),
    );
    expect(r.body.message.split('\n')).toEqual(expect.arrayContaining(['tiers.aeo.lanes.red: must be between 0 and 1 (got 1.7)']));
  });

  it('started no run for any of the malformed requests', async () => {
    const h = (await get('/healthz')).body.runs;
    expect(h.queued + h.running + h.active).toBe(0);
  });
});

describe('HTTP API limits', () => {
  it('refuses a run beyond the concurrent limit with 429, and keeps only the newest finished runs', async () => {
    const app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), maxActiveRuns: 1, maxFinishedRuns: 2 });
    try {
      const paced = await app.inject({ method: 'POST', url: '/runs', payload: { scenario: 'chongqing-2023', days: 20, time_scale: 3600 } });
      expect(paced.statusCode).toBe(202);
      const second = await app.inject({ method: 'POST', url: '/runs', payload: { scenario: 'chongqing-2023', days: 4 } });
      expect(second.statusCode).toBe(429);
      expect(second.json()).toMatchObject({ statusCode: 429, code: 'CLEARSIM_TOO_MANY_RUNS' });
      expect(second.json().message).toMatch(/1 runs are going already/);
      expect(second.headers['retry-after']).toBeDefined();
      expect((await app.inject({ method: 'DELETE', url: `/runs/${paced.json().id}` })).statusCode).toBe(202);
      await app.runs.idle();

      const ids: string[] = [paced.json().id];
      for (let i = 0; i < 2; i++) {
        const r = await app.inject({
          method: 'POST',
          url: '/runs',
          payload: { scenario: 'chongqing-2023', overrides: { 'horizon.days': 1, 'horizon.warmup_days': 0 } },
        });
        expect(r.statusCode).toBe(202);
        ids.push(r.json().id);
        await app.runs.idle();
      }
      const list = (await app.inject({ method: 'GET', url: '/runs' })).json();
      expect(list.total).toBe(2);
      expect(list.runs.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
      expect((await app.inject({ method: 'GET', url: `/runs/${ids[0]}` })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('stops the runs going when the server closes, and marks them interrupted', async () => {
    const app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
    const r = await app.inject({ method: 'POST', url: '/runs', payload: { scenario: 'chongqing-2023', days: 20, time_scale: 3600 } });
    expect(r.statusCode).toBe(202);
    await sleep(100);
    const t0 = Date.now();
    await app.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    // closed: the store is gone with the in-memory server; the last record said interrupted
    expect((await app.runs.store.get(r.json().id))?.status).toBe('interrupted');
  });
});

describe('HTTP API with a token (CLEARSIM_TOKEN)', () => {
  let app: FastifyInstance;
  const token = 's3cret-token';
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), token });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });
  const small = { scenario: 'chongqing-2023', overrides: { 'horizon.days': 1, 'horizon.warmup_days': 0 } };

  it.each([
    ['POST /runs without Authorization', { method: 'POST', url: '/runs', payload: small }, 'needs Authorization: Bearer'],
    [
      'POST /runs with a wrong token',
      { method: 'POST', url: '/runs', payload: small, headers: { authorization: 'Bearer wrong' } },
      'wrong bearer token',
    ],
    [
      'POST /runs with the token as Basic auth',
      { method: 'POST', url: '/runs', payload: small, headers: { authorization: `Basic ${token}` } },
      'must be "Bearer <token>"',
    ],
    [
      'POST /runs with a longer token',
      { method: 'POST', url: '/runs', payload: small, headers: { authorization: `Bearer ${token}x` } },
      'wrong bearer token',
    ],
    ['GET /runs without Authorization', { method: 'GET', url: '/runs' }, 'needs Authorization'],
    ['GET /runs/:id without Authorization (before the id is checked)', { method: 'GET', url: '/runs/not-a-run' }, 'needs Authorization'],
    [
      'DELETE /runs/:id with a wrong token',
      { method: 'DELETE', url: `/runs/${UNKNOWN_ID}`, headers: { authorization: 'Bearer nope' } },
      'wrong bearer token',
    ],
    [
      'a malformed body without Authorization (auth first)',
      { method: 'POST', url: '/runs', headers: { 'content-type': 'application/json' }, payload: '{oops' },
      'needs Authorization',
    ],
  ] as [string, InjectOptions, string][])('refuses %s with 401', async (_name, req, message) => {
    const r = await app.inject(req);
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(r.json()).toMatchObject({ statusCode: 401, code: 'CLEARSIM_UNAUTHORIZED' });
    expect(r.json().message).toContain(message);
  });

  it('accepts the right token on every control route', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const post = await app.inject({ method: 'POST', url: '/runs', payload: small, headers: auth });
    expect(post.statusCode).toBe(202);
    const id = post.json().id;
    expect((await app.inject({ method: 'GET', url: '/runs', headers: auth })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/runs/${id}`, headers: { authorization: `bearer ${token}` } })).statusCode).toBe(200);
    const del = await app.inject({ method: 'DELETE', url: `/runs/${id}`, headers: auth });
    expect([200, 202, 409]).toContain(del.statusCode);
    await app.runs.idle();
  });

  it('leaves /healthz, /metrics, /scenarios and /docs open', async () => {
    for (const url of ['/healthz', '/metrics', '/scenarios', '/docs', '/docs/json'])
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });
});

describe('HTTP API, runtime bullmq (the test Redis)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), redisUrl: inject('redisUrl') });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });
  const runOf = async (id: string) => (await app.inject({ method: 'GET', url: `/runs/${id}` })).json();

  it('runs a day of the baseline on BullMQ to the same kind of report', async () => {
    const post = await app.inject({
      method: 'POST',
      url: '/runs',
      payload: {
        scenario: 'chongqing-2023',
        overrides: { 'horizon.days': 1, 'horizon.warmup_days': 0 },
        runtime: 'bullmq',
        time_scale: 43200,
        workers: 1,
      },
    });
    expect(post.statusCode).toBe(202);
    expect(post.json()).toMatchObject({ runtime: 'bullmq', time_scale: 43200, workers: 1 });
    const run = await until(
      () => runOf(post.json().id),
      (v) => v.status !== 'queued' && v.status !== 'running',
      'the BullMQ run',
      110_000,
    );
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('done');
    expect(run.report.runtime).toBe('bullmq');
    expect(run.report.shipments.arrived).toBeGreaterThan(0);
    expect(run.report.shipments.arrived).toBe(run.report.shipments.released);
    expect(run.report.bullmq.duplicate_releases).toBe(0);
    // a real BullMQ report, bullmq section and all, against the report schema
    expect(validateReport('Report', run.report)).toEqual([]);
  });

  it('cancels a BullMQ run with DELETE', async () => {
    const post = await app.inject({
      method: 'POST',
      url: '/runs',
      payload: { scenario: 'chongqing-2023', days: 10, runtime: 'bullmq', time_scale: 3600, workers: 1 },
    });
    expect(post.statusCode).toBe(202);
    const id = post.json().id;
    await until(
      () => runOf(id),
      (v) => v.status === 'running' && v.progress > 0,
      'the BullMQ run to start',
      60_000,
    );
    const del = await app.inject({ method: 'DELETE', url: `/runs/${id}` });
    expect(del.statusCode).toBe(202);
    await app.runs.idle();
    expect((await runOf(id)).status).toBe('cancelled');
  });
});

describe('errors that are ours', () => {
  it('answers 500 without leaking the message or the stack', () => {
    const { body } = toErrorResponse(new TypeError('cannot read properties of undefined (secret detail)'));
    expect(body).toMatchObject({ statusCode: 500, code: 'CLEARSIM_INTERNAL', error: 'Internal Server Error' });
    expect(body.message).not.toContain('secret');
  });
});

describe('clearsim serve', () => {
  /** Starts `clearsim serve` (the built CLI) and resolves once it says where it listens. */
  function serve(args: string[], env: Record<string, string> = {}) {
    const p = spawn(process.execPath, ['bin/clearsim.js', 'serve', ...args], {
      // runs kept in a directory of the test's own, not the user's data directory
      env: { ...process.env, CLEARSIM_DATA: mkdtempSync(join(tmpdir(), 'clearsim-serve-')), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    const listening = new Promise<string>((resolve, reject) => {
      p.stderr!.on('data', (d) => {
        stderr += d;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      exited.then(() => reject(new Error(`exited before listening: ${stderr}`)));
    });
    return { p, exited, listening, stderr: () => stderr };
  }

  it('listens on 127.0.0.1, serves the API, and on SIGTERM stops its runs, closes and exits 0', async () => {
    const s = serve(['--port', '0'], { CLEARSIM_TOKEN: 'tok' });
    try {
      const url = await s.listening;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(s.stderr()).toContain('(docs at /docs)');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/runs`)).status).toBe(401);
      const post = await fetch(`${url}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer tok' },
        body: JSON.stringify({ scenario: 'chongqing-2023', days: 20, time_scale: 3600 }),
      });
      expect(post.status).toBe(202);
      await sleep(200);
      s.p.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      expect(s.stderr()).toMatch(/SIGTERM: stopping 1 run \(kept as interrupted\) and closing/);
      expect(s.stderr()).toContain('closed');
    } finally {
      s.p.kill('SIGKILL');
    }
  });

  it('says clearly that the port is in use (exit 2, no stack trace)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const s = serve(['--port', String(port)]);
      s.listening.catch(() => {});
      expect(await s.exited).toBe(2);
      expect(s.stderr()).toContain(`port ${port} is already in use on 127.0.0.1`);
      expect(s.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
