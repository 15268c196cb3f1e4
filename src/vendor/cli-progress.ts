// cli-progress (16 files), through one module that the build bundles into a single file
// (scripts/bundle-vendor.mjs). Without the bundle step this re-export works the same, only
// slower to load.
export { default as cliProgress } from 'cli-progress';
