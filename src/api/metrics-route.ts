import Fastify, { type FastifyInstance } from 'fastify';
/** Where /metrics comes from: a process's SimMetrics (its registry and the runs in its threads). */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

/** GET /metrics in Prometheus' text format. */
export function metricsRoute(app: FastifyInstance, registry: MetricsSource): void {
  app.get(
    '/metrics',
    {
      schema: {
        description: 'Prometheus metrics of this process (see docs/metrics.md)',
        produces: ['text/plain'],
        response: { 200: { type: 'string' } },
      },
    },
    async (_req, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.text();
    },
  );
}

/**
 * A process that simulates but is not the API server (a paced `clearsim run --serve`, a worker
 * with --metrics-port) serves only /metrics and /healthz.
 */
export async function serveMetrics(registry: MetricsSource, port: number, host = '127.0.0.1'): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  metricsRoute(app, registry);
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.listen({ port, host });
  return app;
}
