import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/experiments/compare.js';
import { replicate } from '../../src/experiments/replicate.js';
import { renderCompareReport, renderRunReport, renderSweepReport } from '../../src/html-report/html.js';
import { runEmbedded } from '../../src/runtime/run.js';
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
  charts: { name: string; role: string | null; title: string; width: number; height: number; marks: number; drawnMarks: number }[];
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
    const check: PageCheck = { consoleErrors: [], external: [], failed: [], charts: [], scripts: 0, title: '' };
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
          return {
            name: svg.getAttribute('data-chart') ?? '',
            role: svg.getAttribute('role'),
            title,
            width: box.width,
            height: box.height,
            marks: marks.length,
            drawnMarks,
          };
        }),
      );
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
    copyFileSync(png, '/tmp/clearsim-compare-report.png');
    console.log(`compare report: ${file}\nscreenshot: ${png}`);
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
