// stdlib's inverse error function, through one module that the build bundles into a single file
// (scripts/bundle-vendor.mjs): the package pulls in dozens of files of stdlib, one small module
// each. The engine's lognormal computes the standard normal quantile from it, as stdlib's own
// normal quantile does (src/scenario/distributions.ts). The gamma and t quantiles, which few
// commands need, load on first use (src/lazy-quantiles.ts). Without the bundle step this
// re-export works the same, only slower to load.
export { default as erfinv } from '@stdlib/math-base-special-erfinv';
