import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, until, type Served } from './helpers/serve.js';

const small = { scenario: 'chongqing-2023', replications: 1, overrides: { 'horizon.days': 2, 'horizon.warmup_days': 0 } };
const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const json = async (url: string) => (await fetch(url)).json() as Promise<any>;

describe('runs that persist across restarts of clearsim serve (--data DIR)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clearsim-data-'));
  const started: Served[] = [];
  const start = async () => {
    const s = await serve(['--data', dir]);
    started.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of started) await s.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a finished run with its report after a restart with the same data directory', async () => {
    const a = await start();
    expect(a.stderr()).toContain(`runs kept in ${dir}`);
    const r = await post(`${a.url}/runs`, small);
    expect(r.status).toBe(202);
    const { id } = await r.json();
    const done = await until(
      () => json(`${a.url}/runs/${id}`),
      (v) => v.status === 'done',
      'the run to finish',
    );
    expect(await a.stop()).toBe(0);

    const b = await start();
    const list = await json(`${b.url}/runs`);
    expect(list.runs.map((x: any) => x.id)).toContain(id);
    const again = await json(`${b.url}/runs/${id}`);
    expect(again.status).toBe('done');
    // the very report, not a run again
    expect(JSON.stringify(again.report)).toBe(JSON.stringify(done.report));
    expect(again.report.shipments.released).toBeGreaterThan(0);
    const html = await fetch(`${b.url}/runs/${id}/report.html`);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // and it can be deleted, for good
    expect((await fetch(`${b.url}/runs/${id}?purge=true`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${b.url}/runs/${id}`)).status).toBe(404);
    expect(await b.stop()).toBe(0);
    const c = await start();
    expect((await fetch(`${c.url}/runs/${id}`)).status).toBe(404);
    expect(await c.stop()).toBe(0);
  });

  it.each([
    ['a graceful stop (SIGTERM)', 'SIGTERM' as const],
    ['a crash (SIGKILL)', 'SIGKILL' as const],
  ])('marks a run in progress at %s interrupted after the restart, never running', async (_what, signal) => {
    const a = await start();
    // paced: a simulated day per wall second, 20 days: still going when the server stops
    const r = await post(`${a.url}/runs`, { scenario: 'chongqing-2023', days: 20, time_scale: 86400 });
    const { id } = await r.json();
    await until(
      () => json(`${a.url}/runs/${id}`),
      (v) => v.status === 'running' && v.progress > 0,
      'the run to be under way',
    );
    // the store has seen it running (progress is saved every second)
    await new Promise((res) => setTimeout(res, 1200));
    await a.stop(signal);

    const b = await start();
    const run = await json(`${b.url}/runs/${id}`);
    expect(run.status).toBe('interrupted');
    expect(run.finished_at).not.toBeNull();
    expect(run.error).toMatch(/server stopped/);
    expect(run.report).toBeUndefined();
    expect((await json(`${b.url}/runs?status=running`)).total).toBe(0);
    expect((await json(`${b.url}/healthz`)).runs.interrupted).toBeGreaterThanOrEqual(1);
    // no download of what never finished
    const dl = await fetch(`${b.url}/runs/${id}/report.html`);
    expect(dl.status).toBe(409);
    expect((await dl.json()).code).toBe('CLEARSIM_RUN_NOT_READY');
    expect(await b.stop()).toBe(0);
  });

  it('refuses a second server on the same data directory, naming the first', async () => {
    const a = await start();
    const pid = a.proc.pid;
    await expect(serve(['--data', dir])).rejects.toThrow(new RegExp(`already in use by another clearsim serve \\(pid ${pid}\\)`));
    expect(await a.stop()).toBe(0);
  });
});
