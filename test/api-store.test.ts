import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FileStore } from '../src/api/store/file-store.js';
import { MemoryStore } from '../src/api/store/memory-store.js';
import { RedisStore } from '../src/api/store/redis-store.js';
import { markInterrupted, orderNow, pruneRuns, type RunRecord, type RunStore } from '../src/api/store/run-store.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'clearsim-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let n = 0;
const record = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  kind: 'run',
  status: 'done',
  progress: 1,
  scenario: 'chongqing-2023',
  runtime: 'embedded',
  distribute: false,
  seed: 2023,
  replications: 2,
  horizon_days: 4,
  time_scale: null,
  workers: null,
  // keys a document database may refuse as field names: kept as given
  overrides: { 'horizon.days': 4, $weird: { 'a.b': [1, null] } },
  created_at: new Date().toISOString(),
  started_at: null,
  finished_at: null,
  order: orderNow(),
  blobs: [],
  ...over,
});

/** Each backend, opened fresh; `reopen` gives a new store on the same data (a restart). */
const backends: [string, () => { store: RunStore; reopen: () => RunStore }][] = [
  [
    'memory',
    () => {
      const s = new MemoryStore();
      return { store: s, reopen: () => s };
    },
  ],
  [
    'file',
    () => {
      const dir = tmp();
      return { store: new FileStore(dir), reopen: () => new FileStore(dir) };
    },
  ],
  [
    'redis',
    () => {
      const prefix = `clearsim:test-store:${Date.now()}:${Math.random().toString(36).slice(2)}:`;
      return { store: new RedisStore(inject('redisUrl'), prefix), reopen: () => new RedisStore(inject('redisUrl'), prefix) };
    },
  ],
];

describe.each(backends)('run store conformance: %s', (backend, make) => {
  let store: RunStore;
  let reopen: () => RunStore;
  beforeAll(async () => {
    ({ store, reopen } = make());
    await store.open();
  });
  afterAll(async () => {
    await store.close();
  });

  it('says which backend it is', () => {
    expect(store.backend).toBe(backend);
  });

  it('saves, replaces and reads a record as it was given', async () => {
    const r = record({ status: 'running', progress: 0.5 });
    await store.save(r);
    expect(await store.get(r.id)).toEqual(r);
    const later = { ...r, status: 'done' as const, progress: 1, warnings: ['w'], error: undefined };
    await store.save(later);
    expect(await store.get(r.id)).toEqual(JSON.parse(JSON.stringify(later)));
    expect(await store.get('00000000-0000-4000-8000-ffffffffffff')).toBeNull();
  });

  it('lists newest first, filters by status and kind, and counts before the limit', async () => {
    const before = (await store.list()).total;
    const a = record({ kind: 'compare', status: 'failed' });
    const b = record({ kind: 'sweep', status: 'failed' });
    const c = record({ kind: 'compare', status: 'queued' });
    for (const r of [a, b, c]) await store.save(r);
    const all = await store.list();
    expect(all.total).toBe(before + 3);
    expect(all.runs.slice(0, 3).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    for (let i = 1; i < all.runs.length; i++) expect(all.runs[i - 1].order).toBeGreaterThan(all.runs[i].order);
    expect((await store.list({ kind: 'compare' })).runs.map((r) => r.id)).toEqual(expect.arrayContaining([a.id, c.id]));
    expect((await store.list({ kind: 'compare' })).runs.every((r) => r.kind === 'compare')).toBe(true);
    const failed = await store.list({ status: 'failed', limit: 1 });
    expect(failed.runs.map((r) => r.id)).toEqual([b.id]);
    expect(failed.total).toBeGreaterThanOrEqual(2);
    expect((await store.list({ status: 'failed', kind: 'sweep' })).runs.map((r) => r.id)).toEqual([b.id]);
  });

  it('keeps blobs apart from records, and removes them with the record', async () => {
    const r = record({ blobs: ['report', 'timeline'] });
    await store.save(r);
    const report = { shipments: { released: 3 }, nested: { 'x.y': [1.5, null, 'z'] } };
    await store.putBlob(r.id, 'report', report);
    await store.putBlob(r.id, 'timeline', [1, 2, 3]);
    expect(await store.getBlob(r.id, 'report')).toEqual(report);
    expect(await store.getBlob(r.id, 'result')).toBeNull();
    expect(await store.remove(r.id)).toBe(true);
    expect(await store.get(r.id)).toBeNull();
    expect(await store.getBlob(r.id, 'report')).toBeNull();
    expect(await store.getBlob(r.id, 'timeline')).toBeNull();
    expect(await store.remove(r.id)).toBe(false);
  });

  it('marks queued and running records interrupted, and leaves finished ones', async () => {
    const q = record({ status: 'queued' });
    const running = record({ status: 'running', progress: 0.3 });
    const done = record({ status: 'done' });
    for (const r of [q, running, done]) await store.save(r);
    const at = new Date().toISOString();
    const cut = await markInterrupted(store, at);
    expect(cut).toEqual(expect.arrayContaining([q.id, running.id]));
    expect(cut).not.toContain(done.id);
    for (const id of [q.id, running.id]) {
      const r = await store.get(id);
      expect(r?.status).toBe('interrupted');
      expect(r?.finished_at).toBe(at);
    }
    expect((await store.get(running.id))?.progress).toBe(0.3);
    expect((await store.get(done.id))?.status).toBe('done');
    expect((await store.list({ status: 'running' })).total).toBe(0);
  });

  it('prunes the oldest finished runs beyond the bound, never a going one', async () => {
    const going = record({ status: 'running' });
    await store.save(going);
    const finished = (await store.list()).runs.filter((r) => r.status !== 'running' && r.status !== 'queued');
    const dropped = await pruneRuns(store, 2);
    expect(dropped).toEqual(finished.slice(2).map((r) => r.id));
    expect((await store.list()).runs.map((r) => r.id)).toEqual([going.id, ...finished.slice(0, 2).map((r) => r.id)]);
  });

  it('keeps saved scenarios by name', async () => {
    await store.saveScenario({ name: 'b', text: 'name: b\n', saved_at: 't1' });
    await store.saveScenario({ name: 'a', text: 'name: a\n', saved_at: 't1' });
    await store.saveScenario({ name: 'b', text: 'name: b2\n', saved_at: 't2' });
    expect((await store.listScenarios()).map((s) => [s.name, s.text])).toEqual([
      ['a', 'name: a\n'],
      ['b', 'name: b2\n'],
    ]);
    expect(await store.getScenario('b')).toEqual({ name: 'b', text: 'name: b2\n', saved_at: 't2' });
    expect(await store.removeScenario('a')).toBe(true);
    expect(await store.removeScenario('a')).toBe(false);
    expect(await store.getScenario('a')).toBeNull();
  });

  it('has everything again after a reopen (a restart of the server)', async () => {
    const r = record({ status: 'done', blobs: ['report'] });
    await store.save(r);
    await store.putBlob(r.id, 'report', { ok: true });
    const listed = await store.list();
    await store.close();
    store = reopen();
    await store.open();
    expect(await store.list()).toEqual(listed);
    expect(await store.get(r.id)).toEqual(r);
    expect(await store.getBlob(r.id, 'report')).toEqual({ ok: true });
    expect(await store.getScenario('b')).toMatchObject({ text: 'name: b2\n' });
  });
});
