import { readFileSync } from 'node:fs';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';

describe('saved scenarios (PUT /scenarios/saved/:name)', () => {
  let app: FastifyInstance;
  const token = 'saved-token';
  const auth = { authorization: `Bearer ${token}` };
  const call = (o: InjectOptions) => app.inject(o);
  // the baseline, shortened and renamed, as the web app's editor would send it
  const text = readFileSync('scenarios/chongqing-2023.yaml', 'utf8').replace(/^name: .*$/m, 'name: my-short-baseline');
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), token });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('saves a valid scenario, lists it beside the bundled ones, and runs it by name', async () => {
    const put = await call({ method: 'PUT', url: '/scenarios/saved/short-baseline', headers: auth, payload: { scenario_text: text } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ name: 'short-baseline', saved: true, scenario: { name: 'my-short-baseline' } });
    const list = (await call({ url: '/scenarios' })).json().scenarios;
    expect(list.filter((s: any) => s.saved).map((s: any) => [s.name, s.file])).toEqual([['short-baseline', null]]);
    expect(list.find((s: any) => s.name === 'chongqing-2023').saved).toBe(false);
    const one = (await call({ url: '/scenarios/short-baseline' })).json();
    expect(one).toMatchObject({ saved: true, text });
    const run = await call({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { scenario: 'short-baseline', replications: 1, overrides: { 'horizon.days': 1, 'horizon.warmup_days': 0 } },
    });
    expect(run.statusCode).toBe(202);
    expect(run.json().scenario).toBe('my-short-baseline');
    await app.runs.idle();
    expect((await call({ url: `/runs/${run.json().id}`, headers: auth })).json().status).toBe('done');
  });

  it('refuses an invalid scenario with its lines, a bundled name, a bad name, and no token', async () => {
    const bad = await call({
      method: 'PUT',
      url: '/scenarios/saved/broken',
      headers: auth,
      payload: { scenario_text: text.replace('horizon: { days: 28', 'horizon: { days: -3') },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('CLEARSIM_SCENARIO_INVALID');
    expect(bad.json().issues[0]).toMatchObject({ source: 'scenario_text', path: 'horizon.days' });
    // the line of the text where horizon is
    expect(bad.json().issues[0].line).toBe(text.split('\n').findIndex((l) => l.startsWith('horizon:')) + 1);
    expect((await call({ url: '/scenarios/broken' })).statusCode).toBe(400);
    const bundled = await call({ method: 'PUT', url: '/scenarios/saved/chongqing-2023', headers: auth, payload: { scenario_text: text } });
    expect(bundled.statusCode).toBe(400);
    expect(bundled.json().message).toContain('params.name');
    const name = await call({ method: 'PUT', url: '/scenarios/saved/Has%20Spaces', headers: auth, payload: { scenario_text: text } });
    expect(name.statusCode).toBe(400);
    expect(name.json().message).toContain('params.name');
    expect((await call({ method: 'PUT', url: '/scenarios/saved/x', payload: { scenario_text: text } })).statusCode).toBe(401);
  });

  it('deletes a saved scenario: it is gone from the list and cannot run', async () => {
    await call({ method: 'PUT', url: '/scenarios/saved/gone-soon', headers: auth, payload: { scenario_text: text } });
    expect((await call({ method: 'DELETE', url: '/scenarios/saved/gone-soon', headers: auth })).statusCode).toBe(204);
    expect((await call({ method: 'DELETE', url: '/scenarios/saved/gone-soon', headers: auth })).statusCode).toBe(400);
    expect((await call({ url: '/scenarios' })).json().scenarios.map((s: any) => s.name)).not.toContain('gone-soon');
    const run = await call({ method: 'POST', url: '/runs', headers: auth, payload: { scenario: 'gone-soon' } });
    expect(run.statusCode).toBe(400);
    expect(run.json().code).toBe('CLEARSIM_UNKNOWN_SCENARIO');
  });
});
