import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplicationThreads, SCENARIOS_PER_THREAD } from '../src/runtime/replication-threads.js';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

/*
 * The threads a `clearsim worker --jobs N` keeps up between experiments (and `--jobs` uses for
 * one command). A replication is a pure function of (scenario, seed, r): whichever thread runs
 * it, and whatever it ran before, its report must be the one computed here, bit for bit.
 */
const noWall = (x: unknown) => JSON.stringify(x, (k, v) => (k === 'wall_seconds' ? undefined : v));
const short = (file: string, ...more: string[]) =>
  loadScenarioFile(`scenarios/${file}.yaml`, ['horizon.days=3', 'horizon.warmup_days=0.5', ...more].map(parseOverride));

let pool: ReplicationThreads | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('ReplicationThreads', () => {
  it('gives each replication the report of running it here, whatever ran before it on that thread', async () => {
    const a = short('chongqing-2023');
    const b = short('two-step-declaration');
    pool = new ReplicationThreads(2);
    const asked = [
      [a, 0],
      [b, 0],
      [a, 1],
      [b, 1],
      [a, 2],
    ] as const;
    const got = await Promise.all(asked.map(([s, r]) => pool!.run(s.source, s.name, r)));
    asked.forEach(([s, r], i) => expect(noWall(got[i])).toBe(noWall(runReplication(s, r).report)));
    expect(got[0].seed).toBe(a.seed);
    // the same scenario, its replications differ
    expect(noWall(got[0])).not.toBe(noWall(got[2]));
  });

  it('keeps a few scenarios per thread and loads a forgotten one again when it comes back', async () => {
    pool = new ReplicationThreads(1);
    const seeds = Array.from({ length: SCENARIOS_PER_THREAD + 2 }, (_, i) => short('aeo-expansion', `seed=${100 + i}`));
    for (const s of seeds) await pool.run(s.source, s.name, 0);
    expect(pool.held()).toEqual([SCENARIOS_PER_THREAD]);
    // the first was forgotten: it travels again and gives the same report as here
    const back = await pool.run(seeds[0].source, seeds[0].name, 1);
    expect(noWall(back)).toBe(noWall(runReplication(seeds[0], 1).report));
    expect(pool.held()).toEqual([SCENARIOS_PER_THREAD]);
  });

  it('fails a replication of a bad scenario with the field named, and goes on serving', async () => {
    const s = short('chongqing-2023');
    pool = new ReplicationThreads(1);
    const bad = { ...s.source, stages: { ...(s.source.stages as object), inspection: { servers: -3 } } };
    await expect(pool.run(bad, 'a bad one', 0)).rejects.toThrow(/replication 0 failed in its thread: .*stages\.inspection/);
    // the same key again (nothing was loaded for it): still refused, with the same message, not "never sent"
    await expect(pool.run(bad, 'a bad one', 1)).rejects.toThrow(/stages\.inspection/);
    const ok = await pool.run(s.source, s.name, 0);
    expect(noWall(ok)).toBe(noWall(runReplication(s, 0).report));
  });

  it('rejects what is still waiting when closed, and everything after', async () => {
    const s = short('chongqing-2023', 'horizon.days=20');
    pool = new ReplicationThreads(1);
    const running = pool.run(s.source, s.name, 0);
    const waiting = pool.run(s.source, s.name, 1);
    expect(pool.pending).toBe(2);
    const settled = Promise.allSettled([running, waiting]);
    await pool.close();
    for (const o of await settled) {
      expect(o.status).toBe('rejected');
      expect(String((o as PromiseRejectedResult).reason)).toMatch(/closed before the replication finished/);
    }
    await expect(pool.run(s.source, s.name, 2)).rejects.toThrow(/closed/);
  });

  it('fails the replication of a thread that dies, and goes on with a new thread', async () => {
    // the real thread, but one that exits (as an out-of-memory thread would) when sent replication 99
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-threads-'));
    const entry = join(dir, 'dying-thread.mjs');
    const real = pathToFileURL(join(process.cwd(), 'dist/runtime/replication-thread.js')).href;
    writeFileSync(
      entry,
      [
        "import { parentPort } from 'node:worker_threads';",
        'const on = parentPort.on.bind(parentPort);',
        "parentPort.on = (event, f) => on(event, event === 'message' ? (t) => (t.replication === 99 ? process.exit(7) : f(t)) : f);",
        `await import(${JSON.stringify(real)});`,
      ].join('\n'),
    );
    const s = short('chongqing-2023');
    pool = new ReplicationThreads(1, pathToFileURL(entry));
    await expect(pool.run(s.source, s.name, 99)).rejects.toThrow(/a replication thread exited \(code 7\) before its work was done/);
    // its replacement has nothing loaded: the scenario travels again
    expect(pool.held()).toEqual([0]);
    const ok = await pool.run(s.source, s.name, 0);
    expect(noWall(ok)).toBe(noWall(runReplication(s, 0).report));
  });

  it('gives up, failing what waits, when its threads die as they start (a broken build), rather than start them for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-threads-'));
    const entry = join(dir, 'broken-thread.mjs');
    writeFileSync(entry, "throw new Error('this build is broken');\n");
    const s = short('chongqing-2023');
    pool = new ReplicationThreads(1, pathToFileURL(entry));
    const all = await Promise.allSettled([0, 1, 2, 3, 4].map((r) => pool!.run(s.source, s.name, r)));
    for (const o of all) {
      expect(o.status).toBe('rejected');
      expect(String((o as PromiseRejectedResult).reason)).toMatch(/a replication thread failed \(this build is broken\)/);
    }
    // no thread is left to die and be started again
    expect(pool.held()).toEqual([]);
    await expect(pool.run(s.source, s.name, 5)).rejects.toThrow(/this build is broken/);
  });
});
