import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';
import type { RunManager, RunStatus } from './run-manager.js';
import type { ScenarioCatalog } from './scenario-catalog.js';
import { routeSchemas, type CreateRunBody } from './schemas.js';

/**
 * POST /runs, GET /runs, GET /runs/:id, DELETE /runs/:id: the control routes. `auth` guards them
 * when the server has a token. The OpenAPI document shows the inline scenario's full schema
 * (components.schemas.Scenario); requests are checked by the scenario loader instead, so that
 * its messages (`path: message`, with "did you mean") are the ones a client sees.
 */
export function runsRoutes(app: FastifyInstance, deps: { runs: RunManager; catalog: ScenarioCatalog; auth?: (req: any) => Promise<void> }): void {
  const { runs, catalog } = deps;
  const onRequest = deps.auth ? [deps.auth] : [];

  app.post<{ Body: CreateRunBody }>('/runs', {
    schema: routeSchemas.createRun,
    onRequest,
    config: { swaggerTransform: ({ schema, url }) => ({ schema: withScenarioRef(schema), url }) },
  }, async (req, reply) => {
    const b = req.body;
    if (b.runtime === 'embedded' && b.workers !== undefined) {
      throw new ApiError('BAD_REQUEST', 'body.workers: only for runtime "bullmq" (an embedded run has no workers)', [{ source: 'body', path: 'workers', message: 'only for runtime "bullmq"' }]);
    }
    if (b.runtime === 'bullmq' && !runs.redisUrl) {
      throw new ApiError('RUNTIME_UNAVAILABLE', 'body.runtime: "bullmq" needs Redis, and this server was started without a Redis URL', [{ source: 'body', path: 'runtime', message: 'bullmq is not available on this server' }]);
    }
    const scenario = catalog.resolve(b);
    const view = runs.start({ scenario, runtime: b.runtime, timeScale: b.time_scale ?? (b.runtime === 'bullmq' ? 3600 : undefined), workers: b.runtime === 'bullmq' ? b.workers ?? 2 : undefined });
    reply.code(202).header('location', view.links.self);
    return view;
  });

  app.get<{ Querystring: { status?: RunStatus; limit?: number } }>('/runs', { schema: routeSchemas.listRuns, onRequest }, async (req) => runs.list(req.query));

  app.get<{ Params: { id: string } }>('/runs/:id', { schema: routeSchemas.getRun, onRequest }, async (req) => runs.get(req.params.id));

  app.delete<{ Params: { id: string } }>('/runs/:id', { schema: routeSchemas.cancelRun, onRequest }, async (req, reply) => {
    const { view, changed } = runs.cancel(req.params.id);
    reply.code(changed ? 202 : 200);
    return view;
  });
}

/** The POST /runs schema as documented: the inline scenario branch is the scenario schema. */
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
