import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';

/**
 * No request can take the server down: embedded runs execute in worker threads with a heap limit,
 * so a run that is too big is refused up front (its work estimate) or fails alone (its memory),
 * while /healthz keeps answering and other runs complete. Real HTTP on a real port: the latency
 * measured is what a client sees.
 */
const baseline = () => parseYaml(readFileSync('scenarios/chongqing-2023.yaml', 'utf8')) as Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runs off the event loop', () => {
  let app: FastifyInstance;
  let base = '';
  const post = (body: unknown) =>
    fetch(`${base}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      async (r) => ({ status: r.status, body: await r.json() }),
    );
  const view = (id: string) => fetch(`${base}/runs/${id}`).then((r) => r.json());
  const settled = async (id: string, ms = 90_000) => {
    const t0 = Date.now();
    for (;;) {
      const v = await view(id);
      if (['done', 'failed', 'cancelled'].includes(v.status)) return v;
      if (Date.now() - t0 > ms) throw new Error(`run ${id} still ${v.status} after ${ms} ms`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    // a small heap per run, so that an overloaded run meets it in seconds
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), runMemoryMb: 96 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses a run of 10 million declarations a day, and one whose work estimate is over the budget, naming why', async () => {
    const absurd = baseline();
    absurd.arrivals.per_day = 1e7;
    const r = await post({ scenario: absurd });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/arrivals\.per_day/);
    // a valid rate, but 28 days of it is more work than a run may ask for
    const big = baseline();
    big.arrivals.per_day = 1e6;
    const b = await post({ scenario: big });
    expect(b.status).toBe(400);
    expect(b.body.message).toMatch(/events/);
    expect((await fetch(`${base}/runs`).then((x) => x.json())).total).toBe(0);
  });

  it('stops an accepted run that outgrows its memory, while /healthz answers within 100 ms and another run completes', async () => {
    // within the work budget, but overloaded: 20 times the declarations its 30 officers can take,
    // so queues (and memory) grow without bound
    const heavy = baseline();
    heavy.arrivals.per_day = 60_000;
    heavy.horizon = { days: 28, warmup_days: 1 };
    const a = await post({ scenario: heavy });
    expect(a.status).toBe(202);
    const normal = await post({ scenario: 'chongqing-2023', overrides: { 'horizon.days': 4, 'horizon.warmup_days': 1 } });
    expect(normal.status).toBe(202);

    let worst = 0,
      probes = 0;
    let heavyView: any;
    const t0 = Date.now();
    for (;;) {
      const s = performance.now();
      const h = await fetch(`${base}/healthz`);
      expect(h.status).toBe(200);
      worst = Math.max(worst, performance.now() - s);
      probes++;
      heavyView = await view(a.body.id);
      if (heavyView.status !== 'running' && heavyView.status !== 'queued') break;
      if (Date.now() - t0 > 90_000) throw new Error('the heavy run neither finished nor failed in 90 s');
      await sleep(20);
    }
    expect(probes).toBeGreaterThan(5);
    expect(worst).toBeLessThan(100);
    expect(heavyView.status).toBe('failed');
    expect(heavyView.error).toMatch(/memory limit of 96 MiB/);
    const n = await settled(normal.body.id);
    expect(n.status).toBe('done');
    expect(n.report.shipments.released).toBe(n.report.shipments.arrived);
  });
});
