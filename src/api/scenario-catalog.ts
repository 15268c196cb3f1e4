import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { loadScenarioObject, loadScenarioText, parseOverride, type Override } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { ApiError, scenarioApiError } from './errors.js';
import type { CreateRunBody } from './schemas.js';

/** The scenarios shipped with the package (scenarios/*.yaml). */
export const BUNDLED_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export interface BundledScenario {
  name: string;
  file: string;
  description: string;
  seed: number;
  replications: number;
  horizon_days: number;
  warmup_days: number;
  per_day: number;
  tiers: { name: string; label: string; aeo: boolean; shipment_share: number }[];
  stages: string[];
}

/** What GET /scenarios shows of a scenario (saved ones: file null). */
export function summaryOf(s: Scenario, file: string | null): BundledScenario {
  return {
    name: s.name,
    file: file as string,
    description: s.description,
    seed: s.seed,
    replications: s.replications,
    horizon_days: s.horizonDays,
    warmup_days: s.warmupDays,
    per_day: s.arrivals.perDay,
    tiers: s.tiers.map((t) => ({ name: t.name, label: t.label, aeo: t.aeo, shipment_share: t.shipmentShare })),
    stages: s.stages.map((st) => st.name),
  };
}

/** Same rule as --set: dotted names and list indices. */
const PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/**
 * The bundled scenarios, read and validated once, and the resolution of a POST /runs body (a
 * bundled name or an inline scenario, with overrides) to a validated Scenario.
 */
export class ScenarioCatalog {
  private readonly entries = new Map<string, { info: BundledScenario; text: string }>();
  /** Files that did not load: the server still starts, and says why they are missing. */
  readonly broken: ScenarioIssue[] = [];

  constructor(readonly dir: string = BUNDLED_DIR) {
    let files: string[] = [];
    try {
      files = readdirSync(dir)
        .filter((f) => /\.(ya?ml|json)$/i.test(f) && f !== 'schema.json')
        .sort();
    } catch (err) {
      this.broken.push({
        source: dir,
        path: '',
        message: `cannot read the scenarios directory (${(err as NodeJS.ErrnoException).code ?? err})`,
      });
    }
    for (const file of files) {
      try {
        const text = readFileSync(join(dir, file), 'utf8');
        const s = loadScenarioText(text, file);
        const info: BundledScenario = summaryOf(s, file);
        const entry = { info, text };
        this.entries.set(basename(file, extname(file)), entry);
        if (!this.entries.has(s.name)) this.entries.set(s.name, entry);
      } catch (err) {
        if (err instanceof ScenarioError) this.broken.push(...err.issues);
        else this.broken.push({ source: file, path: '', message: (err as Error).message });
      }
    }
  }

  list(): BundledScenario[] {
    return [...new Set([...this.entries.values()].map((e) => e.info))];
  }

  /** A bundled scenario's summary and its text, by file or scenario name. */
  entry(name: string): { info: BundledScenario; text: string } | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return this.list().map((s) => s.name);
  }

  /** The body's scenario with its overrides applied, validated; ApiError naming the field otherwise. */
  resolve(
    body: Pick<CreateRunBody, 'scenario' | 'scenario_text' | 'overrides' | 'seed' | 'replications' | 'days'>,
    extra: Override[] = [],
  ): Scenario {
    const overrides = [...overridesOf(body), ...extra];
    try {
      // YAML as typed (the web app's editor): the loader's issues keep their lines, as scenario_text:LINE
      if (typeof body.scenario_text === 'string') return loadScenarioText(body.scenario_text, 'scenario_text', overrides);
      if (typeof body.scenario === 'string') {
        const entry = this.entries.get(body.scenario);
        if (!entry) {
          const known = this.names();
          const message = `no bundled scenario named ${JSON.stringify(body.scenario)} (bundled: ${known.join(', ') || 'none'}); give a name from GET /scenarios or the scenario itself as an object`;
          throw new ApiError('UNKNOWN_SCENARIO', `body.scenario: ${message}`, [{ source: 'body', path: 'scenario', message }]);
        }
        return loadScenarioText(entry.text, entry.info.file, overrides);
      }
      return loadScenarioObject(body.scenario, 'scenario', overrides);
    } catch (err) {
      if (err instanceof ScenarioError) throw scenarioApiError(err);
      throw err;
    }
  }
}

/**
 * overrides (a map of path to JSON value, or a list of "path=value" read as YAML, as --set) and
 * the seed, replications and days shorthands, as the loader's overrides. Issues name the entry.
 */
function overridesOf(body: Pick<CreateRunBody, 'overrides' | 'seed' | 'replications' | 'days'>): Override[] {
  const out: Override[] = [];
  const issues: ScenarioIssue[] = [];
  const given = body.overrides;
  if (Array.isArray(given)) {
    given.forEach((text, i) => {
      try {
        out.push({ ...parseOverride(text), text: `overrides[${i}]` });
      } catch (err) {
        if (!(err instanceof ScenarioError)) throw err;
        issues.push({
          source: `overrides[${i}]`,
          path: '',
          message: `must be "path=value", e.g. "tiers.aeo.lanes.red=0.01" (got ${JSON.stringify(text)})`,
        });
      }
    });
  } else if (given) {
    for (const [path, value] of Object.entries(given)) {
      if (!PATH.test(path))
        issues.push({
          source: 'overrides',
          path: '',
          message: `${JSON.stringify(path)} is not a field path (dotted names and list indices, e.g. "tiers.aeo.lanes.red" or "disruptions.0.duration")`,
        });
      else out.push({ path, value, text: `overrides[${JSON.stringify(path)}]` });
    }
  }
  if (issues.length) throw new ScenarioError(issues);
  if (body.seed !== undefined) out.push({ path: 'seed', value: body.seed, text: 'seed' });
  if (body.replications !== undefined) out.push({ path: 'replications', value: body.replications, text: 'replications' });
  if (body.days !== undefined) out.push({ path: 'horizon.days', value: body.days, text: 'days' });
  return out;
}
