// The YAML parser, through one module that the build bundles into a single file
// (scripts/bundle-vendor.mjs): `yaml` is 72 files, and resolving and reading them was a
// large share of a `clearsim validate`'s start-up. Without the bundle step this re-export
// works the same, only slower to load.
export {
  type CST,
  Composer,
  type Document,
  Lexer,
  LineCounter,
  Parser,
  type YAMLMap,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  YAMLParseError,
  type Node,
  type Pair,
  type YAMLError,
} from 'yaml';
