import { STATUS_CODES } from 'node:http';
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
        license: { name: 'MIT', identifier: 'MIT' },
        version: version(),
        description:
          'Start customs clearance simulation runs, comparisons and sweeps, follow them live, and read and download their reports; /metrics for Prometheus. Runs are kept by the server across restarts. ' +
          (opts.tokenRequired
            ? 'This server has a token: the /runs, /compare, /sweep and /optimize routes need `Authorization: Bearer <token>`.'
            : 'This server has no token (CLEARSIM_TOKEN unset): the /runs, /compare, /sweep and /optimize routes are open.'),
      },
      // relative: the document is right wherever the server is reached
      servers: [{ url: '/', description: 'this clearsim serve' }],
      tags: [
        { name: 'runs', description: 'Runs, comparisons and sweeps: start, follow (server-sent events), download, cancel, delete' },
        { name: 'scenarios', description: 'The bundled scenarios, and checking one before running it' },
        { name: 'server', description: 'Liveness and metrics' },
      ],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: "The server's CLEARSIM_TOKEN" } },
        schemas: { ApiError: errorSchema as unknown as Record<string, unknown>, ...scenarioComponents(), ...reportComponents() },
      },
    },
    // a run's report as the report schema (a route with a swaggerTransform of its own applies it itself)
    transform: ({ schema, url }) => ({ schema: documented(withReportRef(schema), url), url }),
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}

/** What the open routes of other files (GET /metrics) do not say of themselves: an id, a summary. */
const OPEN_ROUTES: Record<string, { operationId: string; summary: string }> = {
  '/metrics': { operationId: 'getMetrics', summary: 'Prometheus metrics of this process (docs/metrics.md)' },
};

/**
 * A route schema as documented: every operation with an operationId and a summary, its security
 * (the open routes: none), and a 4XX answer (a malformed request gets one from any route).
 */
// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is untyped JSON, walked by key
export function documented(schema: any, url: string): any {
  if (!schema || schema.hide) return schema;
  const out = { ...OPEN_ROUTES[url], ...schema };
  out.security ??= [];
  const response = { ...(out.response ?? {}) };
  if (!Object.keys(response).some((c) => c.startsWith('4'))) response['4XX'] = errorSchema;
  // every error answer is the one ApiError schema
  const error = JSON.stringify(errorSchema);
  for (const [code, r] of Object.entries(response))
    if (JSON.stringify(r) === error)
      response[code] = {
        description: code === '4XX' ? 'A malformed request' : (STATUS_CODES[code] ?? 'Error'),
        $ref: '#/components/schemas/ApiError',
      };
  out.response = response;
  return out;
}
