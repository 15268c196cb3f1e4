import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';

describe('the OpenAPI document', () => {
  it('is clean under the real linter (@redocly/cli lint, recommended rules): no error, no warning', async () => {
    const app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), token: 't' });
    await app.ready();
    const doc = app.swagger() as any;
    await app.close();
    const ops = Object.values<any>(doc.paths).flatMap((p) => Object.values<any>(p));
    expect(ops.length).toBeGreaterThanOrEqual(17);
    // every operation has an id, and the ids are unique
    const ids = ops.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    for (const path of ['/compare', '/sweep', '/runs/{id}/events', '/runs/{id}/report.html', '/runs/{id}/trace.csv', '/runs/{id}/timeline'])
      expect(Object.keys(doc.paths)).toContain(path);
    expect(Object.keys(doc.paths['/runs/{id}/report.html'].get.responses['200'].content)).toEqual(['text/html']);

    const dir = mkdtempSync(join(tmpdir(), 'clearsim-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      // the linter's own CLI, run with node (not npx); its recommended rules, no config of ours
      const r = spawnSync(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', file, '--format=json'], {
        encoding: 'utf8',
        cwd: process.cwd(),
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        timeout: 120_000,
      });
      const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
      const problems = out.problems.map((p: any) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`);
      expect(problems).toEqual([]);
      expect(out.totals).toMatchObject({ errors: 0, warnings: 0 });
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
