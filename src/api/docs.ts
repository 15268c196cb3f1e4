import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorSchema, reportComponents, scenarioComponents, withReportRef } from './schemas.js';

const version = (): string => {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    // Only the version label of the OpenAPI document is lost: not worth refusing to serve the docs over.
    return '0.0.0';
  }
};

/** The OpenAPI 3.1 document (at /docs/json, /docs/yaml) and Swagger UI at /docs. Register before the routes. */
export function registerDocs(app: FastifyInstance, opts: { tokenRequired: boolean }): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'clearsim API',
        version: version(),
        description:
          'Start customs clearance simulation runs, follow them, and read their reports; /metrics for Prometheus. ' +
          (opts.tokenRequired
            ? 'This server has a token: the /runs routes need `Authorization: Bearer <token>`.'
            : 'This server has no token (CLEARSIM_TOKEN unset): the /runs routes are open.'),
      },
      tags: [{ name: 'runs' }, { name: 'scenarios' }, { name: 'server' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: "The server's CLEARSIM_TOKEN" } },
        schemas: { ApiError: errorSchema as unknown as Record<string, unknown>, ...scenarioComponents(), ...reportComponents() },
      },
    },
    // a run's report as the report schema (a route with a swaggerTransform of its own applies it itself)
    transform: ({ schema, url }) => ({ schema: withReportRef(schema), url }),
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}
