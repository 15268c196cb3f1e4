import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/api/server.js';
import { SimMetrics } from '../src/metrics/sim-metrics.js';

describe('the web app’s files at /', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clearsim-web-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html at / and the build’s files beside it; the API and /docs are unchanged', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>clearsim</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), webDir: dir });
    await app.ready();
    try {
      const index = await app.inject({ url: '/' });
      expect(index.statusCode).toBe(200);
      expect(index.headers['content-type']).toMatch(/^text\/html/);
      expect(index.body).toContain('<title>clearsim</title>');
      const js = await app.inject({ url: '/assets/app.js' });
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
      const missing = await app.inject({ url: '/assets/nope.js' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('CLEARSIM_ROUTE_NOT_FOUND');
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200);
      // no file of the build shows in the API's document
      expect(Object.keys((await app.inject({ url: '/docs/json' })).json().paths)).not.toContain('/assets/app.js');
    } finally {
      await app.close();
    }
  });

  it('says at / that the web app is not built, when it is not', async () => {
    const app = buildServer({ metrics: new SimMetrics({ defaultMetrics: false }), webDir: join(dir, 'none') });
    await app.ready();
    const r = await app.inject({ url: '/' });
    expect(r.statusCode).toBe(404);
    expect(r.json().message).toContain('web app is not built');
    await app.close();
  });
});
