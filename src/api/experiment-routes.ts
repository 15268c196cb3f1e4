import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ScenarioError } from '../errors.js';
import { grid, parseParam, type SweepParam } from '../experiments/sweep.js';
import { parseOverride, type Override } from '../scenario/load.js';
import { ApiError, scenarioApiError } from './errors.js';
import type { RunManager } from './run-manager.js';
import { oneScenario } from './runs-routes.js';
import { withSaved } from './saved-scenarios.js';
import type { ScenarioCatalog } from './scenario-catalog.js';
import { routeSchemas, type CompareBody, type SweepBody } from './schemas.js';

const bad = (path: string, message: string) => new ApiError('BAD_REQUEST', `body.${path}: ${message}`, [{ source: 'body', path, message }]);

/** Overrides from "path=value" texts, each named by where it is in the body. */
function parsed(texts: string[], where: (i: number) => string): Override[] {
  return texts.map((t, i) => {
    try {
      return { ...parseOverride(t), text: where(i) };
    } catch (err) {
      if (err instanceof ScenarioError)
        throw bad(where(i).replace(/^body\./, ''), `must be "path=value", e.g. "priority.mode=never" (got ${JSON.stringify(t)})`);
      throw err;
    }
  });
}

/**
 * POST /compare and POST /sweep: `clearsim compare` and `clearsim sweep` as asynchronous runs
 * (kind compare, sweep), followed like any run. Every scenario and point is validated before the
 * 202, as the CLI does before it runs anything.
 */
export function experimentRoutes(
  app: FastifyInstance,
  deps: { runs: RunManager; catalog: ScenarioCatalog; auth?: (req: FastifyRequest) => Promise<void> },
): void {
  const { runs, catalog } = deps;
  const onRequest = deps.auth ? [deps.auth] : [];

  const distributeOk = (b: { distribute: boolean; workers?: number }) => {
    if (b.workers !== undefined && !b.distribute) throw bad('workers', 'only with distribute: true (replications here have no workers)');
    if (b.distribute && !runs.redisUrl)
      throw new ApiError('RUNTIME_UNAVAILABLE', 'body.distribute: needs Redis, and this server was started without a Redis URL', [
        { source: 'body', path: 'distribute', message: 'distribute is not available on this server' },
      ]);
  };

  app.post<{ Body: CompareBody }>('/compare', { schema: routeSchemas.createCompare, onRequest }, async (req, reply) => {
    const b = req.body;
    oneScenario(b.a, b.a_text, 'a', 'a_text');
    const hasB = b.b !== undefined || b.b_text !== undefined;
    if (hasB) oneScenario(b.b, b.b_text, 'b', 'b_text');
    if (!hasB && !b.set)
      throw bad('b', 'is required (the scenario to compare a with), or give set: ["path=value", ...] for b = a with those');
    if (hasB && b.set) throw bad('set', 'makes b from a: give b or set, not both');
    distributeOk(b);
    const replications = b.replications ?? 10;
    const common = { overrides: b.overrides, seed: b.seed, days: b.days };
    const refA = await withSaved(runs, catalog, { scenario: b.a, scenario_text: b.a_text, ...common });
    const a = catalog.resolve(refA);
    const bScenario = hasB
      ? catalog.resolve(await withSaved(runs, catalog, { scenario: b.b, scenario_text: b.b_text, ...common }))
      : catalog.resolve(
          refA,
          parsed(b.set!, (i) => `set[${i}]`),
        );
    const view = await runs.startCompare({
      a,
      b: bScenario,
      replications,
      distribute: b.distribute,
      workers: b.workers,
      overrides: b.set ? { set: b.set, ...(b.overrides ? { both: b.overrides } : {}) } : (b.overrides ?? null),
    });
    reply.code(202).header('location', view.links.self);
    return view;
  });

  app.post<{ Body: SweepBody }>('/sweep', { schema: routeSchemas.createSweep, onRequest }, async (req, reply) => {
    const b = req.body;
    oneScenario(b.scenario, b.scenario_text, 'scenario', 'scenario_text');
    distributeOk(b);
    const params: SweepParam[] = b.params.map((p, i) => {
      if (typeof p !== 'string') return { path: p.path, values: p.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) };
      try {
        return parseParam(p);
      } catch {
        throw bad(`params.${i}`, `must be "path=v1,v2,...", e.g. "stages.inspection.servers=12,16,20" (got ${JSON.stringify(p)})`);
      }
    });
    const seen = new Set<string>();
    params.forEach((p, i) => {
      if (seen.has(p.path)) throw bad(`params.${i}`, `${p.path} is swept twice`);
      seen.add(p.path);
    });
    const cells = grid(params);
    if (cells.length > 1000) throw bad('params', `the grid has ${cells.length} points, more than 1000`);
    const replications = b.replications ?? 5;
    const base = await withSaved(runs, catalog, {
      scenario: b.scenario,
      scenario_text: b.scenario_text,
      overrides: b.overrides,
      seed: b.seed,
      days: b.days,
    });
    const points = cells.map((cell) => {
      const extra = Object.entries(cell).map(([path, v]) => ({ ...parseOverride(`${path}=${v}`), text: `params ${path}=${v}` }));
      try {
        const scenario = catalog.resolve(base, extra);
        return { params: Object.fromEntries(extra.map((o) => [o.path, o.value])), scenario };
      } catch (err) {
        if (err instanceof ScenarioError) throw scenarioApiError(err);
        throw err;
      }
    });
    const view = await runs.startSweep({
      scenario: points[0].scenario.name,
      params,
      points,
      replications,
      distribute: b.distribute,
      workers: b.workers,
      overrides: b.overrides ?? null,
    });
    reply.code(202).header('location', view.links.self);
    return view;
  });
}
