// seedrandom, through one module that the build bundles into a single file
// (scripts/bundle-vendor.mjs) with its generators. Without the bundle step this re-export
// works the same, only slower to load.
export { default as seedrandom } from 'seedrandom';
