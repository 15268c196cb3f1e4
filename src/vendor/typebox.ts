// TypeBox (the report schema's builder, src/stats/report-schema.ts), through one module that the
// build bundles into a single file (scripts/bundle-vendor.mjs): its ESM build is ~800 files, and
// loading them was 110 ms of every `clearsim run` and of every replication thread's start.
// Without the bundle step this re-export works the same, only slower to load.
export {
  Type,
  type Static,
  type TNull,
  type TNumber,
  type TOptional,
  type TProperties,
  type TSchema,
  type TUnion,
} from '@sinclair/typebox';
