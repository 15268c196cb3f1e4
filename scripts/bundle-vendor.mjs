#!/usr/bin/env node
// Bundles each dist/vendor/*.js (a re-export of a third-party package, src/vendor/) into one
// file with everything it imports. Node resolves, reads and compiles every file of a package
// separately: yaml, stdlib's quantiles, seedrandom, commander, cli-table3, cli-progress and
// TypeBox came to ~1,300 files, and loading them was most of what `clearsim validate` spent beyond Node's own start.
// One file each is read and compiled once, its functions lazily. Run after tsc (`npm run compile`
// does both); the re-exports work unbundled too.
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dir = fileURLToPath(new URL('../dist/vendor/', import.meta.url));

// stdlib's natural logarithm is a JavaScript port of fdlibm's e_log.c; V8's Math.log runs the
// same algorithm natively (its ieee754::log is fdlibm's), so the two give the same double for
// every input (test/vendor-bundle.test.ts holds them to each other over random bit patterns).
// The port was ~2% of a simulated year: the normal quantile's tails call it for every service
// time drawn. The bundles take Math.log in its place; nothing else of stdlib changes.
const nativeLn = {
  name: 'native-ln',
  setup(b) {
    b.onResolve({ filter: /^@stdlib\/math-base-special-ln$/ }, () => ({ path: 'ln', namespace: 'native-ln' }));
    b.onLoad({ filter: /.*/, namespace: 'native-ln' }, () => ({ contents: 'module.exports = Math.log;', loader: 'js' }));
  },
};
const common = {
  plugins: [nativeLn],
  bundle: true,
  platform: 'node',
  target: 'node20',
  // smaller to read and parse; names kept so a stack trace from inside one still reads
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  legalComments: 'eof',
};
for (const f of readdirSync(dir).filter((n) => n.endsWith('.js'))) {
  await build({
    ...common,
    entryPoints: [`${dir}${f}`],
    outfile: `${dir}${f}`,
    allowOverwrite: true,
    format: 'esm',
    // the packages are CommonJS: their require() of Node's own modules needs a real require
    banner: { js: "import { createRequire as __vendorRequire } from 'node:module'; const require = __vendorRequire(import.meta.url);" },
  });
  rmSync(`${dir}${f}.map`, { force: true }); // tsc's map, of the re-export the bundle replaced
}

// stdlib's gamma and t quantiles, loaded on first use (src/lazy-quantiles.ts) by a synchronous
// require: CommonJS bundles, from the packages themselves (no re-export in src/vendor).
for (const [file, pkg] of [
  ['stdlib-gamma.cjs', '@stdlib/stats-base-dists-gamma-quantile'],
  ['stdlib-t.cjs', '@stdlib/stats-base-dists-t-quantile'],
]) {
  await build({
    ...common,
    stdin: { contents: `module.exports = require('${pkg}');`, resolveDir: fileURLToPath(new URL('..', import.meta.url)) },
    outfile: `${dir}${file}`,
    format: 'cjs',
  });
}
