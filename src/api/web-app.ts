import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The web app's build (web/dist/ at the package root): index.html at `/`. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * Serves the built web app at `/` (its files only: no directory listing, no fallback to
 * index.html for unknown paths, which stay the API's 404). Without a build, `/` says so.
 */
export async function registerWebApp(app: FastifyInstance, dir = WEB_DIST): Promise<void> {
  if (!existsSync(`${dir}/index.html`)) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.code(404).send({
        statusCode: 404,
        code: 'CLEARSIM_ROUTE_NOT_FOUND',
        error: 'Not Found',
        message: 'the web app is not built here (web/dist/index.html is missing); the API is at /docs',
      }),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    // hashed asset names can be cached; index.html is revalidated
    cacheControl: true,
    maxAge: 0,
    schemaHide: true,
  } as Parameters<typeof fastifyStatic>[1]);
}
