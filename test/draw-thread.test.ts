import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DrawThread, type DrawTask } from '../src/runtime/draw-thread.js';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

/*
 * A draw thread draws a replication's shipments ahead of the run that takes them
 * (src/runtime/draw-thread.ts). A replication's shipments are a pure function of (scenario, seed,
 * r), so a run that takes them from the thread must give the report of drawing them itself, bit
 * for bit, whether it takes them all from the thread, starts drawing and switches over, or falls
 * back to drawing when the thread fails or stalls.
 */
const noWall = (x: unknown) => JSON.stringify(x, (k, v) => (k === 'wall_seconds' ? undefined : v));
const load = (file: string, ...more: string[]) => loadScenarioFile(file, more.map(parseOverride));

const scenarios = {
  // firms, flows, pre-lodging: shipments drawn weeks ahead, moved from the ring to the incoming queue
  baseline: () => load('scenarios/chongqing-2023.yaml', 'horizon.days=6', 'horizon.warmup_days=1'),
  // no pre-lodging: each shipment taken as it arrives
  mmc: () => load('bench/mmc.yaml', 'horizon.days=200'),
  // complete declarations after release, and a surge and a lull: thinned-out shipments and a second arrival process
  disrupted: () =>
    load(
      'scenarios/two-step-declaration.yaml',
      'horizon.days=8',
      'horizon.warmup_days=1',
      'disruptions=[{name: rush, start: 2d, duration: 1d, arrivals: 1.8}, {name: lull, start: 4d, duration: 1d, arrivals: 0.4}]',
    ),
};

let thread: DrawThread | undefined;
afterEach(async () => {
  await thread?.close();
  thread = undefined;
});

/**
 * Resolves once the thread has written 2,000 records, or stopped writing: it is then far enough
 * ahead of a run that starts now for the run to take every shipment from it.
 */
async function ahead(t: DrawThread): Promise<void> {
  const until = Date.now() + 20_000;
  while (t.available() < 2000 && t.writing) {
    if (Date.now() > until) throw new Error('the draw thread wrote too little in 20 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs each task here, taking its shipments from `t`; the reports. */
function runAll(t: DrawThread, tasks: DrawTask[]): string[] {
  return tasks.map((k, i) => noWall(runReplication(k.scenario, k.replication, undefined, false, t.source(i)).report));
}

describe('DrawThread', () => {
  for (const [name, make] of Object.entries(scenarios)) {
    it(`gives a run the report of drawing its shipments itself, bit for bit (${name})`, async () => {
      const s = make();
      const tasks = [0, 1].map((replication) => ({ scenario: s, replication }));
      thread = new DrawThread(tasks);
      await ahead(thread);
      const got = runAll(thread, tasks);
      // the thread was ahead from the first shipment: every shipment came from it
      expect(thread.drawn).toBe(0);
      expect(thread.taken).toBeGreaterThan(1000);
      tasks.forEach((k, i) => expect(got[i]).toBe(noWall(runReplication(k.scenario, k.replication).report)));
    });
  }

  it('serves the tasks of several scenarios in order, on one thread', async () => {
    const a = scenarios.baseline();
    const b = scenarios.disrupted();
    const tasks = [
      { scenario: a, replication: 0 },
      { scenario: b, replication: 0 },
      { scenario: a, replication: 3 },
    ];
    thread = new DrawThread(tasks);
    await ahead(thread);
    const got = runAll(thread, tasks);
    expect(thread.drawn).toBe(0);
    tasks.forEach((k, i) => expect(got[i]).toBe(noWall(runReplication(k.scenario, k.replication).report)));
  });

  it('lets a run that starts before the thread is ready draw its own shipments, then take over from it', () => {
    // no wait before the run: it draws the three weeks of shipments ahead of the first arrival
    // itself, while the thread loads the scenario; at that arrival it waits for the thread to
    // have started writing (so the switch does not hang on how busy the machine is), then goes on
    const s = load('scenarios/chongqing-2023.yaml', 'horizon.days=40', 'horizon.warmup_days=1');
    const t = new DrawThread([{ scenario: s, replication: 0 }]);
    thread = t;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    let first = true;
    const observer = {
      arrived: () => {
        if (!first) return;
        first = false;
        const until = Date.now() + 20_000;
        while (t.available() < 2000 && t.writing && Date.now() < until) Atomics.wait(nap, 0, 0, 5);
      },
    };
    const got = noWall(runReplication(s, 0, observer, false, t.source(0)).report);
    expect(got).toBe(noWall(runReplication(s, 0).report));
    expect(t.drawn).toBeGreaterThan(10_000);
    // the thread then catches up with the run (~30,000 shipments at ~1 M/s) within the ~0.4 s left of it
    expect(t.taken).toBeGreaterThan(0);
  });

  /**
   * A thread script that runs the real one but fails (or stalls) after `after` records: it
   * wraps Atomics.store, which the writer publishes each record with.
   */
  function faulty(how: 'throw' | 'stall', after: number): URL {
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-draw-'));
    const entry = join(dir, `${how}-thread.mjs`);
    const real = pathToFileURL(join(process.cwd(), 'dist/runtime/draw-thread-worker.js')).href;
    writeFileSync(
      entry,
      [
        'const store = Atomics.store;',
        'let published = 0;',
        // header slot 0 is the count written (RingHeader.Written)
        `Atomics.store = (a, i, v) => {`,
        `  if (a.length < 16 && i === 0 && ++published > ${after}) {`,
        how === 'throw'
          ? "    throw new Error('the draw thread broke');"
          : '    const never = new Int32Array(new SharedArrayBuffer(4)); for (;;) Atomics.wait(never, 0, 0);',
        '  }',
        '  return store(a, i, v);',
        '};',
        `await import(${JSON.stringify(real)});`,
      ].join('\n'),
    );
    return pathToFileURL(entry);
  }

  for (const how of ['throw', 'stall'] as const) {
    it(`draws the shipments itself, the same ones, when the thread ${how === 'throw' ? 'fails' : 'stalls'} mid-run`, async () => {
      const s = scenarios.baseline();
      const tasks = [0, 1].map((replication) => ({ scenario: s, replication }));
      thread = new DrawThread(tasks, faulty(how, 3000));
      await ahead(thread);
      const got = runAll(thread, tasks);
      // the first 3,000 came from the thread, the rest were drawn here after re-drawing those
      expect(thread.taken).toBeGreaterThan(2000);
      expect(thread.drawn).toBeGreaterThan(0);
      expect(thread.usable).toBe(false);
      tasks.forEach((k, i) => expect(got[i]).toBe(noWall(runReplication(k.scenario, k.replication).report)));
      if (how === 'stall') expect(thread.waits).toBeGreaterThan(0);
    });
  }

  it('is not needed at all: a thread that never starts leaves the run drawing its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-draw-'));
    const entry = join(dir, 'broken-thread.mjs');
    writeFileSync(entry, "throw new Error('this build is broken');\n");
    const s = scenarios.baseline();
    thread = new DrawThread([{ scenario: s, replication: 0 }], pathToFileURL(entry));
    const got = noWall(runReplication(s, 0, undefined, false, thread.source(0)).report);
    expect(got).toBe(noWall(runReplication(s, 0).report));
    expect(thread.taken).toBe(0);
  });
});
