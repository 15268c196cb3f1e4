import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ln from '@stdlib/math-base-special-ln';
import erfinv from '@stdlib/math-base-special-erfinv';
import gammaQuantile from '@stdlib/stats-base-dists-gamma-quantile';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import Table from 'cli-table3';
import seedrandom from 'seedrandom';
import { Kind, Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

/*
 * The build bundles each third-party package the CLI loads at start-up into one file
 * (scripts/bundle-vendor.mjs over dist/vendor/): the commands read 4 files where they read ~350.
 * A bundle must be the package: the same numbers bit for bit (the golden reports are computed
 * through it when the CLI runs), and it must really be one file, or the start-up gain is gone.
 */
const DIR = fileURLToPath(new URL('../dist/vendor/', import.meta.url));
const load = (f: string) => import(pathToFileURL(join(DIR, f)).href);

describe('the bundled third-party packages (dist/vendor)', () => {
  it('are single files that import nothing but Node', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.js') || f.endsWith('.cjs'));
    expect(files.sort()).toEqual([
      'cli-progress.js',
      'cli-table3.js',
      'commander.js',
      'seedrandom.js',
      'stdlib-gamma.cjs',
      'stdlib-t.cjs',
      'stdlib.js',
      'typebox.js',
      'yaml.js',
    ]);
    for (const f of files) {
      const text = readFileSync(join(DIR, f), 'utf8');
      // static imports (at a statement's start) and require() calls of anything but Node's own modules
      const imports = [...text.matchAll(/(?:^|;)\s*import\s*(?:[\w$\s{},*]+from\s*)?["']([^"']+)["']/g)].map((m) => m[1]);
      const requires = [...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
      // the ES bundles' banner imports node:module; the CommonJS ones require Node's own modules:
      // either way the patterns do find something
      expect(imports.length + requires.length, f).toBeGreaterThan(0);
      const notNode = (s: string) => !s.startsWith('node:') && !builtinModules.includes(s);
      expect([...imports, ...requires].filter(notNode), f).toEqual([]);
    }
  });

  it('give the quantiles of stdlib itself, bit for bit, the gamma and t ones loaded on first use', async () => {
    const v = await load('stdlib.js');
    const require = createRequire(import.meta.url);
    const gamma = require(join(DIR, 'stdlib-gamma.cjs')) as typeof gammaQuantile,
      t = require(join(DIR, 'stdlib-t.cjs')) as typeof tQuantile;
    // what the engine calls: dist/lazy-quantiles.js, which loads the bundles beside it
    const lazy = await import(pathToFileURL(join(DIR, '..', 'lazy-quantiles.js')).href);
    const us = Array.from({ length: 2001 }, (_, i) => (i + 0.5) / 2001).concat([1e-12, 1 - 1e-12]);
    for (const u of us) {
      expect(v.erfinv(2 * u - 1)).toBe(erfinv(2 * u - 1));
      expect(gamma(u, 2.5, 0.7)).toBe(gammaQuantile(u, 2.5, 0.7));
      expect(t(u, 7)).toBe(tQuantile(u, 7));
      expect(lazy.gammaQuantile(u, 2.5, 0.7)).toBe(gammaQuantile(u, 2.5, 0.7));
      expect(lazy.tQuantile(u, 7)).toBe(tQuantile(u, 7));
    }
  });

  it("take Math.log for stdlib's ln: the same double for every input (both are fdlibm's log)", () => {
    // scripts/bundle-vendor.mjs puts Math.log in place of stdlib's port; positive doubles from
    // random bit patterns (every exponent, subnormals included), uniforms, and the edges
    const f = new Float64Array(1),
      w = new Uint32Array(f.buffer);
    const xs = [0, 1, 2, 0.5, Number.MIN_VALUE, Number.MAX_VALUE, Infinity, Number.EPSILON, 1 + Number.EPSILON, 1 - 2 ** -53];
    let s = 987654321;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < 200000; i++) {
      w[0] = next();
      w[1] = next() % 0x7ff00000;
      xs.push(f[0], next() / 2 ** 32);
    }
    let differ = 0;
    for (const x of xs) if (!Object.is(Math.log(x), ln(x))) differ++;
    expect(differ).toBe(0);
  });

  it("give stdlib's erfinv over the tails too, where it calls ln", async () => {
    const v = await load('stdlib.js');
    for (let i = 0; i < 100000; i++) {
      const u = 10 ** (-1 - (15 * i) / 100000);
      expect(v.erfinv(2 * u - 1)).toBe(erfinv(2 * u - 1));
      expect(v.erfinv(1 - 2 * u)).toBe(erfinv(1 - 2 * u));
    }
  });

  it('compute a v1 golden report through the built engine, bit for bit', async () => {
    // test/golden-reports.test.ts runs the engine from src, with stdlib unbundled; the CLI runs dist
    const { runEmbedded } = await import(pathToFileURL(join(DIR, '..', 'runtime', 'run.js')).href);
    const { loadScenarioFile, parseOverride } = await import(pathToFileURL(join(DIR, '..', 'scenario', 'load.js')).href);
    const s = loadScenarioFile(
      fileURLToPath(new URL('fixtures/v1/flood-disruption.yaml', import.meta.url)),
      ['seed=7', 'replications=3', 'horizon.days=14'].map(parseOverride),
    );
    const report = JSON.parse(JSON.stringify(await runEmbedded(s), (k, x) => (k === 'wall_seconds' ? undefined : x)));
    const golden = JSON.parse(readFileSync(fileURLToPath(new URL('golden/flood-disruption-seed7-r3-14d.json', import.meta.url)), 'utf8'));
    expect(report).toEqual(golden);
  });

  it('give seedrandom alea streams of seedrandom itself', async () => {
    const v = await load('seedrandom.js');
    const a = v.seedrandom.alea('clearsim:1:0:arrivals'),
      b = seedrandom.alea('clearsim:1:0:arrivals');
    for (let i = 0; i < 1000; i++) expect(a()).toBe(b());
  });

  it('parse YAML as yaml does, with positions', async () => {
    const v = await load('yaml.js');
    const text = readFileSync(fileURLToPath(new URL('../scenarios/flood-disruption.yaml', import.meta.url)), 'utf8');
    const lc = new v.LineCounter();
    const parser = new v.Parser(lc.addNewLine);
    const docs = [...new v.Composer().compose(parser.parse(text))];
    expect(docs).toHaveLength(1);
    expect(docs[0].toJS()).toEqual(parseDocument(text).toJS());
    expect(lc.lineStarts.length).toBe(text.split('\n').length);
  });

  it('build the schemas TypeBox itself builds, with its Kind marks', async () => {
    const v = await load('typebox.js');
    const build = (T: typeof Type) =>
      T.Object({
        mean: T.Number({ minimum: 0, description: 'hours' }),
        p90: T.Optional(T.Union([T.Number(), T.Null()])),
        tiers: T.Record(T.String(), T.Array(T.Integer())),
        kind: T.Union([T.Literal('a'), T.Literal('b')]),
      });
    const a = build(v.Type),
      b = build(Type);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a[Kind]).toBe('Object');
    expect(a.properties.p90[Kind]).toBe(b.properties.p90[Kind]);
  });

  it('parse flags as commander does', async () => {
    const v = await load('commander.js');
    const p = new v.Command('x').exitOverride().option('--n <n>', 'a number', (s: string) => Number(s));
    p.parse(['node', 'x', '--n', '3']);
    expect(p.opts()).toEqual({ n: 3 });
    expect(() =>
      new v.Command('y')
        .exitOverride()
        .configureOutput({ writeErr: () => {} })
        .parse(['node', 'y', '--bad']),
    ).toThrow(v.CommanderError);
  });

  it('draw tables as cli-table3 does, and have cli-progress bars', async () => {
    const v = await load('cli-table3.js');
    const rows = [
      ['aeo (AEO)', '10,382', '2.2h'],
      ['general', '18,611', '10.7h'],
    ];
    const a = new v.Table({ head: ['tier', 'shipments', 'mean'], style: { head: [], border: [] } }),
      b = new Table({ head: ['tier', 'shipments', 'mean'], style: { head: [], border: [] } });
    a.push(...rows);
    b.push(...rows);
    expect(a.toString()).toBe(b.toString());
    const p = await load('cli-progress.js');
    expect(typeof p.cliProgress.SingleBar).toBe('function');
  });
});
