import { readFileSync } from 'node:fs';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { optimize, parseVary } from '../src/experiments/optimize.js';
import { parseTarget } from '../src/experiments/target.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';
import { mmc } from './helpers/queueing.js';

const FIXTURE = 'test/fixtures/tandem-mmc.yaml';
const TEXT = readFileSync(FIXTURE, 'utf8');
// the tandem of test/optimize.test.ts: first stage mu 1, second mu 2, arrivals 4/h
const clearance = (c1: number, c2: number) => mmc(c1, 4, 1).Wq + mmc(c2, 4, 2).Wq + 1.5;
const VARY = ['stages.first.servers=4..8', 'stages.second.servers=2..5'];
// Erlang C: (6,3) 1.865 h meets it, cost 9; (5,4) 2.098 h and (5,3) 2.276 h do not (see test/optimize.test.ts for the margins)
const TARGET = 'overall.clearance_hours.mean<=1.95h';

describe('POST /optimize: `clearsim optimize` as an asynchronous run', () => {
  let app: FastifyInstance;
  const call = async (o: InjectOptions) => {
    const r = await app.inject(o);
    return { status: r.statusCode, type: String(r.headers['content-type']), headers: r.headers, text: r.body, json: () => r.json() };
  };
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('finds the same cheapest staffing as the experiments function, followed with GET /runs/:id and its events', async () => {
    const r = await call({ method: 'POST', url: '/optimize', payload: { scenario_text: TEXT, vary: VARY, target: [TARGET] } });
    expect(r.status, r.text).toBe(202);
    const view = r.json();
    expect(view).toMatchObject({ kind: 'optimize', status: 'queued', scenario: 'tandem-mmc', seed: 1, replications: 5 });
    expect(r.headers.location).toBe(`/runs/${view.id}`);
    // the event stream of the going run: status, progress, and a final end
    const events = await call({ url: `/runs/${view.id}/events` });
    expect(events.type).toMatch(/^text\/event-stream/);
    const names = [...events.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names[0]).toBe('status');
    const progress = [...events.text.matchAll(/^event: progress\ndata: (.+)$/gm)].map((m) => JSON.parse(m[1]).progress);
    expect(progress.length).toBeGreaterThan(0);
    // candidates evaluated against a guess of the search's length: it creeps up, never reaching 1 before the end
    for (const [i, x] of progress.entries()) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      if (i) expect(x).toBeGreaterThanOrEqual(progress[i - 1]);
    }
    expect(Math.max(...progress)).toBeGreaterThan(0);
    expect(names.at(-1)).toBe('end');
    const end = JSON.parse(
      events.text
        .trim()
        .split('\n')
        .at(-1)!
        .replace(/^data: /, ''),
    );
    expect(end).toMatchObject({ id: view.id, status: 'done' });
    expect(end.links.report_html).toBe(`/runs/${view.id}/report.html`);

    await app.runs.idle();
    const v = (await call({ url: `/runs/${view.id}` })).json();
    expect(v.status, v.error).toBe('done');
    expect(v.progress).toBe(1);
    expect(Object.keys(v.links).sort()).toEqual(['events', 'metrics', 'report_html', 'report_json', 'self']);
    const o = v.result;
    // the same search, run here by the experiments function on the same file: the same seeds, so the same evidence
    const direct = await optimize(
      FIXTURE,
      VARY.map((x) => parseVary(x)),
      [parseTarget(TARGET)],
      {
        confidence: 0.95,
        replications: 5,
        maxReplications: 40,
      },
    );
    const plain = JSON.parse(JSON.stringify(direct));
    expect(o.best).toEqual(plain.best);
    expect(o.candidates).toEqual(plain.candidates);
    expect(o).toEqual(plain);
    // and it is the answer of Erlang C
    expect(o.best.values).toEqual({ 'stages.first.servers': 6, 'stages.second.servers': 3 });
    expect(o.best.cost).toBe(9);
    expect(o.best.targets[0].verdict).toBe('holds');
    expect(Math.abs(o.best.targets[0].estimate - clearance(6, 3))).toBeLessThan(o.best.targets[0].half_width + 0.03);

    const list = (await call({ url: '/runs?kind=optimize' })).json();
    expect(list.runs.map((x: { id: string }) => x.id)).toContain(view.id);

    const html = await call({ url: `/runs/${view.id}/report.html?download=true` });
    expect(html.status).toBe(200);
    expect(html.type).toBe('text/html; charset=utf-8');
    expect(html.headers['content-disposition']).toBe(`attachment; filename="optimize-${view.id}.html"`);
    expect(html.text).toMatch(/^<!doctype html>/);
    expect(html.text).toMatch(
      /Cheapest configuration meeting every target[\s\S]*stages\.first\.servers = <strong>6<\/strong>, stages\.second\.servers = <strong>3<\/strong>/,
    );
    const json = await call({ url: `/runs/${view.id}/report.json` });
    expect(JSON.parse(json.text)).toEqual(o);
    const firms = await call({ url: `/runs/${view.id}/firms.csv` });
    expect(firms.status).toBe(404);
    expect(firms.json().code).toBe('CLEARSIM_DOWNLOAD_NOT_AVAILABLE');
  });

  it('takes the fixed overrides, seed and days, and the search settings, as the CLI takes --set, --days, --steps', async () => {
    // one stage by bisection (test/optimize.test.ts: 6 servers, Erlang C 0.142 h against 0.554 h at 5)
    const payload = {
      scenario_text: TEXT,
      overrides: ['stages.second.servers=5'],
      days: 30,
      vary: ['stages.first.servers=1..12:2.5'],
      target: ['stages.first.wait_hours.mean<=15m'],
      replications: 4,
      max_replications: 16,
    };
    const r = await call({ method: 'POST', url: '/optimize', payload });
    expect(r.status, r.text).toBe(202);
    expect(r.json()).toMatchObject({ horizon_days: 30, replications: 4, overrides: ['stages.second.servers=5'] });
    await app.runs.idle();
    const v = (await call({ url: `/runs/${r.json().id}` })).json();
    expect(v.status, v.error).toBe('done');
    const o = v.result;
    expect(o.search).toBe('bisection');
    expect(o.replications).toEqual({ initial: 4, max: 16 });
    expect(o.best.values).toEqual({ 'stages.first.servers': 6 });
    expect(o.best.cost).toBe(15);
    for (const c of o.candidates) if (c.values['stages.first.servers'] <= 4) expect(c.verdict).toBe('overloaded');
  });

  it('cancels a going search with DELETE: its thread stops and it stays cancelled', async () => {
    // ten times the fixture's shipments per candidate: a search of many seconds, cancelled at once
    const r = await call({
      method: 'POST',
      url: '/optimize',
      payload: {
        scenario_text: TEXT,
        days: 400,
        vary: VARY,
        target: [TARGET],
        replications: 2,
      },
    });
    expect(r.status, r.text).toBe(202);
    const id = r.json().id;
    const before = (await call({ url: `/runs/${id}` })).json();
    expect(['queued', 'running']).toContain(before.status);
    const del = await call({ method: 'DELETE', url: `/runs/${id}` });
    expect(del.status).toBe(202);
    await app.runs.idle();
    const v = (await call({ url: `/runs/${id}` })).json();
    expect(v.status).toBe('cancelled');
    expect(v.result).toBeUndefined();
    expect((await call({ url: `/runs/${id}/report.html` })).status).toBe(409);
  });

  it.each([
    ['a malformed range', { vary: ['stages.first.servers=8'] }, 'body.vary[0]', /must be PATH=LO\.\.HI/],
    ['a range upside down', { vary: ['stages.first.servers=4..8', 'stages.second.servers=5..2'] }, 'body.vary[1]', /HI must be above LO/],
    ['a range the scenario refuses', { vary: ['stages.frist.servers=4..8'] }, 'body.vary[0]', /frist/],
    ['a parameter varied twice', { vary: ['stages.first.servers=4..8', 'stages.first.servers=5..6'] }, 'body.vary[1]', /varied twice/],
    ['a malformed target', { target: ['overall.clearance_hours.mean=<2h'] }, 'body.target[0]', /must be PATH OP VALUE/],
    [
      'a target that names no number of the report',
      { target: [TARGET, 'overall.clearance_hour.mean<=2h'] },
      'body.target[1]',
      /did you mean overall\.clearance_hours\.mean\?/,
    ],
    ['no target', { target: [] }, 'target', /fewer than 1/],
    ['max_replications below replications', { replications: 10, max_replications: 5 }, 'body.max_replications', /at least replications/],
    ['a confidence of 1', { confidence: 1 }, 'confidence', /.+/],
  ])('answers %s with 400 naming the field, before anything runs', async (_what, change, field, message) => {
    const before = (await call({ url: '/runs?kind=optimize' })).json().total;
    const r = await call({ method: 'POST', url: '/optimize', payload: { scenario_text: TEXT, vary: VARY, target: [TARGET], ...change } });
    expect(r.status, r.text).toBe(400);
    const body = r.json();
    expect(body.message).toContain(field);
    expect(body.message).toMatch(message);
    expect(body.code).toMatch(/^CLEARSIM_/);
    expect(body.message).not.toMatch(/at .*\.[jt]s:\d+/);
    expect((await call({ url: '/runs?kind=optimize' })).json().total).toBe(before);
  });
});

describe('POST /optimize on a server with a small work budget', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), maxEvents: 200_000 });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });
  const start = async (payload: Record<string, unknown>) => {
    const r = await app.inject({ method: 'POST', url: '/optimize', payload: { scenario_text: TEXT, ...payload } });
    expect(r.statusCode, r.body).toBe(202);
    return r.json().id as string;
  };

  it("fails a search that passes the server's work budget, saying so", async () => {
    const id = await start({ vary: ['stages.first.servers=5..8'], target: ['overall.clearance_hours.mean<=2h'] });
    await app.runs.idle();
    const v = (await app.inject({ url: `/runs/${id}` })).json();
    expect(v.status).toBe('failed');
    expect(v.error).toMatch(/the search would pass its budget of 200,000 simulated events/);
    expect(v.result).toBeUndefined();
  });
});
