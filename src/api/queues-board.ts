import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { BULL_PREFIX } from '../runtime/bullmq/names.js';
import { ApiError } from './errors.js';

/** Where the read-only board is, and the one that can act on jobs (with the token). */
export const QUEUES_PATH = '/queues';
export const QUEUES_ADMIN_PATH = '/queues-admin';
const COOKIE = 'clearsim_token';
/** How often the boards look for queues that came or went (runs start and clean up theirs). */
const REFRESH_MS = 3000;

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The BullMQ operators' view (bull-board): the stage, flow and replication queues of the BullMQ
 * runs on the server's Redis, found by their keys. At /queues read-only for anyone who reaches
 * the server; at /queues-admin with retry, clean and remove, for holders of the token only (a
 * bearer header, or `?token=` once, which sets a cookie for that path: a browser cannot send
 * headers to a page). No token on the server: no admin board.
 */
export async function registerQueuesBoard(app: FastifyInstance, opts: { redisUrl: string; token?: string }): Promise<void> {
  const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // a Redis that is down shows as no queues; its errors must not crash the server
  redis.on('error', () => {});
  redis.connect().catch(() => {});

  const boards = [{ path: QUEUES_PATH, readOnlyMode: true }];
  if (opts.token) boards.push({ path: QUEUES_ADMIN_PATH, readOnlyMode: false });
  const mounted = boards.map((b) => {
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(b.path);
    const board = createBullBoard({
      queues: [],
      serverAdapter,
      options: { uiConfig: { boardTitle: b.readOnlyMode ? 'clearsim queues (read-only)' : 'clearsim queues' } },
    });
    return { ...b, serverAdapter, board };
  });

  const queues = new Map<string, Queue>();
  let refreshing: Promise<void> | undefined;
  let last = 0;
  const refresh = async () => {
    if (redis.status !== 'ready') return;
    const names = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${BULL_PREFIX}:*:meta`, 'COUNT', 500);
      cursor = next;
      for (const k of keys) {
        const name = k.slice(BULL_PREFIX.length + 1, -':meta'.length);
        // a run's own hashes (clearsim:run:<id>:meta) are not queues
        if (!name.startsWith('run:') && !name.includes(':')) names.add(name);
      }
    } while (cursor !== '0');
    for (const [name, q] of queues) {
      if (names.has(name)) continue;
      for (const m of mounted) m.board.removeQueue(name);
      queues.delete(name);
      await q.close().catch(() => {});
    }
    for (const name of names) {
      if (queues.has(name)) continue;
      const q = new Queue(name, { connection: redis, prefix: BULL_PREFIX });
      queues.set(name, q);
      for (const m of mounted) m.board.addQueue(new BullMQAdapter(q, { readOnlyMode: m.readOnlyMode }));
    }
  };
  const fresh = async () => {
    if (Date.now() - last < REFRESH_MS) return;
    last = Date.now();
    refreshing ??= refresh()
      .catch((err) => app.log.warn({ err }, 'queues board: could not list the queues'))
      .finally(() => {
        refreshing = undefined;
      });
    await refreshing;
  };

  const expected = opts.token ? digest(opts.token) : undefined;
  const holdsToken = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!expected) return false;
    const query = (req.query as { token?: string } | undefined)?.token;
    const bearer = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(req.headers.authorization ?? '')?.[1];
    const cookie = (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([k]) => k === COOKIE)?.[1];
    const given = query ?? bearer ?? (cookie ? decodeURIComponent(cookie) : undefined);
    if (!given || !timingSafeEqual(digest(given), expected)) return false;
    if (query) reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(query)}; Path=${QUEUES_ADMIN_PATH}; HttpOnly; SameSite=Strict`);
    return true;
  };

  for (const m of mounted) {
    await app.register(
      async (scope) => {
        scope.addHook('onRequest', async (req, reply) => {
          // the read-only board takes no action, whoever asks; the other only with the token
          if (m.readOnlyMode && !['GET', 'HEAD'].includes(req.method))
            throw new ApiError('UNAUTHORIZED', `${QUEUES_PATH} is read-only: act on jobs at ${QUEUES_ADMIN_PATH} with the token`);
          if (!m.readOnlyMode && !holdsToken(req, reply))
            throw new ApiError(
              'UNAUTHORIZED',
              `${QUEUES_ADMIN_PATH} needs the server's token: Authorization: Bearer <token>, or open ${QUEUES_ADMIN_PATH}?token=<token> once`,
              undefined,
              { 'www-authenticate': 'Bearer realm="clearsim"' },
            );
          await fresh();
        });
        await scope.register(m.serverAdapter.registerPlugin(), { prefix: m.path });
      },
      { logLevel: 'warn' },
    );
  }
  app.addHook('onClose', async () => {
    for (const q of queues.values()) await q.close().catch(() => {});
    redis.disconnect();
  });
}
