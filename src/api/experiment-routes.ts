import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ScenarioError, UsageError } from '../errors.js';
import { parseVary, type VaryParam } from '../experiments/optimize.js';
import { grid, parseParam, type SweepParam } from '../experiments/sweep.js';
import { checkTargetPath, parseTarget, type Target } from '../experiments/target.js';
import { parseOverride, type Override } from '../scenario/load.js';
import { ApiError, scenarioApiError } from './errors.js';
import type { RunManager } from './run-manager.js';
import { oneScenario } from './runs-routes.js';
import { withSaved } from './saved-scenarios.js';
import type { ScenarioCatalog } from './scenario-catalog.js';
import { routeSchemas, type CompareBody, type OptimizeBody, type SweepBody } from './schemas.js';

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
 * What the CLI's parsers (optimize.ts, target.ts) refuse, as a 400 naming the body's field: their
 * message without its flag and text (`--vary TEXT: `), which the field now stands for.
 */
function usage<T>(field: string, flagAndText: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const m = err.message.startsWith(`${flagAndText}: `) ? err.message.slice(flagAndText.length + 2) : err.message;
    // the examples and hints in the body's words: a value of the field, the report of a run
    throw bad(field, m.replace(/--(vary|target) /g, '').replace('clearsim run --json', 'the report of GET /runs/:id'));
  }
}

/** A --vary value as an override, as optimize.ts gives it (durations in hours). */
const varyOverride = (p: VaryParam, v: number, where: string): Override => {
  const text = `${p.path}=${p.duration ? `${v}h` : v}`;
  return { ...parseOverride(text), text: `${where} ${text}` };
};

/**
 * POST /compare, POST /sweep and POST /optimize: `clearsim compare`, `clearsim sweep` and
 * `clearsim optimize` as asynchronous runs (kind compare, sweep, optimize), followed like any run.
 * Every scenario, point, range and target is validated before the 202, as the CLI does before it
 * runs anything.
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

  app.post<{ Body: OptimizeBody }>('/optimize', { schema: routeSchemas.createOptimize, onRequest }, async (req, reply) => {
    const b = req.body;
    oneScenario(b.scenario, b.scenario_text, 'scenario', 'scenario_text');
    if (b.max_replications < b.replications)
      throw bad('max_replications', `must be at least replications (${b.replications}), got ${b.max_replications}`);
    const params = b.vary.map((v, i) => usage(`vary[${i}]`, `--vary ${v}`, () => parseVary(v, b.steps)));
    params.forEach((p, i) => {
      const j = params.findIndex((q) => q.path === p.path);
      if (j !== i) throw bad(`vary[${i}]`, `${p.path} is varied twice (also in vary[${j}])`);
    });
    const combinations = params.reduce((n, p) => n * p.ladder.length, 1);
    if (params.length > 1 && combinations > 200_000)
      throw bad(
        'vary',
        `${params.map((p) => p.ladder.length).join(' x ')} combinations are too many to order by cost (at most 200,000): narrow the ranges or lower steps`,
      );
    const targets: Target[] = b.target.map((t, i) => usage(`target[${i}]`, `--target ${t}`, () => parseTarget(t)));
    const base = await withSaved(runs, catalog, {
      scenario: b.scenario,
      scenario_text: b.scenario_text,
      overrides: b.overrides,
      seed: b.seed,
      days: b.days,
    });
    const scenario = catalog.resolve(base);
    // each range's ends on the scenario alone: a value it refuses names the range that asked for it
    params.forEach((p, i) => {
      for (const v of [p.ladder[0], p.ladder[p.ladder.length - 1]]) {
        try {
          catalog.resolve(base, [varyOverride(p, v, `vary[${i}]`)]);
        } catch (err) {
          if (!(err instanceof ApiError) || !err.issues?.length) throw err;
          const why = err.issues.map((x) => (x.path ? `${x.path}: ${x.message}` : x.message)).join('; ');
          throw bad(`vary[${i}]`, `the scenario refuses ${p.path}=${p.duration ? `${v}h` : v}: ${why}`);
        }
      }
    });
    // then the corners together, as the search checks them before it spends anything
    const corner = (top: boolean) =>
      catalog.resolve(
        base,
        params.map((p, i) => varyOverride(p, top ? p.ladder[p.ladder.length - 1] : p.ladder[0], `vary[${i}]`)),
      );
    corner(false);
    const top = corner(true);
    // a target's path must name a number of the report: checked on a quick report of the scenario's shape
    const probe = await runs.probeReport(top);
    for (const [i, t] of targets.entries()) usage(`target[${i}]`, `--target ${t.text}`, () => checkTargetPath(t, probe));
    const view = await runs.startOptimize({
      scenario,
      vary: b.vary,
      target: b.target,
      steps: b.steps,
      confidence: b.confidence,
      replications: b.replications,
      maxReplications: b.max_replications,
      overrides: b.overrides ?? null,
    });
    reply.code(202).header('location', view.links.self);
    return view;
  });
}
