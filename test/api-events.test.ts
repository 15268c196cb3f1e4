import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';

interface Sse {
  event: string;
  id: number;
  data: any;
}

/** Reads a text/event-stream to its end (the server closes it after `end`), event by event. */
async function stream(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; events: Sse[] }> {
  const res = await fetch(url, { headers });
  const events: Sse[] = [];
  if (!res.body || res.status !== 200) return { status: res.status, type: res.headers.get('content-type'), events };
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      i = buf.indexOf('\n\n');
      if (block.startsWith(':')) continue; // keep-alive comment
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      events.push({ event: field('event')!, id: Number(field('id')), data: JSON.parse(field('data')!) });
    }
  }
  return { status: res.status, type: res.headers.get('content-type'), events };
}

describe('GET /runs/:id/events (server-sent events)', () => {
  let app: FastifyInstance;
  let base: string;
  const token = 'ev-token';
  const auth = { authorization: `Bearer ${token}` };
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), token });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
  });

  const start = async (body: unknown) => {
    const r = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(202);
    return (await r.json()) as { id: string; links: Record<string, string> };
  };

  it('streams status, progress and live flow snapshots of a paced run, then a final end event', async () => {
    // 4 simulated days (and the drain after) at 4 simulated days per wall second
    const { id, links } = await start({ scenario: 'chongqing-2023', replications: 1, days: 4, time_scale: 345600 });
    expect(links.events).toBe(`/runs/${id}/events`);
    const s = await stream(`${base}${links.events}?token=${token}`);
    expect(s.status).toBe(200);
    expect(s.type).toMatch(/^text\/event-stream/);
    const names = s.events.map((e) => e.event);
    expect(names[0]).toBe('status');
    expect(names.at(-1)).toBe('end');
    expect(names.filter((n) => n === 'end')).toHaveLength(1);
    // ids count up from 1
    expect(s.events.map((e) => e.id)).toEqual(s.events.map((_, i) => i + 1));

    const progress = s.events.filter((e) => e.event === 'progress').map((e) => e.data.progress);
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(progress.every((p) => p >= 0 && p <= 1)).toBe(true);

    const flows = s.events.filter((e) => e.event === 'flow').map((e) => e.data);
    expect(flows.length).toBeGreaterThan(3);
    const info = (await (await fetch(`${base}/scenarios`)).json()).scenarios.find((x: any) => x.name === 'chongqing-2023');
    const stages: string[] = info.stages;
    const tiers: string[] = info.tiers.map((t: any) => t.name);
    for (const f of flows) {
      expect(f.stages.map((st: any) => st.name)).toEqual(stages);
      for (const st of f.stages) {
        expect(st.queue).toBeGreaterThanOrEqual(0);
        // an embedded run knows every stage's busy servers (a closing stage finishes the services
        // under way, so busy may stand above a capacity that just fell)
        expect(Number.isInteger(st.busy) && st.busy >= 0).toBe(true);
        expect(st.capacity === null || (Number.isInteger(st.capacity) && st.capacity >= 0)).toBe(true);
      }
      expect(Object.keys(f.released_per_hour.by_tier).sort()).toEqual([...tiers].sort());
      for (const counts of Object.values<number[]>(f.released_per_hour.by_tier))
        expect(counts).toHaveLength(f.released_per_hour.hour.length);
      expect(f.released_per_hour.hour.length).toBeLessThanOrEqual(48);
    }
    // the simulated clock moves on, and shipments are released by the hour
    const clocks = flows.map((f) => f.clock_hours);
    for (let i = 1; i < clocks.length; i++) expect(clocks[i]).toBeGreaterThanOrEqual(clocks[i - 1]);
    expect(clocks.at(-1)! - clocks[0]).toBeGreaterThan(24);
    const last = flows.at(-1);
    const releasedIn = (f: any) =>
      Object.values<number[]>(f.released_per_hour.by_tier)
        .flat()
        .reduce((a, b) => a + b, 0);
    expect(Math.max(...flows.map(releasedIn))).toBeGreaterThan(0);

    const end = s.events.at(-1)!.data;
    expect(end).toMatchObject({ id, status: 'done' });
    expect(end.links.report_html).toBe(`/runs/${id}/report.html`);

    // the timeline replays replication 0: its hourly releases add up to the report's
    const run = await (await fetch(`${base}/runs/${id}`, { headers: auth })).json();
    const tl = await (await fetch(`${base}/runs/${id}/timeline`, { headers: auth })).json();
    const total = Object.values<number[]>(tl.released_per_hour.by_tier)
      .flat()
      .reduce((a, b) => a + b, 0);
    expect(total).toBe(run.report.shipments.released);
    expect(tl.frames.length).toBeGreaterThan(48);
    expect(tl.stages.map((x: any) => x.name)).toEqual(last.stages.map((x: any) => x.name));
    for (const f of tl.frames) expect(f.stages).toHaveLength(tl.stages.length);
  });

  it('shows a flood as active in the flow while the simulated clock is inside it', async () => {
    // the bundled flood scenario: one disruption window; a paced run goes through it
    const list = await (await fetch(`${base}/scenarios`)).json();
    const flood = list.scenarios.find((s: any) => /flood/.test(s.name));
    expect(flood).toBeDefined();
    const { id } = await start({ scenario: flood.name, replications: 1, time_scale: 4 * 86400 });
    const s = await stream(`${base}/runs/${id}/events`, auth);
    const flows = s.events.filter((e) => e.event === 'flow').map((e) => e.data);
    expect(flows[0].disruptions.length).toBeGreaterThan(0);
    const d = flows[0].disruptions[0];
    const inside = flows.filter((f) => f.clock_hours >= d.start_hour + 1 && f.clock_hours < d.end_hour - 1);
    const outside = flows.filter((f) => f.clock_hours < d.start_hour - 1 || f.clock_hours > d.end_hour + 1);
    expect(inside.length).toBeGreaterThan(0);
    expect(outside.length).toBeGreaterThan(0);
    for (const f of inside) {
      expect(f.disruptions[0].active).toBe(true);
      expect(f.active_disruptions).toBeGreaterThanOrEqual(1);
    }
    for (const f of outside) expect(f.disruptions[0].active).toBe(false);
    expect(s.events.at(-1)!.data.status).toBe('done');
  });

  it('answers a finished run with its status and end at once, and an unknown one with 404 JSON', async () => {
    const { id } = await start({ scenario: 'chongqing-2023', replications: 1, days: 1, overrides: { 'horizon.warmup_days': 0 } });
    await app.runs.idle();
    const s = await stream(`${base}/runs/${id}/events`, auth);
    expect(s.events.map((e) => e.event)).toEqual(['status', 'end']);
    expect(s.events[0].data).toMatchObject({ id, status: 'done', progress: 1 });
    const missing = await fetch(`${base}/runs/00000000-0000-4000-8000-000000000000/events`, { headers: auth });
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe('CLEARSIM_RUN_NOT_FOUND');
  });

  it('needs the token, in the header or as ?token= (EventSource sends no headers)', async () => {
    const { id } = await start({ scenario: 'chongqing-2023', replications: 1, days: 1, overrides: { 'horizon.warmup_days': 0 } });
    await app.runs.idle();
    expect((await fetch(`${base}/runs/${id}/events`)).status).toBe(401);
    expect((await fetch(`${base}/runs/${id}/events?token=wrong`)).status).toBe(401);
    expect((await stream(`${base}/runs/${id}/events?token=${token}`)).events.at(-1)?.event).toBe('end');
  });

  it('ends the stream of a cancelled run with end: cancelled', async () => {
    const { id } = await start({ scenario: 'chongqing-2023', days: 20, time_scale: 3600 });
    const s = stream(`${base}/runs/${id}/events`, auth);
    await new Promise((r) => setTimeout(r, 500));
    expect((await fetch(`${base}/runs/${id}`, { method: 'DELETE', headers: auth })).status).toBe(202);
    const { events } = await s;
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { id, status: 'cancelled' } });
  });
});

