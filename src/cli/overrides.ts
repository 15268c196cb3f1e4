import { parseOverride, type Override } from '../scenario/load.js';

/** Flags that are shorthands for overrides: validated like any other field of the scenario. */
export function overridesFrom(flags: { seed?: number; replications?: number; days?: number; set: string[] }): Override[] {
  const o = flags.set.map(parseOverride);
  if (flags.seed !== undefined) o.push({ path: 'seed', value: flags.seed, text: `--seed ${flags.seed}` });
  if (flags.replications !== undefined)
    o.push({ path: 'replications', value: flags.replications, text: `--replications ${flags.replications}` });
  if (flags.days !== undefined) o.push({ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` });
  return o;
}
