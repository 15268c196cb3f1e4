import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorSchema, scenarioComponents } from './schemas.js';

const version = (): string => {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
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
        description: 'Start customs clearance simulation runs, follow them, and read their reports; /metrics for Prometheus. '
          + (opts.tokenRequired ? 'This server has a token: the /runs routes need `Authorization: Bearer <token>`.' : 'This server has no token (CLEARSIM_TOKEN unset): the /runs routes are open.'),
      },
      tags: [{ name: 'runs' }, { name: 'scenarios' }, { name: 'server' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The server\'s CLEARSIM_TOKEN' } },
        schemas: { ApiError: errorSchema as unknown as Record<string, unknown>, ...scenarioComponents() },
      },
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}
