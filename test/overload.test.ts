import { describe, expect, it } from 'vitest';
import { runReplication, runEmbedded } from '../src/runtime/run.js';
import { GROWING_WAIT_RATIO } from '../src/stats/overload.js';
import type { Report } from '../src/stats/report.js';
import { clearsim } from './helpers/cli.js';
import { tInterval } from './helpers/queueing.js';
import { validateDocument } from './helpers/document-schema.js';
import { queueScenario } from './helpers/scenario.js';

const mmcScenario = (lambda: number, replications = 1) =>
  queueScenario({ lambda, servers: 5, service: { dist: 'exponential', mean: '1h' }, days: 30, seed: 11, replications });

/** Hours waited at the stage by the shipments observed, over the queue-hours it held in the window. */
const waitRatio = (r: Report) => {
  const st = r.stages.desk;
  return (st.wait_hours.mean * st.count) / (st.queue.mean * (r.horizon_days - r.warmup_days) * 24);
};

describe('overload warnings (src/stats/overload.ts)', () => {
  it('a stable M/M/5 at utilization 0.9: Little’s law holds over the window and no report carries warnings', () => {
    const ratios: number[] = [];
    for (let r = 0; r < 8; r++) {
      const { report } = runReplication(mmcScenario(4.5), r);
      // absent, not empty: a report without overload keeps its shape (test/golden pins it)
      expect('warnings' in report).toBe(false);
      ratios.push(waitRatio(report));
    }
    // the edge terms (warm-up shipments waiting in the window, the last ones after it) balance:
    // the mean ratio is 1 within its interval, far from the threshold
    const iv = tInterval(ratios);
    expect(Math.abs(iv.mean - 1)).toBeLessThan(iv.half + 0.01);
    expect(Math.max(...ratios)).toBeLessThan(GROWING_WAIT_RATIO);
  });

  it('an M/M/5 offered 130%: stage_overloaded with the exact offered load, and queue_growing with the fluid ratio λ/cμ', () => {
    const ratios: number[] = [];
    for (let r = 0; r < 6; r++) {
      const { report } = runReplication(mmcScenario(6.5), r);
      const w = report.warnings ?? [];
      const over = w.find((x) => x.code === 'stage_overloaded');
      expect(over?.stage).toBe('desk');
      expect(over?.offered_load).toBeCloseTo(1.3, 10);
      const growing = w.find((x) => x.code === 'queue_growing');
      expect(growing?.stage).toBe('desk');
      ratios.push(growing!.wait_ratio!);
    }
    // A queue growing at g = λ - cμ from empty: arrivals at t wait g t / cμ, so the hours waited over
    // the queue-hours held, ∫λ g t/cμ over ∫ g t, is λ / cμ = 1.3 (the fluid limit; the queue's
    // random fluctuations are a few percent of its length after days)
    const iv = tInterval(ratios);
    expect(Math.abs(iv.mean - 1.3)).toBeLessThan(iv.half + 0.03);
  });

  it('the HTML report lists the warnings before its headline, and a stable run has no warnings section', async () => {
    const { renderRunReport } = await import('../src/html-report/html.js');
    const over = runReplication(mmcScenario(6.5), 0).report;
    const html = renderRunReport(over);
    const at = html.indexOf('<h2>Warnings</h2>');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('<h2>Headline'));
    for (const w of over.warnings!) expect(html).toContain(w.message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(renderRunReport(runReplication(mmcScenario(4.5), 0).report)).not.toContain('<h2>Warnings</h2>');
  });

  it('merged replications keep the warnings of any replication, counting them', async () => {
    const merged = await runEmbedded(mmcScenario(6.5, 3));
    const over = merged.warnings?.find((x) => x.code === 'stage_overloaded');
    expect(over?.replications).toBe(3);
    expect(merged.warnings?.filter((x) => x.code === 'stage_overloaded')).toHaveLength(1);
    expect(validateDocument('Report', merged)).toEqual([]);
    // not averaged like a statistic
    expect(over && 'offered_load_ci95' in over).toBe(false);
    const stable = await runEmbedded(mmcScenario(4.5, 3));
    expect('warnings' in stable).toBe(false);
  });

  it('run --json: the warning is on stderr and in the report, stdout is the report alone', () => {
    const r = clearsim(['run', 'scenarios/chongqing-2023.yaml', '--set', 'stages.inspection.servers=2', '--days', '10', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.warnings?.map((w) => `${w.code} ${w.stage}`)).toEqual(['stage_overloaded inspection', 'queue_growing inspection']);
    expect(r.stderr).toMatch(/clearsim: warning: chongqing-2023: stages\.inspection is offered \d+% of its capacity/);
    expect(r.stderr).toMatch(/queue is still growing at the end of the horizon/);
  });

  it("the README's sweep: the 8-team point warns, the 20-team point does not", () => {
    const r = clearsim(['sweep', 'scenarios/flood-disruption.yaml', '--param', 'stages.inspection.servers=8,20', '--replications', '1']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: sweep point stages\.inspection\.servers=8: stages\.inspection is offered 143% of its capacity/);
    expect(r.stderr).not.toMatch(/servers=20:/);
    expect(r.stdout).not.toMatch(/warning/);
  });
});
