// stdlib's quantile functions, through one module that the build bundles into a single file
// (scripts/bundle-vendor.mjs): the three packages pull in about 250 files of stdlib, one small
// module each, and loading them cost every command ~0.1 s. Without the bundle step this
// re-export works the same, only slower to load.
export { default as normalQuantile } from '@stdlib/stats-base-dists-normal-quantile';
export { default as gammaQuantile } from '@stdlib/stats-base-dists-gamma-quantile';
export { default as tQuantile } from '@stdlib/stats-base-dists-t-quantile';
