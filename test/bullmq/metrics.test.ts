import { spawn } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { SimMetrics } from '../../src/metrics/sim-metrics.js';
import { runBullmq } from '../../src/runtime/bullmq/index.js';
import { shortScenario } from '../helpers/bullmq.js';
import { freePort } from '../helpers/redis-global.js';

const redisUrl = inject('redisUrl');

/** Sum of a metric's samples in Prometheus text exposition, optionally filtered by a label fragment. */
function total(text: string, name: string, label = ''): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && l.includes(label) && !l.startsWith('#'))
    .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
}

describe('metrics of a BullMQ run', () => {
  it('counts every release in the coordinator and every stage start in the worker process', async () => {
    const port = await freePort();
    const worker = spawn(process.execPath, ['bin/clearsim.js', 'worker', '--redis', redisUrl, '--metrics-port', String(port)], {
      stdio: 'ignore',
    });
    try {
      const s = shortScenario('chongqing-2023');
      const coordinator = new SimMetrics({ defaultMetrics: false });
      const report = await runBullmq(s, { redisUrl, timeScale: 43200, workers: 0, observer: coordinator.bind(s, 'coordinator') });
      const c = await coordinator.registry.metrics();
      expect(total(c, 'clearsim_shipments_released_total')).toBe(report.shipments.released);
      expect(total(c, 'clearsim_shipments_arrived_total')).toBe(report.shipments.arrived);
      // metrics count warm-up shipments too (the report does not): every release is observed once
      expect(total(c, 'clearsim_clearance_time_seconds_count')).toBe(report.shipments.released);
      expect(total(c, 'clearsim_clearance_time_seconds_count', 'tier="aeo"')).toBeGreaterThanOrEqual(report.by_tier.aeo.count);

      const w = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      // every shipment passed declaration once; this one process served them all
      expect(total(w, 'clearsim_stage_wait_seconds_count', 'stage="declaration"')).toBe(report.shipments.arrived);
      expect(total(w, 'clearsim_servers_capacity', 'stage="declaration"')).toBe(40);
      expect(w).toContain('process_cpu_seconds_total');
    } finally {
      await new Promise((resolve) => {
        worker.once('exit', resolve);
        worker.kill('SIGTERM');
      });
    }
  });
});
