import { parse } from 'yaml';

/**
 * What the editor reads from a scenario's YAML text in the browser: the common parameters the form
 * shows (with their current values) and the route the flow view draws. Validation stays the
 * server's (POST /scenarios/validate): this only reads what is there, and returns null for text
 * that is not YAML yet (mid-edit), so the form keeps its last good state.
 */

export interface Route {
  intake: string[];
  /** Port handling stages of the trade flows, in order of first appearance. */
  handling: string[];
  lanes: Record<string, string[]>;
  release: string[];
}

export type FieldKind = 'number' | 'integer' | 'servers' | 'share' | 'priority';

export interface Field {
  /** The override path, as `--set` takes it. */
  path: string;
  label: string;
  group: string;
  kind: FieldKind;
  value: number | string | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);
const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);

export function parseScenario(text: string): Obj | null {
  try {
    const doc = parse(text, { maxAliasCount: 100 });
    return isObj(doc) ? doc : null;
  } catch {
    return null;
  }
}

export function routeOf(doc: Obj | null, stageNames: string[] = []): Route {
  const flow = isObj(doc?.flow) ? (doc.flow as Obj) : undefined;
  if (!flow) return { intake: stageNames, handling: [], lanes: {}, release: [] };
  const lanes: Record<string, string[]> = {};
  if (isObj(flow.lanes)) for (const [lane, stages] of Object.entries(flow.lanes)) lanes[lane] = strings(stages);
  const handling: string[] = [];
  if (isObj(doc?.flows))
    for (const f of Object.values(doc.flows as Obj))
      if (isObj(f)) for (const s of strings(f.handling)) if (!handling.includes(s)) handling.push(s);
  return { intake: strings(flow.intake), handling, lanes, release: strings(flow.release) };
}

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** The form's fields with the values the text has now (undefined: not in the text, the loader's default applies). */
export function commonFields(doc: Obj | null): Field[] {
  if (!doc) return [];
  const out: Field[] = [];
  const horizon = isObj(doc.horizon) ? doc.horizon : {};
  out.push({ path: 'horizon.days', label: 'horizon (days)', group: 'Run', kind: 'number', value: num(horizon.days) });
  out.push({ path: 'replications', label: 'replications', group: 'Run', kind: 'integer', value: num(doc.replications) ?? 1 });
  const arrivals = isObj(doc.arrivals) ? doc.arrivals : {};
  out.push({ path: 'arrivals.per_day', label: 'arrivals per day', group: 'Run', kind: 'number', value: num(arrivals.per_day) });
  const priority = isObj(doc.priority) ? doc.priority : {};
  out.push({
    path: 'priority.mode',
    label: 'priority mode',
    group: 'Run',
    kind: 'priority',
    value: typeof priority.mode === 'string' ? priority.mode : undefined,
  });
  if (isObj(doc.stages))
    for (const [name, st] of Object.entries(doc.stages)) {
      if (!isObj(st)) continue;
      const servers = st.servers === 'unlimited' ? 'unlimited' : num(st.servers);
      out.push({ path: `stages.${name}.servers`, label: name, group: 'Servers per stage', kind: 'servers', value: servers });
    }
  if (isObj(doc.tiers))
    for (const [name, t] of Object.entries(doc.tiers)) {
      if (!isObj(t)) continue;
      const group = `Tier ${name}${typeof t.label === 'string' ? ` — ${t.label}` : ''}`;
      if (t.shipment_share !== undefined)
        out.push({ path: `tiers.${name}.shipment_share`, label: 'shipment share', group, kind: 'share', value: num(t.shipment_share) });
      const lanes = isObj(t.lanes) ? t.lanes : {};
      for (const lane of ['red', 'yellow', 'blue'])
        if (lane !== 'blue' || lanes.blue !== undefined)
          out.push({ path: `tiers.${name}.lanes.${lane}`, label: `${lane} lane rate`, group, kind: 'share', value: num(lanes[lane]) });
    }
  return out;
}

/** The tiers in priority order, as the scenario names and labels them. */
export function tiersOf(doc: Obj | null): { name: string; label: string; aeo: boolean }[] {
  if (!doc || !isObj(doc.tiers)) return [];
  return Object.entries(doc.tiers).map(([name, t]) => ({
    name,
    label: isObj(t) && typeof t.label === 'string' ? t.label : name,
    aeo: isObj(t) && t.aeo === true,
  }));
}
