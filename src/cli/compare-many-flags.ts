import { UsageError } from '../errors.js';

/** The flags of `compare` that only a comparison of several scenarios takes. */
export interface ManyFlags {
  variant: string[];
  rankBy?: string;
  higherIsBetter?: boolean;
}

/** A two-scenario comparison's flags, refusing those that only rank several scenarios. */
export function manyOnly<T extends ManyFlags>(flags: T): T {
  for (const [flag, v] of [
    ['--rank-by', flags.rankBy],
    ['--higher-is-better', flags.higherIsBetter],
  ] as const)
    if (v !== undefined) throw new UsageError(`${flag}: only when comparing several scenarios (compare <base> <a> <b> ..., or --variant)`);
  return flags;
}
