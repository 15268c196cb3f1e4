import type { FastifyInstance } from 'fastify';
import type { RunManager } from './run-manager.js';
import type { ScenarioCatalog } from './scenario-catalog.js';
import { routeSchemas } from './schemas.js';

/** GET /healthz and GET /scenarios: open, read-only. */
export function infoRoutes(app: FastifyInstance, deps: { runs: RunManager; catalog: ScenarioCatalog }): void {
  const started = Date.now();
  app.get('/healthz', { schema: routeSchemas.healthz }, async () => ({
    status: 'ok' as const,
    uptime_seconds: (Date.now() - started) / 1000,
    runs: deps.runs.counts(),
  }));
  app.get('/scenarios', { schema: routeSchemas.scenarios }, async () => ({ scenarios: deps.catalog.list() }));
}
