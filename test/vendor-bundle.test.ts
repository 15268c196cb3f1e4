import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import gammaQuantile from '@stdlib/stats-base-dists-gamma-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
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
      expect(v.normalQuantile(u, 0, 1)).toBe(normalQuantile(u, 0, 1));
      expect(gamma(u, 2.5, 0.7)).toBe(gammaQuantile(u, 2.5, 0.7));
      expect(t(u, 7)).toBe(tQuantile(u, 7));
      expect(lazy.gammaQuantile(u, 2.5, 0.7)).toBe(gammaQuantile(u, 2.5, 0.7));
      expect(lazy.tQuantile(u, 7)).toBe(tQuantile(u, 7));
    }
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
