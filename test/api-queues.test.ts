import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';
import { BULL_PREFIX } from '../src/runtime/bullmq/names.js';

describe('the BullMQ operators’ view (bull-board at /queues)', () => {
  let app: FastifyInstance;
  let redis: Redis;
  let queue: Queue;
  const token = 'board-token';
  // a queue named as a BullMQ run's stage queue is, on the test's own Redis
  const name = `board-test-${Date.now()}.stage.inspection`;

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    queue = new Queue(name, { connection: redis, prefix: BULL_PREFIX });
    await queue.add('shipment', { id: 1 });
    await queue.add('shipment', { id: 2 });
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), redisUrl: inject('redisUrl'), queuesBoard: true, token });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  /** The board's own API, as its page calls it (polls until it has listed the queue). */
  const queues = async (base: string, headers: Record<string, string> = {}) => {
    for (let i = 0; i < 100; i++) {
      const r = await app.inject({ url: `${base}/api/queues?activeQueue=${encodeURIComponent(name)}&page=1&jobsPerPage=10`, headers });
      expect(r.statusCode).toBe(200);
      const body = r.json();
      const q = body.queues.find((x: any) => x.name === name);
      if (q) return q;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error('the board never listed the queue');
  };

  it('serves its page at /queues, without the token', async () => {
    const r = await app.inject({ url: '/queues' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('clearsim queues (read-only)');
  });

  it('shows the stage queues of the server’s Redis, read-only', async () => {
    const q = await queues('/queues');
    expect(q.readOnlyMode).toBe(true);
    expect(q.counts.waiting + (q.counts.wait ?? 0) + (q.counts.prioritized ?? 0)).toBeGreaterThanOrEqual(2);
  });

  it('refuses every action at /queues, with or without the token', async () => {
    for (const headers of [{}, { authorization: `Bearer ${token}` }]) {
      const r = await app.inject({ method: 'PUT', url: `/queues/api/queues/${encodeURIComponent(name)}/pause`, headers });
      expect(r.statusCode).toBe(401);
      expect(r.json().message).toContain('read-only');
    }
    expect(await queue.isPaused()).toBe(false);
  });

  it('opens /queues-admin only with the token, and there can act on a queue', async () => {
    expect((await app.inject({ url: '/queues-admin' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/queues-admin?token=wrong' })).statusCode).toBe(401);
    const page = await app.inject({ url: `/queues-admin?token=${token}` });
    expect(page.statusCode).toBe(200);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/^clearsim_token=board-token; Path=\/queues-admin; HttpOnly; SameSite=Strict/);
    const withCookie = { cookie: cookie.split(';')[0] };
    const q = await queues('/queues-admin', withCookie);
    expect(q.readOnlyMode).toBe(false);
    const pause = await app.inject({
      method: 'PUT',
      url: `/queues-admin/api/queues/${encodeURIComponent(name)}/pause`,
      headers: withCookie,
    });
    expect(pause.statusCode).toBeLessThan(300);
    expect(await queue.isPaused()).toBe(true);
    await queue.resume();
  });

  it('is not there on a server without a Redis for it', async () => {
    const plain = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
    await plain.ready();
    expect((await plain.inject({ url: '/queues' })).statusCode).toBe(404);
    await plain.close();
  });
});
