// stdlib's normal quantile function, through one module that the build bundles into a single file
// (scripts/bundle-vendor.mjs): the package pulls in dozens of files of stdlib, one small module
// each. The gamma and t quantiles, which few commands need, load on first use
// (src/lazy-quantiles.ts). Without the bundle step this re-export works the same, only slower
// to load.
export { default as normalQuantile } from '@stdlib/stats-base-dists-normal-quantile';
// The inverse error function the normal quantile is built on: the engine's lognormal calls it
// directly (src/scenario/distributions.ts).
export { default as erfinv } from '@stdlib/math-base-special-erfinv';
