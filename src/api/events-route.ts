import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FINAL_STATUSES } from './store/run-store.js';
import { linksOf, type RunEvent, type RunManager } from './run-manager.js';
import { routeSchemas } from './schemas.js';

/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * GET /runs/:id/events: the run's progress and live flow as server-sent events (docs/api.md):
 * `status` first, then `progress` and `flow` as they come, `end` last (then the stream closes).
 * A finished run answers `status` and `end` at once.
 */
export function eventsRoute(app: FastifyInstance, deps: { runs: RunManager; auth?: (req: FastifyRequest) => Promise<void> }): void {
  const { runs } = deps;
  // EventSource cannot send headers: ?token= stands for Authorization: Bearer
  const onRequest = deps.auth
    ? [
        async (req: FastifyRequest) => {
          const token = (req.query as { token?: string }).token;
          if (token && !req.headers.authorization) req.headers.authorization = `Bearer ${token}`;
          await deps.auth!(req);
        },
      ]
    : [];

  app.get<{ Params: { id: string } }>('/runs/:id/events', { schema: routeSchemas.runEvents, onRequest }, async (req, reply) => {
    const rec = await runs.record(req.params.id); // 404 as JSON, before the stream starts
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let seq = 0;
    const send = (e: RunEvent) => res.write(`id: ${++seq}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    const statusOf = (r: typeof rec): RunEvent => ({
      event: 'status',
      data: { id: r.id, kind: r.kind, status: r.status, progress: r.progress },
    });
    const endOf = (r: typeof rec): RunEvent => ({
      event: 'end',
      data: { id: r.id, status: r.status, ...(r.error ? { error: r.error } : {}), links: linksOf(r) },
    });

    let cleanup = () => {};
    const close = () => {
      cleanup();
      res.end();
    };
    const sub = FINAL_STATUSES.has(rec.status)
      ? undefined
      : runs.subscribe(rec.id, (e) => {
          send(e);
          if (e.event === 'end') close();
        });
    if (!sub) {
      // finished (or finished between the two reads): its record says how
      const r = await runs.record(rec.id);
      send(statusOf(r));
      send(endOf(r));
      res.end();
      return;
    }
    const live = await runs.record(rec.id);
    send(statusOf(live));
    if (sub.lastFlow) send({ event: 'flow', data: sub.lastFlow });
    const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    cleanup = () => {
      clearInterval(keepalive);
      sub.unsubscribe();
    };
    req.raw.on('close', cleanup);
  });
}
