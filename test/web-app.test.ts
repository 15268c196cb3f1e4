import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The web app at `/` of `clearsim serve`, in a real headless Chromium (Debian's `chromium`): a
 * user opens it, edits a parameter, runs a short paced run and follows it live (progress and the
 * flow view move), reads the result, then starts a comparison and reads that, and an optimisation
 * (a bad range shown under its field, then the answer). No console error
 * and no request leaving the server's origin. Screenshots of each page land in
 * $TMPDIR/clearsim-web-app/ (look at them).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ROOT = join(import.meta.dirname, '..');
const SHOTS = join(tmpdir(), 'clearsim-web-app');

/** `clearsim serve` on a free port with a fresh data directory, started as the user would. */
async function startServer(dataDir: string): Promise<{ proc: ChildProcess; origin: string; log: () => string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/clearsim.js'), 'serve', '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    env: { ...process.env, CLEARSIM_TOKEN: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`clearsim serve did not say where it listens:\n${out}`)), 30_000);
    const look = () => {
      const m = /listening on (http:\/\/[^\s]+?)\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stderr!.on('data', look);
    proc.on('exit', (code) => reject(new Error(`clearsim serve exited (${code}):\n${out}`)));
  });
  return { proc, origin, log: () => out };
}

describe('the web app in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let server: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  const consoleErrors: { phase: string; text: string }[] = [];
  const foreign: string[] = [];
  let phase = 'start';
  let runId = '';

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    // npm's build and prepare scripts build the app; a checkout that has not run them gets it built here
    if (!existsSync(join(ROOT, 'web/dist/index.html'))) {
      const b = spawnSync(process.execPath, [join(ROOT, 'web/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      expect(b.status, b.stderr).toBe(0);
    }
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'clearsim-web-data-'));
    server = await startServer(dataDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push({ phase, text: m.text() });
    });
    page.on('pageerror', (e) => consoleErrors.push({ phase, text: `uncaught: ${e.message}` }));
    page.on('request', (r) => {
      const url = r.url();
      if (url.startsWith('data:')) return;
      if (new URL(url).origin !== server.origin) foreign.push(url);
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.proc.exitCode === null) {
      server.proc.kill('SIGTERM');
      await new Promise((resolve) => server.proc.once('exit', resolve));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('lists the scenarios, edits one, and shows the loader’s errors at their line', async () => {
    phase = 'scenarios';
    await page.goto(`${server.origin}/`);
    await page.locator('[data-scenario="flood-disruption"]').waitFor();
    const cards = await page.locator('article.scenario').count();
    expect(cards).toBeGreaterThanOrEqual(5);
    expect(await page.locator('[data-scenario="flood-disruption"] .description').innerText()).toMatch(/flood/i);
    await shot('1-scenarios');

    await page.locator('[data-scenario="flood-disruption"] a.button.primary').click();
    await page.locator('[data-editor="flood-disruption"]').waitFor();
    await page.locator('[data-validation="valid"]').waitFor();
    const yaml = page.locator('[data-yaml]');
    const text = await yaml.inputValue();
    expect(text).toContain('name: flood-disruption');

    // A mistake in the YAML: the server's loader names the line and the field, and the gutter marks it.
    phase = 'bad-yaml';
    const line = text.split('\n').findIndex((l) => l.startsWith('horizon:')) + 1;
    await yaml.fill(text.replace('horizon: { days: 28, warmup_days: 3 }', 'horizon: { days: 28, warmup_days: 30 }'));
    await page.locator('[data-validation="invalid"]').waitFor();
    const issue = page.locator(`[data-issue-line="${line}"]`);
    await issue.waitFor();
    expect(await issue.innerText()).toMatch(new RegExp(`:${line} horizon\\.warmup_days: must be less than horizon\\.days`));
    expect(await page.locator('.gutter .bad').innerText()).toBe(String(line));
    // a click on the problem selects its line in the text
    await issue.locator('button').click();
    const selected = await yaml.evaluate((t: HTMLTextAreaElement) => t.value.slice(t.selectionStart, t.selectionEnd));
    expect(selected).toBe('horizon: { days: 28, warmup_days: 30 }');
    await shot('2-editor-error');
    await yaml.fill(text);
    await page.locator('[data-validation="valid"]').waitFor();
    phase = 'edit';

    // The form: a shorter horizon (the flood, days 10-12, still in it), saved in the browser under a name of its own.
    await page.locator('[data-field="horizon.days"]').fill('13');
    expect(JSON.parse((await page.locator('[data-overrides]').getAttribute('data-overrides'))!)).toEqual({ 'horizon.days': 13 });
    await page.locator('[data-validation="valid"]').waitFor();
    await page.locator('[data-save-name]').fill('flood-13-days');
    await page.locator('[data-action="save"]').click();
    await page.locator('[data-editor="flood-13-days"]').waitFor();
    await page.locator('header nav a', { hasText: 'Scenarios' }).click();
    await page.locator('[data-scenario="flood-13-days"]').waitFor();
    expect(await page.locator('[data-scenario="flood-13-days"] .facts').first().innerText()).toMatch(/13 days/);
    await page.locator('[data-scenario="flood-13-days"] a.button.primary').click();
    await page.locator('[data-editor="flood-13-days"]').waitFor();
    await page.locator('[data-validation="valid"]').waitFor();
    expect(await page.locator('[data-field="horizon.days"]').inputValue()).toBe('13');
    expect(await page.locator('[data-yaml]').inputValue()).toMatch(/^name: flood-13-days$/m);

    // and more inspection servers, sent as an override on top of the saved YAML
    await page.locator('[data-field="stages.inspection.servers"]').fill('22');
    expect(JSON.parse((await page.locator('[data-overrides]').getAttribute('data-overrides'))!)).toEqual({
      'stages.inspection.servers': 22,
    });
    await page.locator('[data-validation="valid"]').waitFor();
    await page.locator('[data-run-mode]').selectOption('paced');
    // 2 simulated days a wall second: the 13 days and the drain after them take about 14 s, the flood 1 s
    await page.locator('[data-time-scale]').fill('172800');
    await shot('3-editor');
  });

  it('runs it paced and follows it live: progress, clock and the flow view move', async () => {
    phase = 'run';

    // every render of the live view, as the page makes it (a MutationObserver): no sample can fall between two updates
    await page.evaluate(() => {
      const live = {
        progress: new Set<number>(),
        clocks: new Set<number>(),
        states: new Set<string>(),
        banner: false,
        route: [] as string[],
      };
      (window as any).__live = live;
      const look = () => {
        const p = document.querySelector('[data-progress]');
        if (p) live.progress.add(Number(p.getAttribute('data-progress')));
        const view = document.querySelector('[data-flow-view="live"]');
        const clock = view?.querySelector('[data-clock]')?.getAttribute('data-clock');
        if (!view || !clock) return;
        live.clocks.add(Number(clock));
        const stages = [...view.querySelectorAll('[data-stage]')];
        live.states.add(
          stages.map((g) => `${g.getAttribute('data-stage')}:${g.getAttribute('data-queue')}:${g.getAttribute('data-busy')}`).join(','),
        );
        if (view.querySelector('[data-disruption-banner="on"]')) live.banner = true;
        if (!live.route.length)
          live.route = [
            ...stages.map((g) => g.getAttribute('data-stage')!),
            ...[...view.querySelectorAll('.lane-label')].map((t) => t.textContent!),
          ];
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const live = () =>
      page.evaluate(() => {
        const l = (window as any).__live;
        return {
          progress: [...l.progress] as number[],
          clocks: l.clocks.size as number,
          states: l.states.size as number,
          banner: l.banner as boolean,
          route: l.route as string[],
        };
      });
    await page.locator('[data-action="run"]').click();
    const runPage = page.locator('[data-run][data-kind="run"]');
    await runPage.waitFor();
    runId = (await runPage.getAttribute('data-run'))!;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);

    // screenshots while it goes: early, and during the flood
    let shotLive = false;
    let shotFlood = false;
    for (let i = 0; i < 2000 && !shotFlood; i++) {
      const status = await runPage.getAttribute('data-status');
      if (status === 'done' || status === 'failed') break;
      const now = await live();
      if (!shotLive && now.clocks > 3) {
        await shot('4-run-live');
        shotLive = true;
      }
      if (now.banner && (await page.locator('[data-flow-view="live"] [data-disruption-banner="on"]').count())) {
        await shot('4b-run-live-flood');
        shotFlood = true;
      }
      await page.waitForTimeout(100);
    }
    await page.locator('[data-run-status="done"]').waitFor({ timeout: 120_000 });
    const seen = await live();
    const running = seen.progress.filter((p) => p > 0 && p < 1);
    expect(running.length, `progress values shown while running: ${seen.progress}`).toBeGreaterThanOrEqual(2);
    expect(seen.clocks, 'distinct simulated clock values in the live flow view').toBeGreaterThanOrEqual(3);
    expect(seen.states, 'distinct stage states (queue, busy) in the live flow view').toBeGreaterThanOrEqual(3);
    // the live diagram drew the scenario's route: every stage of flood-disruption, and its three lanes as branches
    expect(seen.route.sort()).toEqual(
      ['declaration', 'documentary', 'green lane', 'inspection', 'payment', 'red lane', 'unloading', 'yard', 'yellow lane'].sort(),
    );
    expect(seen.banner, 'the disruption banner showed during the flood (days 10-12)').toBe(true);
    expect(shotLive).toBe(true);
  }, 300_000);

  it('reads the result: the report, tier switches, downloads and the replay', async () => {
    phase = 'result';
    const report = page.locator('[data-report="flood-13-days"]');
    await report.waitFor();
    const rows = page.locator('[data-table="by-tier"] tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('[data-table="stages"] tbody tr').count()).toBe(6);
    const lead = await page.locator('[data-lead="headline"]').innerText();
    expect(lead).toMatch(/AEO shipments take \d+% of the non-AEO mean clearance time/);
    // the charts are drawn (canvas with pixels), one switch hides a tier everywhere
    for (const name of ['clearance-by-tier', 'clearance-cdf', 'segments', 'released-per-hour']) {
      const painted = await page
        .locator(`[data-chart="${name}"] canvas`)
        .first()
        .evaluate((c: HTMLCanvasElement) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
          return n;
        });
      expect(painted, `${name} has pixels drawn`).toBeGreaterThan(500);
    }
    // hovering a chart draws its values (a tooltip on the canvas)
    const chart = page.locator('[data-chart="clearance-by-tier"] canvas');
    const pixels = () => chart.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    await chart.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    const before = await pixels();
    const box = (await chart.boundingBox())!;
    await chart.hover({ position: { x: box.width * 0.8, y: box.height * 0.4 } });
    await expect.poll(pixels).not.toBe(before);
    await page.mouse.move(0, 0);
    await page.locator('[data-tier="discredited"]').uncheck();
    expect(await rows.count()).toBe(2);
    expect(await page.locator('[data-table="by-tier"]').innerText()).not.toMatch(/Discredited/);
    await page.locator('[data-tier="discredited"]').check();
    expect(await rows.count()).toBe(3);

    // the report JSON downloads, and it is the run's report with the form's overrides in effect
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-download="report_json"]').click()]);
    const saved = join(SHOTS, 'report.json');
    await dl.saveAs(saved);
    const json = JSON.parse(readFileSync(saved, 'utf8'));
    expect(json.scenario).toBe('flood-13-days');
    expect(json.horizon_days).toBe(13);
    expect(json.stages.inspection.servers).toBe(22);
    expect(await page.locator('[data-downloads] [data-download="trace"]').count()).toBe(1);

    // the replay: moving the slider moves the clock of the recorded flow
    const slider = page.locator('[data-replay-slider]');
    await slider.waitFor();
    const clockOf = () => page.locator('[data-flow-view="replay"] [data-clock]').getAttribute('data-clock');
    await slider.fill('0');
    const c0 = Number(await clockOf());
    await page.locator('[data-flow-view="replay"] [data-disruption-banner="off"]').waitFor();
    // the frame 6 simulated hours into the flood (days 10-12), read from the timeline the page replays
    const tl = await (await page.request.get(`${server.origin}/runs/${runId}/timeline`)).json();
    const k = tl.frames.findIndex((f: { clock_hours: number }) => f.clock_hours >= 246);
    expect(k).toBeGreaterThan(0);
    await slider.fill(String(k));
    const c1 = Number(await clockOf());
    expect(c1).toBe(tl.frames[k].clock_hours);
    expect(c1).toBeGreaterThan(c0);
    await page.locator('[data-flow-view="replay"] [data-disruption-banner="on"]').waitFor();
    // the replayed stages show that frame's levels
    const inspection = tl.stages.findIndex((st: { name: string }) => st.name === 'inspection');
    expect(await page.locator('[data-flow-view="replay"] [data-stage="inspection"]').getAttribute('data-queue')).toBe(
      String(tl.frames[k].stages[inspection].queue),
    );
    await shot('5-run-result');
  });

  it('starts a comparison and reads it', async () => {
    phase = 'compare';
    await page.locator('header nav a', { hasText: 'Compare' }).click();
    await page.locator('[data-compare-form]').waitFor();
    await page.locator('[data-compare-a]').selectOption('flood-disruption');
    await page.locator('[data-compare-set]').fill('priority.mode=never');
    await page.locator('[data-compare-replications]').fill('3');
    await page.locator('[data-compare-days]').fill('13');
    await page.locator('[data-action="start-compare"]').click();
    const runPage = page.locator('[data-run][data-kind="compare"]');
    await runPage.waitFor();
    await page.locator('[data-run-status="done"]').waitFor({ timeout: 90_000 });
    await page.locator('[data-comparison]').waitFor();
    const lines = await page.locator('[data-lines] li').allInnerTexts();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).toMatch(/AEO mean clearance/);
    const table = page.locator('[data-table="comparison"] tbody tr');
    expect(await table.count()).toBeGreaterThanOrEqual(12);
    await shot('6-compare');

    // both runs are in the list
    await page.locator('header nav a', { hasText: 'Runs' }).click();
    await page.locator('[data-table="runs"]').waitFor();
    expect(await page.locator('[data-run-row]').count()).toBe(2);
    await shot('7-runs');
  });

  it('searches for the cheapest staffing on the Optimize page and reads the answer', async () => {
    phase = 'optimize';
    await page.locator('header nav a', { hasText: 'Optimize' }).click();
    await page.locator('[data-optimize-form]').waitFor();
    // the tandem of test/optimize.test.ts: by Erlang C the cheapest staffing with mean clearance <= 1.95 h is (6,3), cost 9
    await page.locator('[data-optimize-scenario]').selectOption({ label: 'the YAML pasted below' });
    await page.locator('[data-optimize-text]').fill(readFileSync(join(ROOT, 'test/fixtures/tandem-mmc.yaml'), 'utf8'));
    await page.locator('[data-optimize-target]').fill('overall.clearance_hours.mean<=1.95h');

    // a range upside down: the server's 400 names body.vary[1], shown under the vary lines with that line
    phase = 'optimize-bad';
    await page.locator('[data-optimize-vary]').fill('stages.first.servers=4..8\nstages.second.servers=5..2');
    await page.locator('[data-action="start-optimize"]').click();
    const fieldError = page.locator('[data-field-error="vary"]');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).toMatch(/^stages\.second\.servers=5\.\.2: HI must be above LO/);
    expect(await page.locator('[data-optimize-form] [data-error]').count()).toBe(0);
    await shot('8a-optimize-form-error');
    phase = 'optimize';

    await page.locator('[data-optimize-vary]').fill('stages.first.servers=4..8\nstages.second.servers=2..5');
    await page.locator('[data-action="start-optimize"]').click();
    const runPage = page.locator('[data-run][data-kind="optimize"]');
    await runPage.waitFor();
    await page.locator('[data-run-status="done"]').waitFor({ timeout: 90_000 });
    const answer = page.locator('[data-optimize-answer="found"]');
    await answer.waitFor();
    expect(await page.locator('[data-optimize-values]').innerText()).toBe('stages.first.servers = 6, stages.second.servers = 3');
    expect(await page.locator('[data-optimize-cost]').innerText()).toBe('9');
    // the cheaper neighbours (5,3) and (6,2) were rejected, and every candidate has its evidence row
    const neighbours = await page.locator('[data-table="optimize-neighbours"] tbody tr').allInnerTexts();
    expect(
      neighbours.some((r) =>
        /stages\.first\.servers = 5, stages\.second\.servers = 3\s+fails\s+overall\.clearance_hours\.mean<=1\.95h: \d\.\d+ ± \d\.\d+ \(<= 1\.95\): fails\s+8$/.test(
          r,
        ),
      ),
    ).toBe(true);
    const result = (await (await page.request.get(`${server.origin}/runs/${await runPage.getAttribute('data-run')}`)).json()).result;
    expect(await page.locator('[data-table="optimize-candidates"] tbody tr').count()).toBe(result.candidates.length);
    expect(await page.locator('[data-table="optimize-candidates"]').innerText()).toMatch(/\d\.\d+ ± 0\.\d+/);
    expect(await page.locator('[data-downloads] [data-download="report_html"]').count()).toBe(1);
    await shot('8b-optimize-result');
  }, 120_000);

  it('had no console error and sent no request off the server’s origin', () => {
    // the deliberate YAML mistake answers 400, which Chromium logs as a failed resource: that one only
    const expected400 = new Set(['bad-yaml', 'optimize-bad']);
    const unexpected = consoleErrors.filter((e) => !(expected400.has(e.phase) && /status of 400/.test(e.text)));
    expect(unexpected, server.log()).toEqual([]);
    expect(consoleErrors.filter((e) => e.phase === 'bad-yaml').length).toBeGreaterThanOrEqual(1);
    expect(consoleErrors.filter((e) => e.phase === 'optimize-bad').length).toBeGreaterThanOrEqual(1);
    expect(foreign).toEqual([]);
  });
});