describe('GET /runs/:id/events of a BullMQ run (a real Redis)', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), redisUrl: inject('redisUrl') });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
  });

  it('streams the stage queues as the coordinator sees them, and replays them after', async () => {
    const r = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        scenario: 'chongqing-2023',
        overrides: { 'horizon.days': 1, 'horizon.warmup_days': 0 },
        runtime: 'bullmq',
        time_scale: 43200,
        workers: 1,
      }),
    });
    expect(r.status).toBe(202);
    const { id } = await r.json();
    const s = await stream(`${base}/runs/${id}/events`);
    expect(s.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'done' } });
    const flows = s.events.filter((e) => e.event === 'flow').map((e) => e.data);
    expect(flows.length).toBeGreaterThan(3);
    // the coordinator sees the queues, not the workers' busy servers
    expect(flows.some((f) => f.stages.some((st: any) => st.queue > 0))).toBe(true);
    for (const f of flows) for (const st of f.stages) expect(st.busy).toBeNull();
    const run = await (await fetch(`${base}/runs/${id}`)).json();
    const tl = await (await fetch(`${base}/runs/${id}/timeline`)).json();
    const total = Object.values<number[]>(tl.released_per_hour.by_tier)
      .flat()
      .reduce((a, b) => a + b, 0);
    expect(total).toBe(run.report.shipments.released);
  });
});
