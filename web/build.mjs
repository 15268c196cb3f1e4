#!/usr/bin/env node
// Builds the web app that `clearsim serve` serves at `/`: web/src -> web/dist (index.html, assets/app.js,
// assets/app.css). One bundle with everything in it (Preact, Chart.js, yaml): the page loads nothing from
// elsewhere, so it works offline and behind a firewall. `--watch` rebuilds on change.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const watch = process.argv.includes('--watch');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));

const options = {
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  outdir: out,
  entryNames: 'assets/[name]',
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !watch,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': JSON.stringify(watch ? 'development' : 'production') },
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`web: watching web/src, writing ${out}`);
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  console.log(`web: built ${out} (${Math.round(bytes / 1024)} KiB with source maps)`);
}
