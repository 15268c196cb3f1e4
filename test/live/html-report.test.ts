import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, comparisonJson } from '../../src/experiments/compare.js';
import { replicate } from '../../src/experiments/replicate.js';
import { fmtCny, fmtPct, renderCompareReport, renderRunReport, renderSweepReport } from '../../src/html-report/html.js';
import { runEmbedded } from '../../src/runtime/run.js';
import { formatHours } from '../../src/scenario/duration.js';
import { loadScenarioFile, parseOverride } from '../../src/scenario/load.js';
import { mergeReplications } from '../../src/stats/replications.js';

/**
 * The HTML reports open in a real headless Chromium (Debian's `chromium` package; .ci/run installs
 * it): no console errors, no request leaves file://, every chart is there and drawn. A full-page
 * screenshot of each lands next to its HTML (and the run report's in /tmp/clearsim-report.png).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PageCheck {
  consoleErrors: string[];
  external: string[];
  failed: string[];
  charts: {
    name: string;
    role: string | null;
    title: string;
    width: number;
    height: number;
    marks: number;
    drawnMarks: number;
    /** Each mark's own <title> (tooltips: a bar's value, a line's label). */
    markTitles: string[];
    /** The plot's paths with a <title>: how many points (M and L commands) each draws. */
    paths: { title: string; points: number }[];
  }[];
  /** Every table[data-table] as the browser shows it: header and body cells, as text. */
  tables: Record<string, { head: string[]; rows: string[][] }>;
  /** Every table, named or not, in the page's order: its body cells, as text. */
  allTables: string[][][];
  /** The text of every p.lead. */
  leads: string[];
  scripts: number;
  title: string;
}

