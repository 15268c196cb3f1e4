import { parseDuration } from './duration.js';
import { show } from './schema.js';
import { type CompileContext, isObj, type Raw, SHARE_TOLERANCE } from './compile-context.js';
import { Distribution } from './distributions.js';
import type { DestinationSpec, Direction, FlowSpec, Tier, TwoStepSpec } from './types.js';

const uniformOver = (hours: number) => Distribution.uniform(0, Number.isFinite(hours) && hours > 0 ? hours : 0);

/**
 * The flows section: shares per tier that sum to 1, handling stages that exist, per-tier values
 * that name tiers, MRA shares on exports only; and the destination section, needed when some
 * export goes to an MRA partner.
 */
export function compileFlows(
  doc: Raw,
  tiers: Tier[],
  cx: CompileContext,
): { flows: FlowSpec[]; destination: DestinationSpec | null; twoStep: TwoStepSpec | null } {
  const { ok, shape, fail } = cx;
  const raw = doc.flows;
  if (raw === undefined || !isObj(raw) || !shape(['flows'])) {
    if (doc.destination !== undefined) fail(['destination'], 'needs a flows section with exports (mra_share) to be used');
    if (doc.two_step !== undefined) fail(['two_step'], 'needs a flows section with imports that use it (flows.<name>.two_step)');
    return { flows: [], destination: null, twoStep: null };
  }
  const tierIndex = new Map(tiers.map((t, i) => [t.name, i]));
  /** A number for every tier, or a map by tier name (unnamed tiers get `fallback(t)`). */
  const perTier = (path: (string | number)[], v: unknown, fallback: (t: number) => number): number[] => {
    if (typeof v === 'number') return tiers.map(() => v);
    if (!isObj(v) || !ok(path)) return tiers.map((_, t) => fallback(t));
    for (const k of Object.keys(v))
      if (!tierIndex.has(k)) fail([...path, k], `unknown tier ${show(k)} (tiers: ${tiers.map((t) => t.name).join(', ')})`);
    return tiers.map((t, i) => (typeof v[t.name] === 'number' ? v[t.name] : fallback(i)));
  };
  const flows: FlowSpec[] = Object.entries(raw).map(([name, rf], index) => {
    const f: Raw = isObj(rf) ? rf : {};
    const path = ['flows', name];
    const handling = (Array.isArray(f.handling) && ok([...path, 'handling']) ? f.handling : []).flatMap((st: unknown, k: number) => {
      const i = cx.stageIndex?.get(st as string);
      if (i === undefined) {
        if (cx.stageIndex) fail([...path, 'handling', k], `unknown stage ${show(st)} (stages: ${[...cx.stageIndex.keys()].join(', ')})`);
        return [];
      }
      return [i];
    });
    const direction: Direction = f.direction === 'export' ? 'export' : 'import';
    if (f.mra_share !== undefined && f.direction === 'import') fail([...path, 'mra_share'], 'is for exports only (direction: export)');
    const within = (Array.isArray(f.released_within) && ok([...path, 'released_within']) ? f.released_within : []).map(parseDuration);
    if (f.two_step !== undefined && f.direction === 'export') fail([...path, 'two_step'], 'is for imports only (direction: import)');
    return {
      name,
      index,
      direction,
      mode: typeof f.mode === 'string' ? f.mode : '',
      shares: perTier([...path, 'share'], f.share, () => 0),
      handling,
      redFactor: isObj(f.lanes) && typeof f.lanes.red === 'number' ? f.lanes.red : 1,
      yellowFactor: isObj(f.lanes) && typeof f.lanes.yellow === 'number' ? f.lanes.yellow : 1,
      preArrivalShare: perTier([...path, 'pre_arrival_share'], f.pre_arrival_share, (t) => tiers[t]?.preArrivalShare ?? 0),
      within: within.filter((h: number) => Number.isFinite(h)),
      mraShare: typeof f.mra_share === 'number' ? f.mra_share : 0,
      guarantee: f.guarantee !== false,
      twoStep: direction === 'import' ? perTier([...path, 'two_step'], f.two_step, () => 0) : tiers.map(() => 0),
    };
  });
  if (flows.length > 0 && Object.keys(raw).every((n) => ok(['flows', n, 'share'])))
    tiers.forEach((t, i) => {
      const sum = flows.reduce((a, f) => a + f.shares[i], 0);
      if (Math.abs(sum - 1) > SHARE_TOLERANCE)
        fail(
          ['flows'],
          `the flows' shares of tier ${t.name} must sum to 1 (got ${+sum.toFixed(6)}; ${flows.map((f) => `${f.name} ${+f.shares[i].toFixed(6)}`).join(', ')})`,
        );
    });
  // lane multipliers must leave the rates probabilities
  for (const f of flows)
    tiers.forEach((t) => {
      const red = t.red * f.redFactor,
        yellow = t.yellow * f.yellowFactor;
      if (red + yellow + t.blue > 1 + SHARE_TOLERANCE)
        fail(
          ['flows', f.name, 'lanes'],
          `make tier ${t.name}'s red + yellow${t.blue ? ' + blue' : ''} ${+(red + yellow + t.blue).toFixed(6)}, above 1`,
        );
    });

  const mra = flows.some((f) => f.mraShare > 0);
  let destination: DestinationSpec | null = null;
  if (isObj(doc.destination) && shape(['destination'])) {
    destination = {
      clearance: cx.dist(['destination', 'clearance'], true),
      mraFactor: typeof doc.destination.mra_factor === 'number' ? doc.destination.mra_factor : 0.5,
    };
  } else if (mra) {
    const first = flows.find((f) => f.mraShare > 0)!;
    fail(
      ['destination'],
      `is required: flow ${first.name} sends exports to MRA partners (mra_share), whose destination clearance it describes`,
    );
  }
  let twoStep: TwoStepSpec | null = null;
  const usesTwoStep = flows.some((f) => f.twoStep.some((x) => x > 0));
  const rt = doc.two_step;
  if (isObj(rt) && shape(['two_step'])) {
    const stage = cx.stageIndex?.get(rt.stage);
    if (stage === undefined && cx.stageIndex && typeof rt.stage === 'string')
      fail(['two_step', 'stage'], `unknown stage ${show(rt.stage)} (stages: ${[...cx.stageIndex.keys()].join(', ')})`);
    const deadline = rt.deadline !== undefined && ok(['two_step', 'deadline']) ? parseDuration(rt.deadline) : 14 * 24;
    if (!(deadline > 0)) fail(['two_step', 'deadline'], 'must be longer than 0');
    twoStep = {
      stage: stage ?? 0,
      deadline,
      lodgedAfter: rt.lodged_after !== undefined ? cx.dist(['two_step', 'lodged_after'], true) : uniformOver(deadline),
      lodgementFactor: typeof rt.lodgement_factor === 'number' ? rt.lodgement_factor : 0.5,
    };
  } else if (usesTwoStep) {
    const first = flows.find((f) => f.twoStep.some((x) => x > 0))!;
    fail(
      ['two_step'],
      `is required: flow ${first.name} releases imports on a summary declaration (two_step); say which stage processes the complete declarations`,
    );
  }
  return { flows, destination, twoStep };
}
