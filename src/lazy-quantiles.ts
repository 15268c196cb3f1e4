import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * stdlib's gamma and Student t quantile functions, loaded on first use. Most commands never call
 * them: the t quantile is for confidence intervals over replications, the gamma quantile for a
 * scenario with a gamma distribution. Bundled, they are 340 kB of the 370 kB of stdlib the
 * engine uses, and loading them with the normal quantile cost every command ~20 ms
 * (`clearsim validate` included). The build bundles each into one CommonJS file beside the
 * other vendor bundles (scripts/bundle-vendor.mjs); without them (tests run on src/) the
 * packages themselves are loaded.
 */
const require = createRequire(import.meta.url);

function load<F>(bundle: string, pkg: string): F {
  const file = fileURLToPath(new URL(`./vendor/${bundle}`, import.meta.url));
  return require(existsSync(file) ? file : pkg) as F;
}

type GammaQuantile = (p: number, shape: number, rate: number) => number;
type TQuantile = (p: number, df: number) => number;

let gamma: GammaQuantile | null = null;
let t: TQuantile | null = null;

/** The gamma distribution's quantile at p, for a shape and a rate (stdlib's). */
export function gammaQuantile(p: number, shape: number, rate: number): number {
  gamma ??= load<GammaQuantile>('stdlib-gamma.cjs', '@stdlib/stats-base-dists-gamma-quantile');
  return gamma(p, shape, rate);
}

/** Student's t distribution's quantile at p, for df degrees of freedom (stdlib's). */
export function tQuantile(p: number, df: number): number {
  t ??= load<TQuantile>('stdlib-t.cjs', '@stdlib/stats-base-dists-t-quantile');
  return t(p, df);
}