describe('HTML reports in headless Chromium', () => {
  // a fixed folder, emptied on each run: the reports and screenshots stay there to look at
  const dir = join(tmpdir(), 'clearsim-html-report');
  let browser: Browser;

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a written report in a fresh context with every non-file request blocked; screenshots it. */
  async function open(file: string, png: string): Promise<PageCheck> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const check: PageCheck = {
      consoleErrors: [],
      external: [],
      failed: [],
      charts: [],
      tables: {},
      allTables: [],
      leads: [],
      scripts: 0,
      title: '',
    };
    try {
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        check.external.push(url);
        return route.abort('blockedbyclient');
      });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') check.consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => check.consoleErrors.push(String(e)));
      page.on('request', (r) => {
        if (!/^(file|data|about):/.test(r.url())) check.external.push(r.url());
      });
      page.on('requestfailed', (r) => check.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      check.title = await page.title();
      check.scripts = await page.locator('script').count();
      check.charts = await page.$$eval('svg[data-chart]', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const marks = Array.from(
            svg.querySelectorAll('g.plot path, g.plot rect, g.plot polyline, g.plot circle'),
          ) as SVGGraphicsElement[];
          const drawnMarks = marks.filter((m) => {
            const b = m.getBBox();
            return b.width > 0 || b.height > 0;
          }).length;
          const title = svg.querySelector(':scope > title')?.textContent ?? '';
          const own = (m: Element) => m.querySelector(':scope > title')?.textContent ?? '';
          return {
            name: svg.getAttribute('data-chart') ?? '',
            role: svg.getAttribute('role'),
            title,
            width: box.width,
            height: box.height,
            marks: marks.length,
            drawnMarks,
            markTitles: marks.map(own),
            paths: Array.from(svg.querySelectorAll('g.plot path'))
              .filter((p) => own(p))
              .map((p) => ({ title: own(p), points: (p.getAttribute('d') ?? '').match(/[ML]/g)?.length ?? 0 })),
          };
        }),
      );
      check.tables = await page.$$eval('table[data-table]', (tables) =>
        Object.fromEntries(
          tables.map((t) => [
            t.getAttribute('data-table') ?? '',
            {
              head: Array.from(t.querySelectorAll('thead th')).map((c) => (c as HTMLElement).innerText.trim()),
              rows: Array.from(t.querySelectorAll('tbody tr')).map((r) =>
                Array.from(r.querySelectorAll('td')).map((c) => (c as HTMLElement).innerText.trim()),
              ),
            },
          ]),
        ),
      );
      check.allTables = await page.$$eval('table', (tables) =>
        tables.map((t) =>
          Array.from(t.querySelectorAll('tbody tr')).map((r) =>
            Array.from(r.querySelectorAll('td')).map((c) => (c as HTMLElement).innerText.trim()),
          ),
        ),
      );
      check.leads = await page.$$eval('p.lead', (ps) => ps.map((p) => (p as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
      await page.screenshot({ path: png, fullPage: true });
    } finally {
      await context.close();
    }
    return check;
  }

  function expectClean(check: PageCheck, expected: string[]): void {
    expect(check.consoleErrors, 'console errors').toEqual([]);
    expect(check.external, 'requests that left file://').toEqual([]);
    expect(check.failed, 'failed requests').toEqual([]);
    expect(check.scripts, 'the reports need no script').toBe(0);
    const names = check.charts.map((c) => c.name);
    for (const name of expected) expect(names, `chart ${name}`).toContain(name);
    for (const c of check.charts) {
      expect(c.role, `${c.name} role`).toBe('img');
      expect(c.title.trim().length, `${c.name} <title>`).toBeGreaterThan(0);
      expect(c.width, `${c.name} width`).toBeGreaterThan(100);
      expect(c.height, `${c.name} height`).toBeGreaterThan(50);
      expect(c.marks, `${c.name} marks inside the plot`).toBeGreaterThan(0);
      expect(c.drawnMarks, `${c.name} marks with a non-empty box`).toBeGreaterThan(0);
    }
  }

  /** Self-contained: nothing refers to a file or address outside the document. */
  function expectSelfContained(html: string): void {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/\s(src|href)\s*=/i);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
    expect(html).not.toMatch(/<script\b/i);
  }

  function write(name: string, html: string): { file: string; png: string } {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    return { file, png: join(dir, `${name}.png`) };
  }

  it('renders the run report of a disruption with its timeline', async () => {
    const s = loadScenarioFile('scenarios/flood-disruption.yaml', [parseOverride('horizon.days=14')]);
    const report = await runEmbedded(s, { timeline: true });
    expect(report.timeline?.hours.length).toBeGreaterThan(100);
    const html = renderRunReport(report);
    expectSelfContained(html);
    const { file, png } = write('run-flood-disruption', html);
    const check = await open(file, png);
    const stages = Object.entries<any>(report.stages);
    const expected = [
      'segments-by-tier',
      'segments-by-lane',
      'clearance-cdf',
      'released-within',
      ...stages.map(([n]) => `timeline-busy-${n}`),
      ...stages.filter(([, st]) => st.servers !== 'unlimited').map(([n]) => `timeline-queue-${n}`),
      // the scenario is at firm level: its firms' concentration curve
      ...(report.firms ? ['firm-concentration'] : []),
      // it has trade flows: mean clearance by mode, imports and exports
      ...(report.by_mode ? ['flow-modes'] : []),
    ];
    expectClean(check, expected);
    expect(check.charts.length).toBe(expected.length);
    expect(check.title).toContain('flood-disruption');
    // the disruption is shaded on the timeline and listed
    expect(html).toContain('recovery window');
    expect(html).toContain(report.disruptions[0].name);
    copyFileSync(png, '/tmp/clearsim-report.png');
    console.log(`run report: ${file}\nscreenshot: ${png} (copied to /tmp/clearsim-report.png)`);
  });

  it('renders a comparison with paired and unpaired intervals', async () => {
    const days = parseOverride('horizon.days=7');
    const a = loadScenarioFile('scenarios/chongqing-2023.yaml', [days]);
    const b = loadScenarioFile('scenarios/chongqing-2023.yaml', [
      days,
      parseOverride('priority.mode=always'),
      parseOverride('name=chongqing-priority-always'),
    ]);
    const c = await compare(a, b, 3);
    const html = renderCompareReport(c);
    expectSelfContained(html);
    for (const line of c.lines)
      expect(html).toContain(
        line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;'),
      );
    const { file, png } = write('compare', html);
    const check = await open(file, png);
    expectClean(check, ['compare-diff', 'compare-means']);
    // one dot per group and statistic (mean, p50, p90)
    expect(check.charts.find((x) => x.name === 'compare-diff')!.marks).toBeGreaterThanOrEqual(Object.keys(c.groups).length * 3);

    // both have trade flows: imports and exports are groups, with no inspection rate of their own
    const h = (x: number) => formatHours(x, 'number');
    const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${h(Math.abs(x))}`;
    const rows = check.allTables.at(-1)!;
    for (const [key, label] of [
      ['import', 'Imports'],
      ['export', 'Exports'],
    ]) {
      const g = c.groups[key];
      expect(g?.label, key).toBe(label);
      expect(Number.isNaN(g.inspection_rate.diff), `${key} inspection rate`).toBe(true);
      const at = rows.findIndex((r) => r[0] === `${label}\n${key}`);
      expect(at, `${label} row`).toBeGreaterThanOrEqual(0);
      const m = g.mean;
      expect(rows[at].slice(1, 6)).toEqual(['mean (h)', h(m.mean_a), h(m.mean_b), signed(m.diff), `${signed(m.lo)} to ${signed(m.hi)}`]);
      expect(rows[at + 3]).toEqual(['', 'inspection rate', '–', '–', '–', '–', '–', '–']);
    }
    expect(rows.findIndex((r) => r[0] === 'Imports\nimport')).toBeLessThan(rows.findIndex((r) => r[0] === 'All shipments\nall'));
    expect(check.charts.find((x) => x.name === 'compare-means')!.markTitles).toContainEqual(
      `import — a: ${c.a}: ${h(c.groups.import.mean.mean_a)}`,
    );
    expect(html).not.toContain('NaN');
    // as compare --json prints it (NaN as null): still dashes
    const fromJson = renderCompareReport(JSON.parse(JSON.stringify(comparisonJson(c))));
    expect(fromJson).not.toMatch(/NaN|>null</);
    expect(fromJson).toContain('<b>Imports</b>');
    copyFileSync(png, '/tmp/clearsim-compare-report.png');
    console.log(`compare report: ${file}\nscreenshot: ${png}`);
  });

  it('renders the trade flows of a run: directions, modes, flows, destination and two-step declaration', async () => {
    const report = await runEmbedded(loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=10')]));
    const bd = report.by_direction!;
    const modes = report.by_mode!;
    const flows = report.by_flow!;
    const dest = report.destination!;
    const ts = report.two_step!;
    for (const [k, v] of Object.entries({ bd, modes, flows, dest, ts })) expect(v, `chongqing-2023 has ${k}`).toBeDefined();
    const html = renderRunReport(report);
    expectSelfContained(html);
    const { file, png } = write('run-flows', html);
    const check = await open(file, png);
    expectClean(check, ['clearance-cdf', 'flow-modes']);
    const h = (x: number) => formatHours(x, 'number');
    const int = (x: number) => x.toLocaleString('en-US');
    const ratio = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}×`);
    const text = (xs: string[]) => xs.map((x) => x.replace(/\u00a0/g, ' '));
    // the section comes before the timeline and the tables by tier
    expect(html.indexOf('<h2>Trade flows</h2>')).toBeGreaterThan(html.indexOf('<h2>Headline: AEO vs non-AEO</h2>'));
    expect(html.indexOf('<h2>Trade flows</h2>')).toBeLessThan(html.indexOf('<h2>Queues and servers over simulated time</h2>'));

    // the lead states the answer: imports against exports, and what AEO status is worth on imports
    const imp = bd.import,
      exp = bd.export;
    expect(imp.count).toBeGreaterThan(0);
    expect(exp.count).toBeGreaterThan(0);
    expect(imp.clearance_hours.mean).toBeGreaterThan(exp.clearance_hours.mean);
    expect(imp.aeo_vs_non_aeo.mean_ratio).not.toBeNull();
    expect(check.leads).toContainEqual(
      expect.stringContaining(
        `Imports are cleared in ${h(imp.clearance_hours.mean)} h on average (port handling included), exports in ${h(exp.clearance_hours.mean)} h; AEO imports take ${fmtPct(imp.aeo_vs_non_aeo.mean_ratio)} as long as non-AEO ones`,
      ),
    );

    // by direction, then all shipments
    const dirs = check.tables['flow-directions'];
    expect(text(dirs.head)).toEqual([
      'direction',
      'shipments',
      'share',
      'mean (h)',
      'p50',
      'p90',
      '≤ 24 h',
      '≤ 48 h',
      'lodgement to release, mean (h)',
      'AEO ÷ non-AEO (mean)',
    ]);
    expect(dirs.rows.map((r) => r[0])).toEqual(['Imports', 'Exports', 'all shipments']);
    [imp, exp].forEach((d, i) =>
      expect(dirs.rows[i].slice(1)).toEqual([
        int(d.count),
        fmtPct(d.share),
        h(d.clearance_hours.mean),
        h(d.clearance_hours.p50),
        h(d.clearance_hours.p90),
        fmtPct(d.released_within['24h']),
        fmtPct(d.released_within['48h']),
        h(d.lodgement_to_release_hours.mean),
        ratio(d.aeo_vs_non_aeo.mean_ratio),
      ]),
    );
    expect(imp.count + exp.count).toBe(report.overall.count);
    expect(dirs.rows[2].slice(1, 4)).toEqual([int(report.overall.count), '100.0%', h(report.overall.clearance_hours.mean)]);

    // by mode, with its imports and exports
    const byMode = check.tables['flow-modes'];
    const modeRows = Object.entries(modes);
    expect(modeRows.length).toBeGreaterThan(1);
    expect(byMode.rows.map((r) => r[0])).toEqual(modeRows.map(([m]) => m));
    modeRows.forEach(([, m], i) => {
      const [mi, me] = [m.by_direction.import, m.by_direction.export];
      expect(byMode.rows[i].slice(1)).toEqual([
        int(m.count),
        fmtPct(m.share),
        h(m.clearance_hours.mean),
        h(m.clearance_hours.p50),
        h(m.clearance_hours.p90),
        mi ? int(mi.count) : '–',
        mi ? h(mi.clearance_hours.mean) : '–',
        me ? int(me.count) : '–',
        me ? h(me.clearance_hours.mean) : '–',
      ]);
    });
    // the chart: one bar per mode and direction, as tall as its mean
    const bars = check.charts.find((c) => c.name === 'flow-modes')!.markTitles;
    expect(bars).toEqual(
      modeRows.flatMap(([name, m]) =>
        (['import', 'export'] as const)
          .filter((k) => m.by_direction[k])
          .map((k) => `${name} — ${k === 'import' ? 'Imports' : 'Exports'}: ${h(m.by_direction[k].clearance_hours.mean)}`),
      ),
    );

    // by flow, with every service standard a flow reports
    const byFlow = check.tables.flows;
    const flowRows = Object.entries(flows);
    const within = [...new Set(flowRows.flatMap(([, f]) => Object.keys(f.released_within)))].sort((a, b) => parseFloat(a) - parseFloat(b));
    expect(within.slice(0, 3)).toEqual(['1h', '24h', '48h']);
    expect(text(byFlow.head).slice(9)).toEqual(within.map((k) => `≤ ${k.replace(/h$/, '')} h`));
    expect(byFlow.rows.map((r) => r[0])).toEqual(flowRows.map(([n]) => n));
    flowRows.forEach(([, f], i) =>
      expect(byFlow.rows[i].slice(1)).toEqual([
        f.direction,
        f.mode,
        int(f.count),
        fmtPct(f.share),
        h(f.clearance_hours.mean),
        h(f.clearance_hours.p50),
        h(f.clearance_hours.p90),
        h(f.lodgement_to_release_hours.mean),
        ...within.map((k) => fmtPct(f.released_within[k])),
      ]),
    );

    // at destination: AEO exports to MRA partners against elsewhere
    expect(dest.aeo_mra.count).toBeGreaterThan(0);
    expect(dest.aeo_other.count).toBeGreaterThan(0);
    expect(dest.mra_saving_hours).toBeGreaterThan(0);
    const destRows = check.tables['flow-destination'].rows;
    expect(destRows).toEqual(
      (
        [
          ['AEO exports to MRA partners', dest.aeo_mra],
          ['AEO exports elsewhere', dest.aeo_other],
          ['non-AEO exports to MRA partners', dest.non_aeo_mra],
          ['non-AEO exports elsewhere', dest.non_aeo_other],
        ] as const
      ).map(([label, x]) => [label, int(x.count), h(x.clearance_hours.mean), h(x.clearance_hours.p50), h(x.clearance_hours.p90)]),
    );
    expect(html).toContain(`AEO exports to MRA partners clear in ${h(dest.aeo_mra.clearance_hours.mean)} h</b> there`);
    expect(html).toContain(`mutual recognition saves them ${h(dest.mra_saving_hours)} h each`);

    // two-step declaration: release with and without, and the work it leaves for after release
    expect(ts.declarations).toBeGreaterThan(0);
    expect(ts.complete_declarations.reviewed).toBeGreaterThan(0);
    expect(ts.complete_declarations.reviewed).toBeLessThanOrEqual(ts.complete_declarations.count);
    const two = Object.fromEntries(check.tables['two-step'].rows.map((r) => [r[0], r[1]]));
    expect(two).toEqual({
      'imports released on a summary declaration': int(ts.declarations),
      'share of imports': fmtPct(ts.share_of_imports),
      'mean release, two-step (h)': h(ts.release_hours.two_step.mean),
      'mean release, full declaration (h)': h(ts.release_hours.full.mean),
      'p90 release, two-step (h)': h(ts.release_hours.two_step.p90),
      'p90 release, full declaration (h)': h(ts.release_hours.full.p90),
      'complete declarations lodged after release': int(ts.complete_declarations.count),
      [`reviewed at ${ts.stage}`]: int(ts.complete_declarations.reviewed),
      'wait of the reviewed ones, mean (h)': h(ts.complete_declarations.wait_hours.mean),
      'officer time per review, mean (h)': h(ts.complete_declarations.service_hours.mean),
      'release to review done, mean (h)': h(ts.complete_declarations.done_after_release_hours.mean),
      'officer hours after release': h(ts.officer_hours),
      [`share of ${ts.stage}’s busy hours`]: fmtPct(ts.share_of_stage_busy),
    });
    expect(html).toContain(`within ${ts.deadline_hours / 24} days of release`);
    console.log(`run report with trade flows: ${file}\nscreenshot: ${png}`);
  });

  it('renders a report without trade flows with no Trade flows section', async () => {
    const report = await runEmbedded(loadScenarioFile('test/fixtures/v1/chongqing-2023.yaml', [parseOverride('horizon.days=4')]));
    expect(report.by_direction).toBeUndefined();
    const html = renderRunReport(report);
    expect(html).not.toContain('Trade flows');
    expect(html).not.toMatch(/data-(table|chart)="(flow|two-step)/);
  });

  it('renders the firms and costs of a run at firm level', async () => {
    const report = await runEmbedded(loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=10')]));
    const firms = report.firms!;
    const costs = report.costs!;
    expect(firms, 'chongqing-2023 has firms').toBeDefined();
    expect(costs, 'and costs').toBeDefined();
    expect(firms.top.length).toBe(20);
    const html = renderRunReport(report);
    expectSelfContained(html);
    const { file, png } = write('run-firms', html);
    const check = await open(file, png);
    expectClean(check, ['clearance-cdf', 'firm-concentration']);
    const int = (x: number) => x.toLocaleString('en-US');

    // the lead states the answer: what the AEO firms carry
    const tiers = Object.entries(firms.by_tier);
    const aeo = tiers.filter(([t]) => report.by_tier[t].aeo);
    const total = (k: 'firms' | 'share_of_value' | 'share_of_declarations') => aeo.reduce((s, [, t]) => s + t[k], 0);
    expect(total('firms')).toBeGreaterThan(0);
    expect(check.leads).toContainEqual(
      expect.stringContaining(
        `${int(total('firms'))} AEO firms (${fmtPct(total('firms') / firms.count)} of ${int(firms.count)}) carry ${fmtPct(total('share_of_value'))} of declared value and ${fmtPct(total('share_of_declarations'))} of declarations`,
      ),
    );

    // by tier, then all firms
    const byTier = check.tables['firm-tiers'];
    expect(byTier.rows.length).toBe(tiers.length + 1);
    tiers.forEach(([name, t], i) => {
      const row = byTier.rows[i];
      expect(row[0]).toContain(name);
      expect(row[2]).toBe(int(t.firms));
      expect(row[3]).toBe(fmtPct(t.share_of_firms));
      expect(row[7]).toBe(fmtPct(t.share_of_value));
      expect(row[9]).toBe(fmtCny(t.guarantee_waived_cny_per_year));
      const [sector, share] = Object.entries(t.sectors).sort((x, y) => y[1] - x[1])[0];
      expect(row[1].startsWith(`${sector} ${Math.round(share * 100)}%`), row[1]).toBe(true);
    });
    expect(byTier.rows.at(-1)![2]).toBe(int(firms.count));
    expect(check.tables['firm-certifications'], 'no certification in the baseline').toBeUndefined();

    // the concentration curve: one point per step of the report's curve, for value and declarations
    const curve = check.charts.find((c) => c.name === 'firm-concentration')!;
    for (const line of ['share of declared value', 'share of declarations'])
      expect(curve.paths.find((p) => p.title === line)?.points, line).toBe(firms.concentration.firm_share.length);

    // the 20 largest firms, in the report's order
    const top = check.tables['firm-top'];
    expect(top.rows.length).toBe(20);
    expect(top.rows.map((r) => r[0])).toEqual(firms.top.map((f) => f.id));
    firms.top.forEach((f, i) => {
      const row = top.rows[i];
      expect(row.slice(1, 5)).toEqual([f.tier, f.sector, int(f.declarations), fmtCny(f.value_cny)]);
      expect(row[5]).toBe(formatHours(f.clearance_hours.mean, 'number'));
      expect(row[6]).toBe(formatHours(f.clearance_hours.p90, 'number'));
      expect(row[8]).toBe(fmtCny(f.guarantee_waived_cny_per_year));
    });
    expect(fmtCny(firms.top[0].value_cny)).toMatch(/^\d+(\.\d+)? (k|M|bn)$/);

    // costs by tier and overall, with the rates
    const costRows = check.tables.costs.rows;
    expect(costRows.length).toBe(Object.keys(costs.by_tier).length + 1);
    expect(costRows.at(-1)).toEqual([
      'all tiers',
      fmtCny(costs.overall.time_cost_cny),
      fmtCny(costs.overall.guarantee_fees_cny),
      fmtCny(costs.overall.guarantee_fees_avoided_cny),
      fmtCny(costs.overall.cost_per_declaration_cny),
    ]);
    expect(html).toContain(`Time cost: ${fmtPct(costs.time_cost_per_day)} of the goods’ value per day`);
    expect(html).toContain(`Guarantee fee: ${fmtPct(costs.guarantee_fee_rate)} of each guarantee lodged`);
    console.log(`run report with firms: ${file}\nscreenshot: ${png}`);
  });

  it('renders what the firms save in a comparison at firm level', async () => {
    const days = parseOverride('horizon.days=10');
    const c = await compare(
      loadScenarioFile('scenarios/chongqing-2023.yaml', [days]),
      loadScenarioFile('scenarios/aeo-expansion.yaml', [days]),
      2,
    );
    const fc = c.firms!;
    expect(fc, 'both scenarios have the same firms').toBeDefined();
    const moved = fc.groups.moved!;
    expect(moved.firms).toBe(fc.moved.firms);
    expect(moved.firms).toBeGreaterThan(0);
    const html = renderCompareReport(c);
    expectSelfContained(html);
    const { file, png } = write('compare-firms', html);
    const check = await open(file, png);
    expectClean(check, ['compare-diff', 'compare-means', 'firm-benefit-bands']);

    // the lead: the moved firms' money saved a year and its interval
    const m = moved.money_saved_cny_per_year;
    expect(m.estimate).toBeGreaterThan(0);
    const moves = Object.entries(fc.moved.by_move)
      .map(([k, n]) => `${k.replace('->', '→')}: ${n.toLocaleString('en-US')}`)
      .join(', ');
    expect(check.leads).toContainEqual(
      expect.stringContaining(
        `${moved.label} (${moved.firms.toLocaleString('en-US')} firms; ${moves}) save ${fmtCny(m.estimate)} CNY a year (95% interval ${fmtCny(m.lo)} to ${fmtCny(m.hi)} CNY)`,
      ),
    );

    // one row per group: money saved a year with its interval
    const groups = Object.values(fc.groups);
    const rows = check.tables['firm-groups'].rows;
    expect(rows.length).toBe(groups.length);
    groups.forEach((g, i) => {
      expect(rows[i][0]).toContain(g.label);
      expect(rows[i][1]).toBe(g.firms.toLocaleString('en-US'));
      const e = g.money_saved_cny_per_year;
      expect(rows[i][7].split('\n').map((x) => x.trim())).toEqual([fmtCny(e.estimate), `${fmtCny(e.lo)} to ${fmtCny(e.hi)}`]);
    });

    // one bar per band, each as tall as its firms
    const bands = check.charts.find((x) => x.name === 'firm-benefit-bands')!;
    const bars = bands.markTitles.map((t) => Number(t.match(/: ([\d,]+)$/)?.[1].replace(/,/g, '')));
    expect(bars).toEqual(fc.benefit.bands.map((b) => b.firms));
    expect(bars.reduce((s, x) => s + x, 0)).toBe(fc.benefit.firms);

    // the 10 firms that save most
    const top = check.tables['firm-comparison-top'].rows;
    expect(top.length).toBe(fc.benefit.top.length);
    expect(top.length).toBe(10);
    expect(top.map((r) => r[0])).toEqual(fc.benefit.top.map((f) => f.id));
    expect(top.map((r) => r[11])).toEqual(fc.benefit.top.map((f) => fmtCny(f.money_saved_cny_per_year)));
    for (const line of c.lines)
      expect(html).toContain(
        line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;'),
      );
    console.log(`compare report with firms: ${file}\nscreenshot: ${png}`);
  });

  it('renders a sweep with CI whiskers across the first parameter', async () => {
    const path = 'stages.inspection.servers';
    const values = ['8', '12', '20'];
    const points = [];
    for (const v of values) {
      const s = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=7'), parseOverride(`${path}=${v}`)]);
      points.push({ params: { [path]: Number(v) }, report: mergeReplications(await replicate(s, 2)) });
    }
    const html = renderSweepReport({ scenario: 'chongqing-2023', replications: 2, params: [{ path, values }], points });
    expectSelfContained(html);
    const { file, png } = write('sweep', html);
    const check = await open(file, png);
    expectClean(check, ['sweep-mean']);
    // means ± their 95% half-widths in the table, whiskers in the chart
    expect(points[0].report.by_tier.aeo.clearance_hours.mean_ci95).toBeGreaterThan(0);
    expect(html).toContain(' ± ');
    console.log(`sweep report: ${file}\nscreenshot: ${png}`);
  });

  it('escapes text from the report (no markup injection)', async () => {
    const evil = '<img src=x onerror="console.error(1)"><script>console.error("x")</script>&amp;';
    const s = loadScenarioFile('scenarios/chongqing-2023.yaml', [parseOverride('horizon.days=4'), parseOverride('horizon.warmup_days=1')]);
    const report = await runEmbedded(s, { timeline: true });
    report.scenario = `evil${evil}`;
    report.description = `described ${evil}`;
    report.by_tier.aeo.label = `label ${evil}`;
    const html = renderRunReport(report);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    const { file, png } = write('escaped', html);
    const check = await open(file, png);
    expectClean(check, ['clearance-cdf']);
    expect(check.title).toContain(`evil${evil}`);
  });
});
