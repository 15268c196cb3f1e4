import type { ScenarioSummary } from './api';
import { parseScenario, tiersOf } from './scenario-doc';

/**
 * Scenarios saved in this browser (local storage): the YAML text under a name. The server keeps
 * runs, not scenarios, so an edited scenario is kept here and sent as `scenario_text` when it runs.
 */
const KEY = 'clearsim.saved-scenarios';
export const SAVED_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

interface Entry {
  text: string;
  saved_at: string;
}

function all(): Record<string, Entry> {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

export function savedText(name: string): string | null {
  return all()[name]?.text ?? null;
}

export function saveScenario(name: string, text: string): void {
  if (!SAVED_NAME.test(name)) throw new Error(`name ${JSON.stringify(name)}: lower-case letters, digits, ".", "_" and "-", at most 64`);
  const next = { ...all(), [name]: { text, saved_at: new Date().toISOString() } };
  localStorage.setItem(KEY, JSON.stringify(next));
}

export function deleteSaved(name: string): void {
  const next = all();
  delete next[name];
  localStorage.setItem(KEY, JSON.stringify(next));
}

const num = (x: unknown, d = 0) => (typeof x === 'number' && Number.isFinite(x) ? x : d);

/** The saved scenarios as the Scenarios page lists them, read from their text. */
export function savedSummaries(): ScenarioSummary[] {
  return Object.entries(all())
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, e]) => {
      const doc = parseScenario(e.text) ?? {};
      const horizon = (doc.horizon ?? {}) as Record<string, unknown>;
      const arrivals = (doc.arrivals ?? {}) as Record<string, unknown>;
      const tiers = (doc.tiers ?? {}) as Record<string, Record<string, unknown>>;
      return {
        name,
        file: null,
        description: typeof doc.description === 'string' ? doc.description : '',
        seed: num(doc.seed),
        replications: num(doc.replications, 1),
        horizon_days: num(horizon.days),
        warmup_days: num(horizon.warmup_days),
        per_day: num(arrivals.per_day),
        tiers: tiersOf(doc).map((t) => ({
          ...t,
          shipment_share: typeof tiers[t.name]?.shipment_share === 'number' ? (tiers[t.name].shipment_share as number) : null,
        })),
        stages: doc.stages && typeof doc.stages === 'object' ? Object.keys(doc.stages) : [],
        saved: true,
      };
    });
}

/** A scenario reference for a run-starting body: a bundled name, or a saved one's text. */
export function scenarioRef(name: string, textKey: string, nameKey: string): Record<string, string> {
  const text = savedText(name);
  return text === null ? { [nameKey]: name } : { [textKey]: text };
}
