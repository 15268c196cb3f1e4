import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';

const small = { 'horizon.days': 3, 'horizon.warmup_days': 0 };

describe('compare, sweep and downloads over the API', () => {
  let app: FastifyInstance;
  const call = async (o: InjectOptions) => {
    const r = await app.inject(o);
    return { status: r.statusCode, type: String(r.headers['content-type']), headers: r.headers, text: r.body, json: () => r.json() };
  };
  const done = async (id: string) => {
    await app.runs.idle();
    const v = (await call({ url: `/runs/${id}` })).json();
    expect(v.status, v.error).toBe('done');
    return v;
  };
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs a comparison (a with --set) to done: paired differences, as `clearsim compare --json`', async () => {
    const r = await call({
      method: 'POST',
      url: '/compare',
      payload: { a: 'chongqing-2023', set: ['priority.mode=never'], replications: 3, overrides: small },
    });
    expect(r.status).toBe(202);
    const view = r.json();
    expect(view).toMatchObject({ kind: 'compare', status: 'queued', replications: 3 });
    expect(r.headers.location).toBe(`/runs/${view.id}`);
    const v = await done(view.id);
    expect(v.progress).toBe(1);
    const c = v.result;
    expect(c.replications).toBe(3);
    expect(c.seed).toBe(2023);
    for (const g of ['aeo', 'non_aeo']) {
      const mean = c.groups[g].mean;
      // a paired interval around its estimate
      expect(mean.lo).toBeLessThanOrEqual(mean.diff);
      expect(mean.hi).toBeGreaterThanOrEqual(mean.diff);
      expect(mean.hi - mean.lo).toBeCloseTo(2 * mean.half_width, 9);
    }
    // with priority off, AEO shipments lose their place in the queues: slower, never faster on average
    expect(c.groups.aeo.mean.diff).toBeGreaterThanOrEqual(0);
    expect(c.lines.length).toBeGreaterThan(0);
    // kept without the per-replication reports
    expect(c.reports).toBeUndefined();
    const list = (await call({ url: '/runs?kind=compare' })).json();
    expect(list.runs.map((x: any) => x.id)).toContain(view.id);
    expect(list.runs.every((x: any) => x.kind === 'compare')).toBe(true);

    const html = await call({ url: `/runs/${view.id}/report.html` });
    expect(html.status).toBe(200);
    expect(html.type).toBe('text/html; charset=utf-8');
    expect(html.text).toMatch(/^<!DOCTYPE html>/);
    const json = await call({ url: `/runs/${view.id}/report.json?download=true` });
    expect(json.type).toBe('application/json; charset=utf-8');
    expect(json.headers['content-disposition']).toBe(`attachment; filename="compare-${view.id}.json"`);
    expect(JSON.parse(json.text)).toEqual(c);
    const firms = await call({ url: `/runs/${view.id}/firms.csv` });
    expect(firms.status).toBe(200);
    expect(firms.type).toBe('text/csv; charset=utf-8');
    const trace = await call({ url: `/runs/${view.id}/trace.csv` });
    expect(trace.status).toBe(404);
    expect(trace.json().code).toBe('CLEARSIM_DOWNLOAD_NOT_AVAILABLE');
  });

  it('runs a sweep to done: one row per grid point, in grid order', async () => {
    const r = await call({
      method: 'POST',
      url: '/sweep',
      payload: { scenario: 'chongqing-2023', params: ['stages.inspection.servers=8,16'], replications: 2, overrides: small },
    });
    expect(r.status).toBe(202);
    const v = await done(r.json().id);
    expect(v.kind).toBe('sweep');
    const sw = v.result;
    expect(sw.params).toEqual([{ path: 'stages.inspection.servers', values: ['8', '16'] }]);
    expect(sw.points.map((p: any) => p['stages.inspection.servers'])).toEqual([8, 16]);
    // twice the inspectors: the inspection queue is shorter (same shipments at both points)
    expect(sw.points[1].inspection_wait_mean_h).toBeLessThan(sw.points[0].inspection_wait_mean_h);
    const html = await call({ url: `/runs/${v.id}/report.html` });
    expect(html.type).toBe('text/html; charset=utf-8');
    expect((await call({ url: `/runs/${v.id}/firms.csv` })).status).toBe(404);
  });

  it('serves a run report as HTML and JSON, its trace and firm table as CSV, with the right types', async () => {
    const r = await call({ method: 'POST', url: '/runs', payload: { scenario: 'chongqing-2023', replications: 1, overrides: small } });
    const id = r.json().id;
    const before = await call({ url: `/runs/${id}/report.html` });
    // nothing to download before it is done (or it finished already: then 200)
    expect([200, 409]).toContain(before.status);
    const v = await done(id);
    expect(Object.keys(v.links).sort()).toEqual(
      ['events', 'firms', 'metrics', 'report_html', 'report_json', 'self', 'timeline', 'trace'].sort(),
    );
    const html = await call({ url: v.links.report_html });
    expect(html.type).toBe('text/html; charset=utf-8');
    expect(html.text).toContain('chongqing-2023');
    // with its stages over simulated time, as `run --report` draws them
    expect(html.text).toContain('timeline-queue-');
    expect(html.text).not.toContain('No timeline in this report');
    expect(v.report.timeline).toBeUndefined();
    const json = await call({ url: v.links.report_json });
    expect(json.type).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.text)).toEqual(v.report);
    const trace = await call({ url: `${v.links.trace}?download=true` });
    expect(trace.status).toBe(200);
    expect(trace.type).toBe('text/csv; charset=utf-8');
    expect(trace.headers['content-disposition']).toBe(`attachment; filename="trace-${id}.csv"`);
    const lines = trace.text.trim().split('\n');
    expect(lines[0]).toMatch(/^replication,id,/);
    // one row per shipment released in replication 0: the report's count (one replication)
    expect(lines.length - 1).toBe(v.report.shipments.released);
    const firms = await call({ url: v.links.firms });
    expect(firms.type).toBe('text/csv; charset=utf-8');
    expect(firms.text.split('\n')[0]).toMatch(/^id,tier,/);
  });

  it.each([
    ['compare without b or set', '/compare', { a: 'chongqing-2023' }, 'body.b'],
    ['compare with both b and set', '/compare', { a: 'chongqing-2023', b: 'chongqing-2023', set: ['seed=1'] }, 'body.set'],
    ['compare with one replication', '/compare', { a: 'chongqing-2023', set: ['seed=1'], replications: 1 }, 'body.replications'],
    ['compare with a bad set entry', '/compare', { a: 'chongqing-2023', set: ['nonsense'] }, 'body.set[0]'],
    ['compare with an unknown field', '/compare', { a: 'chongqing-2023', set: ['seed=1'], colour: 'red' }, 'colour'],
    ['compare with distribute and no Redis', '/compare', { a: 'chongqing-2023', set: ['seed=1'], distribute: true }, 'body.distribute'],
    ['sweep without params', '/sweep', { scenario: 'chongqing-2023' }, 'params'],
    ['sweep with a malformed param', '/sweep', { scenario: 'chongqing-2023', params: ['stages.inspection.servers'] }, 'body.params.0'],
    ['sweep with a param twice', '/sweep', { scenario: 'chongqing-2023', params: ['seed=1,2', 'seed=3'] }, 'body.params.1'],
    [
      'sweep with a value the scenario refuses',
      '/sweep',
      { scenario: 'chongqing-2023', params: ['stages.inspection.servers=8,-3'] },
      'stages.inspection.servers',
    ],
    ['run without a scenario', '/runs', { replications: 2 }, 'body.scenario'],
    ['run with scenario and scenario_text', '/runs', { scenario: 'chongqing-2023', scenario_text: 'name: x' }, 'body.scenario'],
  ])('answers %s with 400 naming the field', async (_what, url, payload, field) => {
    const r = await call({ method: 'POST', url, payload });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const body = r.json();
    expect(body.message).toContain(field);
    expect(body.code).toMatch(/^CLEARSIM_/);
  });

  it('reads scenario_text as a file: problems come with their lines', async () => {
    const text = 'version: 1\nname: broken\nseed: 1\nhorizon:\n  days: -4\n';
    const r = await call({ method: 'POST', url: '/scenarios/validate', payload: { scenario_text: text } });
    expect(r.status).toBe(400);
    const body = r.json();
    expect(body.code).toBe('CLEARSIM_SCENARIO_INVALID');
    const days = body.issues.find((i: any) => i.path === 'horizon.days');
    expect(days).toMatchObject({ source: 'scenario_text', line: 5 });
    expect(body.message).toContain('scenario_text:5 horizon.days');
    const bundled = (await call({ url: '/scenarios/chongqing-2023' })).json();
    const ok = await call({
      method: 'POST',
      url: '/scenarios/validate',
      payload: { scenario_text: bundled.text, overrides: { 'horizon.days': 5 } },
    });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ valid: true, scenario: { name: 'chongqing-2023', horizon_days: 5 } });
    expect((await call({ url: '/scenarios/no-such' })).status).toBe(400);
  });

  it('deletes a finished run with purge=true, and cannot cancel it', async () => {
    const r = await call({ method: 'POST', url: '/runs', payload: { scenario: 'chongqing-2023', replications: 1, overrides: small } });
    const id = r.json().id;
    await done(id);
    expect((await call({ method: 'DELETE', url: `/runs/${id}` })).status).toBe(409);
    expect((await call({ method: 'DELETE', url: `/runs/${id}?purge=true` })).status).toBe(204);
    expect((await call({ url: `/runs/${id}` })).status).toBe(404);
    expect((await call({ method: 'DELETE', url: `/runs/${id}?purge=true` })).status).toBe(404);
  });
});
