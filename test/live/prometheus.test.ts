import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-global.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query(promPort: number, q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

/**
 * A real Prometheus (Debian's `prometheus` package; .ci/run installs it) scrapes a paced embedded
 * run every second through `clearsim run --serve`, and its query API sees the run move.
 */
describe('Prometheus scraping a paced run', () => {
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'clearsim-prom-'));
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees clearsim_shipments_released_total grow and computes clearance quantiles by tier', async () => {
    expect(spawnSync('prometheus', ['--version']).status, 'prometheus must be installed (apt-get install prometheus)').toBe(0);
    const metricsPort = await freePort();
    const promPort = await freePort();
    // one simulated day per wall second: 40 days of the baseline take ~40 s, more than the test needs
    const run = spawn(
      process.execPath,
      ['bin/clearsim.js', 'run', 'scenarios/chongqing-2023.yaml', '--days', '40', '--time-scale', '86400', '--serve', String(metricsPort)],
      { stdio: 'ignore' },
    );
    procs.push(run);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: clearsim',
        `    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]`,
        '',
      ].join('\n'),
    );
    const prom = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    );
    procs.push(prom);

    // wait until Prometheus has scraped the run a few times
    const released = async () => Number((await query(promPort, 'sum(clearsim_shipments_released_total)'))[0]?.value[1] ?? NaN);
    let first = NaN;
    for (let i = 0; i < 60 && !(first > 0); i++) {
      await sleep(500);
      first = await released().catch(() => NaN);
    }
    expect(first).toBeGreaterThan(0);
    await sleep(4000);
    const second = await released();
    expect(second).toBeGreaterThan(first);

    const up = await query(promPort, 'up{job="clearsim"}');
    expect(up[0].value[1]).toBe('1');

    const q = await query(promPort, 'histogram_quantile(0.9, sum by (le, tier) (rate(clearsim_clearance_time_seconds_bucket[30s])))');
    const byTier = Object.fromEntries(q.map((r) => [r.metric.tier, Number(r.value[1])]));
    expect(Object.keys(byTier).sort()).toEqual(['aeo', 'discredited', 'general']);
    // general-credit p90 clearance is hours to days, in simulated seconds
    expect(byTier.general).toBeGreaterThan(3600);
    expect(byTier.general).toBeLessThan(14 * 86400);
    expect(byTier.aeo).toBeLessThan(byTier.general);
  });
});
