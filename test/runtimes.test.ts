import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';
import { DEFAULT_REDIS_URL, DEFAULT_TIME_SCALE, DEFAULT_WORKERS, MAX_WORKERS, RUNTIMES, settingsOf } from '../src/runtime/runtimes.js';
import { clearsim } from './helpers/cli.js';

/** Nothing listens on port 1: a Redis that cannot be reached, at once. */
const DEAD = 'redis://127.0.0.1:1';
const S = 'scenarios/chongqing-2023.yaml';
const short = ['--days', '4'];

function timed(args: string[]) {
  const t0 = Date.now();
  const r = clearsim(args);
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

describe('the runtime registry', () => {
  it('has embedded, bullmq and distributed, with what each needs', () => {
    expect(Object.keys(RUNTIMES)).toEqual(['embedded', 'bullmq', 'distributed']);
    expect(RUNTIMES.embedded).toMatchObject({ needsRedis: false, workers: null, observes: 'all' });
    expect(RUNTIMES.bullmq).toMatchObject({
      needsRedis: true,
      workers: { default: DEFAULT_WORKERS, max: MAX_WORKERS },
      timeScale: { default: DEFAULT_TIME_SCALE },
    });
    expect(RUNTIMES.distributed).toMatchObject({ needsRedis: true, timeScale: null, observes: 'none' });
    for (const rt of Object.values(RUNTIMES)) expect(rt.description).toMatch(/^\S.{10,}$/);
  });

  it('fills in its defaults, only those a runtime takes, and checks its limits', () => {
    expect(DEFAULT_TIME_SCALE).toBe(3600);
    expect(DEFAULT_WORKERS).toBe(2);
    expect(settingsOf('embedded', { workers: 3, redisUrl: DEAD })).toEqual({ timeScale: undefined });
    expect(settingsOf('embedded', { timeScale: 60 })).toEqual({ timeScale: 60 });
    expect(settingsOf('bullmq')).toEqual({ redisUrl: DEFAULT_REDIS_URL, workers: DEFAULT_WORKERS, timeScale: DEFAULT_TIME_SCALE });
    expect(settingsOf('distributed', { redisUrl: DEAD, workers: 0, timeScale: 60 })).toEqual({ redisUrl: DEAD, workers: 0 });
    expect(() => settingsOf('distributed', { workers: MAX_WORKERS + 1 })).toThrow(`from 0 to ${MAX_WORKERS}`);
    expect(() => settingsOf('bullmq', { timeScale: 0 })).toThrow('> 0');
  });
});

describe('one meaning per runtime flag in run, compare and sweep', () => {
  const commands: [string, string[]][] = [
    ['run', ['run', S, ...short]],
    ['compare', ['compare', S, '--set', 'tiers.aeo.lanes.red=0.01', '--replications', '2', ...short]],
    ['sweep', ['sweep', S, '--param', 'tiers.aeo.lanes.red=0.01,0.02', '--replications', '1', ...short]],
  ];

  it.each(
    commands,
  )('%s --distribute runs the replications on workers (a dead Redis fails it with exit 1 within seconds)', (_name, args) => {
    const r = timed([...args, '--distribute', '--redis', DEAD, '--workers', '0']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
    expect(r.stderr).not.toContain('note:');
    expect(r.seconds).toBeLessThan(15);
  });

  it.each(commands.slice(1))('%s --runtime bullmq is the old spelling of --distribute: a note, then the same run', (name, args) => {
    const r = timed([...args, '--runtime', 'bullmq', '--redis', DEAD, '--workers', '0']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`note: \`${name} --runtime bullmq\` is now spelt \`${name} --distribute\``);
    expect(r.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
    expect(r.seconds).toBeLessThan(15);
  });

  it.each(commands)(`%s refuses --workers above ${MAX_WORKERS} with exit 2`, (_name, args) => {
    const r = clearsim([...args, '--distribute', '--redis', DEAD, '--workers', String(MAX_WORKERS + 1)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workers');
    expect(r.stderr).toContain(`between 0 and ${MAX_WORKERS}`);
  });

  it.each(commands)('%s refuses flags that do not go together, naming them (exit 2)', (name, args) => {
    const both = clearsim([...args, '--distribute', '--runtime', 'bullmq']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--distribute with --runtime bullmq');
    const workers = clearsim([...args, '--workers', '3']);
    expect(workers.status).toBe(2);
    expect(workers.stderr).toContain(`--workers: only with --distribute${name === 'run' ? ' or --runtime bullmq' : ''}`);
    const redis = clearsim([...args, '--redis', DEAD]);
    expect(redis.status).toBe(2);
    expect(redis.stderr).toContain('--redis: only with');
  });

  it('run refuses --time-scale, --trace and --serve with --distribute', () => {
    for (const [flags, msg] of [
      [['--time-scale', '60'], '--time-scale with --distribute'],
      [['--trace', '/tmp/x.csv'], '--trace: --distribute runs the replications inside the workers'],
      [['--serve', '9'], '--serve with --distribute'],
    ] as const) {
      const r = clearsim(['run', S, ...short, '--distribute', ...flags]);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });

  it('says the same of each runtime flag in the help of all three commands', () => {
    /** Each option's help, by flag, with the line breaks undone. */
    const helpOf = (cmd: string) => {
      const out = new Map<string, string>();
      let flag = '';
      for (const line of clearsim([cmd, '--help']).stdout.split('\n')) {
        const m = /^ {2}(-[-\w]+)/.exec(line);
        if (m) {
          flag = m[1];
          out.set(flag, line.trim());
        } else if (flag && /^ {3,}\S/.test(line)) out.set(flag, `${out.get(flag)} ${line.trim()}`);
        else flag = '';
      }
      return new Map([...out].map(([k, v]) => [k, v.replace(/\s+/g, ' ')]));
    };
    const [run, compare, sweep] = ['run', 'compare', 'sweep'].map(helpOf);
    for (const flag of ['--runtime', '--distribute', '--redis', '--workers']) {
      expect(run.get(flag), flag).toMatch(/^--\S+ .{30,}/);
      expect(compare.get(flag), flag).toBe(run.get(flag));
      expect(sweep.get(flag), flag).toBe(run.get(flag));
    }
    expect(run.get('--distribute')).toContain('`clearsim worker` processes');
    expect(run.get('--workers')).toContain(`at most ${MAX_WORKERS} (default ${DEFAULT_WORKERS};`);
  });
});

describe("the API takes the registry's defaults and limits", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), redisUrl: DEAD });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });
  const post = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/runs', payload: { scenario: 'chongqing-2023', days: 4, ...payload } });

  it(`answers 400 to workers above ${MAX_WORKERS}, as the CLI refuses them`, async () => {
    for (const extra of [{ runtime: 'bullmq' }, { distribute: true }]) {
      const r = await post({ ...extra, workers: MAX_WORKERS + 1 });
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toContain(`body.workers: must be <= ${MAX_WORKERS} (got ${MAX_WORKERS + 1})`);
    }
  });

  it('answers 400 to fields that do not go together, naming them', async () => {
    const both = await post({ distribute: true, runtime: 'bullmq' });
    expect(both.statusCode).toBe(400);
    expect(both.json().message).toContain(
      'body.distribute: runs each replication on the embedded engine inside the workers: not with runtime "bullmq"',
    );
    const paced = await post({ distribute: true, time_scale: 60 });
    expect(paced.statusCode).toBe(400);
    expect(paced.json().message).toContain('body.time_scale: not with distribute');
  });

  it('shows a bullmq run with the default time scale, and fails it on the dead Redis', async () => {
    const r = await post({ runtime: 'bullmq', workers: 0 });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ runtime: 'bullmq', distribute: false, time_scale: DEFAULT_TIME_SCALE, workers: 0 });
    await app.runs.idle();
    expect(await app.runs.get(r.json().id)).toMatchObject({ status: 'failed', error: expect.stringContaining('cannot reach Redis') });
    const d = await post({ runtime: 'bullmq' });
    expect(d.json()).toMatchObject({ workers: DEFAULT_WORKERS });
    await app.runs.idle();
  });

  it('runs distribute: true on workers through the registry (embedded replications, no time scale)', async () => {
    const r = await post({ distribute: true, workers: 0 });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ runtime: 'embedded', distribute: true, time_scale: null, workers: 0 });
    await app.runs.idle();
    expect(await app.runs.get(r.json().id)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('cannot reach Redis at redis://127.0.0.1:1'),
    });
  });

  it('refuses distribute on a server without Redis', async () => {
    const bare = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }) });
    const r = await bare.inject({ method: 'POST', url: '/runs', payload: { scenario: 'chongqing-2023', distribute: true } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'CLEARSIM_RUNTIME_UNAVAILABLE' });
    expect(r.json().message).toContain('body.distribute: distribute needs Redis');
    await bare.close();
  });
});

describe('distributed runs on the test Redis', () => {
  it('POST /runs with distribute: true gives the report an embedded run gives (same seeds)', async () => {
    const app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), redisUrl: inject('redisUrl') });
    try {
      const payload = { scenario: 'chongqing-2023', days: 3, replications: 2, overrides: { 'horizon.warmup_days': 1 } };
      const local = await app.inject({ method: 'POST', url: '/runs', payload });
      const remote = await app.inject({ method: 'POST', url: '/runs', payload: { ...payload, distribute: true, workers: 1 } });
      await app.runs.idle();
      const [a, b] = await Promise.all([local, remote].map((r) => app.runs.get(r.json().id)));
      expect(b.status, b.error).toBe('done');
      expect(a.status).toBe('done');
      // an embedded API run samples its stages for the HTML report's charts, and the samples count
      // as events (as with `run --report`); distributed replications do not sample: all else equal
      const strip = (r: unknown) => JSON.stringify(r, (k, v) => (k === 'wall_seconds' || k === 'events' ? undefined : v));
      expect(strip(b.report)).toBe(strip(a.report));
      expect(a.report.events).toBeGreaterThan(b.report.events);
      expect(b.progress).toBe(1);
    } finally {
      await app.close();
    }
  });
});
