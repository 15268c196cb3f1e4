import { describe, expect, it } from 'vitest';
import { compare, comparisonJson } from '../src/experiments/compare.js';
import { pairedInterval } from '../src/experiments/paired.js';
import { renderCompareReport } from '../src/html-report/html.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';
import { validateDocument } from './helpers/document-schema.js';
import { queueScenario } from './helpers/scenario.js';

describe('compare: the disruption windows (src/experiments/compare-windows.ts)', () => {
  it('the flood with and without priority: the window AEO difference is positive and larger than the whole-run one', async () => {
    // the window (day 10 to 15) is the flood and its recovery; 16 days keep the test short
    const days = parseOverride('horizon.days=16');
    const a = loadScenarioFile('scenarios/flood-disruption.yaml', [days]);
    const b = loadScenarioFile('scenarios/flood-disruption.yaml', [days, parseOverride('priority.mode=never')]);
    const n = 8;
    const c = await compare(a, b, n);
    expect(c.disruptions).toHaveLength(1);
    const w = c.disruptions![0];
    expect(w.name).toBe('flood closes most of the inspection area');
    expect(w.start_hours).toBe(240);
    expect(w.window_end_hours).toBe(240 + 48 + 72);
    const win = w.groups.aeo.mean;
    // without priority AEO shipments of the window wait with the others: their mean rises, clearly
    expect(win.diff).toBeGreaterThan(0);
    expect(win.lo).toBeGreaterThan(0);
    // the window's own shipments, per replication: each pair's window mean is its report's
    const aeoWin = (k: 'a' | 'b') => c.reports[k].map((r) => r.disruptions[0].aeo_vs_non_aeo.aeo.clearance_hours.mean);
    expect(win.mean_a).toBeCloseTo(aeoWin('a').reduce((x, y) => x + y, 0) / n, 9);
    // larger than the whole run's difference, which dilutes it: the difference of the two paired
    // differences has its own interval above 0
    const whole = (k: 'a' | 'b') => c.reports[k].map((r) => r.aeo_vs_non_aeo.aeo.clearance_hours.mean);
    const dWin = aeoWin('b').map((x, i) => x - aeoWin('a')[i]);
    const dWhole = whole('b').map((x, i) => x - whole('a')[i]);
    const excess = pairedInterval(dWhole, dWin);
    expect(win.diff).toBeGreaterThan(c.groups.aeo.mean.diff);
    expect(excess.lo).toBeGreaterThan(0);
    // non-AEO shipments of the window gain what the AEO ones lose
    expect(w.groups.non_aeo.mean.hi).toBeLessThan(0);
    // all shipments: the count-weighted mean, no percentiles in a window
    expect(Number.isNaN(w.groups.all.p90.diff)).toBe(true);
    // in the JSON, the summary's lines, and the HTML
    const json = JSON.parse(JSON.stringify(comparisonJson(c)));
    expect(json.disruptions[0].groups.aeo.mean.lo).toBeGreaterThan(0);
    expect(json.disruptions[0].groups.all.p90.diff).toBeNull();
    expect(validateDocument('Comparison', json)).toEqual([]);
    expect(w.lines[0]).toMatch(/^During flood closes most of the inspection area: AEO mean clearance rises/);
    const html = renderCompareReport(c);
    expect(html).toContain('data-window="flood closes most of the inspection area"');
    expect(html).toContain('During flood closes most of the inspection area');
  });

  it('no disruption in either: the comparison has no disruptions field', async () => {
    const s = queueScenario({ lambda: 2, servers: 3, service: { dist: 'exponential', mean: '1h' }, days: 4, seed: 3 });
    const c = await compare(s, s, 2);
    expect('disruptions' in comparisonJson(c)).toBe(false);
  });
});
