import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance, type HTTPMethods } from 'fastify';
import type { SimMetrics } from '../metrics/sim-metrics.js';
import { bearerAuth } from './auth.js';
import { registerDocs } from './docs.js';
import { API_ERRORS, ApiError, EMPTY_BODY_MESSAGE, toErrorResponse } from './errors.js';
import { infoRoutes } from './info-routes.js';
import { metricsRoute } from './metrics-route.js';
import { RunManager } from './run-manager.js';
import { runsRoutes } from './runs-routes.js';
import { downloadRoutes } from './download-routes.js';
import { eventsRoute } from './events-route.js';
import { experimentRoutes } from './experiment-routes.js';
import { registerQueuesBoard } from './queues-board.js';
import type { RunStore } from './store/run-store.js';
import { registerWebApp } from './web-app.js';
import { savedScenarioRoutes } from './saved-scenarios.js';
import { ScenarioCatalog } from './scenario-catalog.js';
import { jsonKeyProblems, validatorCompiler } from './validation.js';
import { MAX_NESTING } from '../scenario/limits.js';

export interface ServerOptions {
  metrics: SimMetrics;
  /** When set, the /runs routes need `Authorization: Bearer <token>`. */
  token?: string;
  /** Redis for runs with runtime bullmq; without it such runs are refused. */
  redisUrl?: string;
  /** Where the bundled scenarios are (default: the package's scenarios/). */
  scenariosDir?: string;
  logger?: boolean;
  /** Where runs are kept (default: in memory, gone with the server; `clearsim serve`: a data directory or Redis). */
  store?: RunStore;
  /** Show the BullMQ queues of redisUrl at /queues (bull-board); `clearsim serve` does when given --redis. */
  queuesBoard?: boolean;
  /** The web app's build to serve at / (default web/dist/ of the package). */
  webDir?: string;
  /** Runs going at once (default 4); finished runs kept (default 200). */
  maxActiveRuns?: number;
  maxFinishedRuns?: number;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Work budget of a run: estimated simulated events over its replications (default 50 million; see src/scenario/work-estimate.ts). */
  maxEvents?: number;
  /** Heap of each embedded run's worker thread, MiB (default 1024). */
  runMemoryMb?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    runs: RunManager;
    catalog: ScenarioCatalog;
  }
}

/**
 * The HTTP API (README, "HTTP API"), not listening yet (tests use app.inject; `clearsim serve` listens).
 * Closing it cancels the runs that are going.
 */
export function buildServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ? { level: process.env.LOG_LEVEL ?? 'info' } : false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
  });
  const catalog = new ScenarioCatalog(opts.scenariosDir);
  for (const i of catalog.broken)
    app.log.warn(`bundled scenario not available: ${i.source}${i.line ? `:${i.line}` : ''} ${i.path ? `${i.path}: ` : ''}${i.message}`);
  const runs = new RunManager({
    metrics: opts.metrics,
    redisUrl: opts.redisUrl,
    log: app.log,
    maxActive: opts.maxActiveRuns,
    maxFinished: opts.maxFinishedRuns,
    store: opts.store,
    maxEvents: opts.maxEvents,
    runMemoryMb: opts.runMemoryMb,
  });
  app.decorate('runs', runs);
  app.decorate('catalog', catalog);
  // the store opens before the server answers: runs a stop cut short are marked interrupted first
  app.addHook('onReady', async () => {
    await runs.open();
  });
  app.addHook('onClose', async () => {
    await runs.close();
  });

  app.setValidatorCompiler(validatorCompiler);

  // Only JSON bodies (text/plain and the rest: 415), with the parser's own message (where the
  // syntax breaks), no __proto__ keys, no key given twice in an object (JSON.parse would keep the
  // last silently, where a scenario file's duplicate is an error) and no nesting deeper than a
  // scenario's limit. Both are one linear scan of the text (jsonKeyProblems) that only has to tell
  // strings from brackets, where a library (jsonc-parser's visitor would do) is a second full
  // parser, recursive, and a new dependency.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    const s = String(text);
    if (s.trim() === '')
      return done(new ApiError('EMPTY_BODY', EMPTY_BODY_MESSAGE, [{ source: 'body', path: '', message: 'is empty' }]), undefined);
    const refuse = (p: { path: string; message: string }) =>
      done(new ApiError('BAD_JSON', `body${p.path ? `.${p.path}` : ''}: ${p.message}`, [{ source: 'body', ...p }]), undefined);
    // before JSON.parse: its reviver recurses once per level of nesting
    const { tooDeep, duplicate } = jsonKeyProblems(s, MAX_NESTING);
    if (tooDeep) return refuse(tooDeep);
    let body: unknown;
    try {
      body = JSON.parse(s, (key, value) => {
        if (key === '__proto__') throw new SyntaxError(`key "${key}" is not allowed`);
        return value;
      });
    } catch (err) {
      const why = (err as Error).message;
      return done(
        new ApiError('BAD_JSON', `body: not valid JSON: ${why}`, [{ source: 'body', path: '', message: `not valid JSON: ${why}` }]),
        undefined,
      );
    }
    if (duplicate) return refuse(duplicate);
    done(null, body);
  });

  app.setErrorHandler((err, req, reply) => {
    const { body, headers } = toErrorResponse(err, req.headers['content-type']);
    if (body.statusCode >= 500) req.log.error({ err }, 'request failed');
    reply.code(body.statusCode).headers(headers).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    // A known path with another method: 405 and what it allows, rather than "not found".
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) =>
      app.findRoute({ method: method as HTTPMethods, url: path }),
    );
    const kind = allowed.length ? 'METHOD_NOT_ALLOWED' : 'ROUTE_NOT_FOUND';
    const { code, status } = API_ERRORS[kind];
    const message = allowed.length
      ? `${req.method} ${path}: not allowed here; ${path} takes ${allowed.join(', ')}`
      : `no route ${req.method} ${path}: the routes are GET /healthz, GET /metrics, GET /scenarios, POST /runs, POST /compare, POST /sweep, POST /optimize, GET /runs, GET|DELETE /runs/:id, GET /runs/:id/events (OpenAPI at /docs)`;
    if (allowed.length) reply.header('allow', allowed.join(', '));
    reply.code(status).send({ statusCode: status, code, error: STATUS_CODES[status], message });
  });

  registerDocs(app, { tokenRequired: !!opts.token });
  // Scrapes and probes come every few seconds: logged only when something is wrong.
  app.register(
    async (scope) => {
      metricsRoute(scope, opts.metrics);
      infoRoutes(scope, { runs, catalog });
    },
    { logLevel: 'warn' },
  );
  app.register(async (scope) => {
    const auth = opts.token ? bearerAuth(opts.token) : undefined;
    runsRoutes(scope, { runs, catalog, auth });
    experimentRoutes(scope, { runs, catalog, auth });
    savedScenarioRoutes(scope, { runs, catalog, auth });
    eventsRoute(scope, { runs, auth });
    downloadRoutes(scope, { runs, auth, runMemoryMb: opts.runMemoryMb });
  });
  app.register(async (scope) => registerWebApp(scope, opts.webDir));
  if (opts.queuesBoard && opts.redisUrl) {
    const redisUrl = opts.redisUrl;
    app.register(async (scope) => registerQueuesBoard(scope, { redisUrl, token: opts.token }));
  }
  return app;
}
