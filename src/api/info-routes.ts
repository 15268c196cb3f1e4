import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';
import type { RunManager } from './run-manager.js';
import { summaryOf, type ScenarioCatalog } from './scenario-catalog.js';
import { routeSchemas } from './schemas.js';

/** GET /healthz, GET /scenarios, GET /scenarios/:name and POST /scenarios/validate: open, nothing runs. */
export function infoRoutes(app: FastifyInstance, deps: { runs: RunManager; catalog: ScenarioCatalog }): void {
  const started = Date.now();
  const { catalog } = deps;
  app.get('/healthz', { schema: routeSchemas.healthz }, async () => ({
    status: 'ok' as const,
    uptime_seconds: (Date.now() - started) / 1000,
    runs: await deps.runs.counts(),
  }));
  app.get('/scenarios', { schema: routeSchemas.scenarios }, async () => ({
    scenarios: [
      ...catalog.list().map((info) => ({ ...info, saved: false })),
      // a saved one is run by the name it was saved under (its file's own name may differ)
      ...(await deps.runs.store.listScenarios()).map((x) => ({
        ...savedSummary(catalog, x.name, x.text),
        name: x.name,
        saved: true,
        saved_at: x.saved_at,
      })),
    ],
  }));
  app.get<{ Params: { name: string } }>('/scenarios/:name', { schema: routeSchemas.getScenario }, async (req) => {
    const e = catalog.entry(req.params.name);
    if (e) return { name: e.info.name, saved: false, text: e.text, scenario: e.info };
    const saved = await deps.runs.store.getScenario(req.params.name);
    if (saved) return { name: saved.name, saved: true, text: saved.text, scenario: savedSummary(catalog, saved.name, saved.text) };
    const message = `no bundled or saved scenario named ${JSON.stringify(req.params.name)} (bundled: ${catalog.names().join(', ')})`;
    throw new ApiError('UNKNOWN_SCENARIO', `params.name: ${message}`, [{ source: 'params', path: 'name', message }]);
  });
  app.post<{ Body: { scenario_text: string; overrides?: Record<string, unknown> | string[] } }>(
    '/scenarios/validate',
    { schema: routeSchemas.validateScenario },
    async (req) => {
      // the catalog's reading of overrides, then the text as a file: issues with their lines
      const s = catalog.resolve({ scenario_text: req.body.scenario_text, overrides: req.body.overrides });
      return { valid: true, scenario: summaryOf(s, null) };
    },
  );
}

/** A saved scenario's summary (it was valid when saved; the catalog reads it as a file would be). */
export function savedSummary(catalog: ScenarioCatalog, _name: string, text: string) {
  return summaryOf(catalog.resolve({ scenario_text: text }), null);
}
