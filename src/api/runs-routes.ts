import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { withSaved } from './saved-scenarios.js';
import type { RunKind, RunManager, RunStatus } from './run-manager.js';
import type { ScenarioCatalog } from './scenario-catalog.js';
import { RUNTIMES, type RuntimeName } from '../runtime/runtimes.js';
import { routeSchemas, withReportRef, type CreateRunBody } from './schemas.js';

/**
 * POST /runs, GET /runs, GET /runs/:id, DELETE /runs/:id: the control routes. `auth` guards them
 * when the server has a token. The OpenAPI document shows the inline scenario's full schema
 * (components.schemas.Scenario); requests are checked by the scenario loader instead, so that
 * its messages (`path: message`, with "did you mean") are the ones a client sees.
 */
export function runsRoutes(
  app: FastifyInstance,
  deps: { runs: RunManager; catalog: ScenarioCatalog; auth?: (req: FastifyRequest) => Promise<void> },
): void {
  const { runs, catalog } = deps;
  const onRequest = deps.auth ? [deps.auth] : [];

  app.post<{ Body: CreateRunBody }>(
    '/runs',
    {
      schema: routeSchemas.createRun,
      onRequest,
      config: { swaggerTransform: ({ schema, url }) => ({ schema: withReportRef(withScenarioRef(schema)), url }) },
    },
    async (req, reply) => {
      const b = req.body;
      oneScenario(b.scenario, b.scenario_text, 'scenario', 'scenario_text');
      const runtime = runtimeOfBody(b, !!runs.redisUrl);
      const scenario = catalog.resolve(await withSaved(runs, catalog, b));
      const view = await runs.start({ scenario, runtime, timeScale: b.time_scale, workers: b.workers, overrides: b.overrides });
      reply.code(202).header('location', view.links.self);
      return view;
    },
  );

  app.get<{ Querystring: { status?: RunStatus; kind?: RunKind; limit?: number } }>(
    '/runs',
    { schema: routeSchemas.listRuns, onRequest },
    async (req) => runs.list(req.query),
  );

  app.get<{ Params: { id: string } }>('/runs/:id', { schema: routeSchemas.getRun, onRequest }, async (req) => runs.get(req.params.id));

  app.delete<{ Params: { id: string }; Querystring: { purge?: boolean } }>(
    '/runs/:id',
    { schema: routeSchemas.cancelRun, onRequest },
    async (req, reply) => {
      if (req.query.purge) {
        await runs.remove(req.params.id);
        return reply.code(204).send();
      }
      const { view, changed } = await runs.cancel(req.params.id);
      reply.code(changed ? 202 : 200);
      return view;
    },
  );
}

/** Exactly one of two ways to give a scenario; a 400 naming both otherwise. */
export function oneScenario(value: unknown, text: unknown, name: string, textName: string): void {
  const given = [value, text].filter((x) => x !== undefined).length;
  if (given === 1) return;
  const message = given
    ? `give ${name} or ${textName}, not both`
    : `is required (a bundled scenario's name or an inline scenario), or give ${textName}`;
  throw new ApiError('BAD_REQUEST', `body.${name}: ${message}`, [{ source: 'body', path: name, message }]);
}

/**
 * The registry's runtime a POST /runs body names, as `clearsim run` reads its flags: `runtime` is
 * where each replication is simulated, `distribute: true` runs the replications as jobs on
 * `clearsim worker` processes. Fields that mean nothing for it, or that contradict, are a 400.
 */
export function runtimeOfBody(
  b: Pick<CreateRunBody, 'runtime' | 'distribute' | 'time_scale' | 'workers'>,
  haveRedis: boolean,
): RuntimeName {
  const bad = (path: string, message: string) =>
    new ApiError('BAD_REQUEST', `body.${path}: ${message}`, [{ source: 'body', path, message }]);
  if (b.distribute && b.runtime === 'bullmq')
    throw bad('distribute', 'runs each replication on the embedded engine inside the workers: not with runtime "bullmq"');
  const name: RuntimeName = b.distribute ? 'distributed' : b.runtime;
  const rt = RUNTIMES[name];
  if (b.workers !== undefined && !rt.workers)
    throw bad('workers', 'only for runtime "bullmq" or with distribute: true (an embedded run here has no workers)');
  if (b.time_scale !== undefined && !rt.timeScale)
    throw bad('time_scale', 'not with distribute: distributed replications run as fast as the workers go');
  if (rt.needsRedis && !haveRedis) {
    const path = name === 'distributed' ? 'distribute' : 'runtime';
    const what = name === 'distributed' ? 'distribute' : `"${name}"`;
    throw new ApiError('RUNTIME_UNAVAILABLE', `body.${path}: ${what} needs Redis, and this server was started without a Redis URL`, [
      { source: 'body', path, message: `${what} is not available on this server` },
    ]);
  }
  return name;
}

/** The POST /runs schema as documented: the inline scenario branch is the scenario schema. */
// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is untyped JSON, walked by key
function withScenarioRef(schema: any): any {
  const body = schema.body;
  const [name, inline] = body.properties.scenario.anyOf;
  return {
    ...schema,
    body: {
      ...body,
      properties: {
        ...body.properties,
        scenario: { ...body.properties.scenario, anyOf: [name, { title: inline.title, $ref: '#/components/schemas/Scenario' }] },
      },
    },
  };
}
