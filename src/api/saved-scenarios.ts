import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { savedSummary } from './info-routes.js';
import type { RunManager } from './run-manager.js';
import type { ScenarioCatalog } from './scenario-catalog.js';
import { routeSchemas } from './schemas.js';

/** Most saved scenarios a server keeps. */
export const MAX_SAVED_SCENARIOS = 500;

/**
 * PUT and DELETE /scenarios/saved/:name: scenarios written in the web app (or by a script), kept in
 * the run store beside the runs, and run by name like the bundled ones. Checked by the loader before
 * they are kept: a saved scenario is always one that runs.
 */
export function savedScenarioRoutes(
  app: FastifyInstance,
  deps: { runs: RunManager; catalog: ScenarioCatalog; auth?: (req: FastifyRequest) => Promise<void> },
): void {
  const { runs, catalog } = deps;
  const onRequest = deps.auth ? [deps.auth] : [];

  app.put<{ Params: { name: string }; Body: { scenario_text: string } }>(
    '/scenarios/saved/:name',
    { schema: routeSchemas.saveScenario, onRequest },
    async (req) => {
      const { name } = req.params;
      if (catalog.entry(name)) {
        const message = `${JSON.stringify(name)} is a bundled scenario's name: save it under another`;
        throw new ApiError('BAD_REQUEST', `params.name: ${message}`, [{ source: 'params', path: 'name', message }]);
      }
      const summary = savedSummary(catalog, name, req.body.scenario_text);
      const known = await runs.store.getScenario(name);
      if (!known && (await runs.store.listScenarios()).length >= MAX_SAVED_SCENARIOS)
        throw new ApiError(
          'BAD_REQUEST',
          `params.name: this server keeps ${MAX_SAVED_SCENARIOS} saved scenarios at most: delete one first`,
        );
      const saved_at = new Date().toISOString();
      await runs.store.saveScenario({ name, text: req.body.scenario_text, saved_at });
      return { name, saved: true, saved_at, scenario: summary };
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/scenarios/saved/:name',
    { schema: routeSchemas.deleteScenario, onRequest },
    async (req, reply) => {
      if (!(await runs.store.removeScenario(req.params.name))) {
        const message = `no saved scenario named ${JSON.stringify(req.params.name)}`;
        throw new ApiError('UNKNOWN_SCENARIO', `params.name: ${message}`, [{ source: 'params', path: 'name', message }]);
      }
      return reply.code(204).send();
    },
  );
}

/**
 * A body's scenario by name that is not bundled but saved: its text, as if given as scenario_text
 * (lines of its problems then refer to the saved text).
 */
export async function withSaved<T extends { scenario?: unknown; scenario_text?: string }>(
  runs: RunManager,
  catalog: ScenarioCatalog,
  body: T,
): Promise<T> {
  if (typeof body.scenario !== 'string' || catalog.entry(body.scenario)) return body;
  const saved = await runs.store.getScenario(body.scenario);
  if (!saved) return body;
  const { scenario: _s, ...rest } = body;
  return { ...rest, scenario_text: saved.text } as T;
}
