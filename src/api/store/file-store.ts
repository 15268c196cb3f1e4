import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type NedbModule from '@seald-io/nedb';

// a CommonJS package whose types declare an ES default export: loaded with require, typed by its class
type Datastore<T> = NedbModule.default<T>;
const Datastore = createRequire(import.meta.url)('@seald-io/nedb') as typeof NedbModule.default;
import { UsageError } from '../../errors.js';
import { BLOB_NAMES, matches, type BlobName, type RunFilter, type RunRecord, type RunStore, type SavedScenario } from './run-store.js';

/** `clearsim serve`'s data directory unless --data or CLEARSIM_DATA says otherwise (XDG base directories). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLEARSIM_DATA) return resolve(env.CLEARSIM_DATA);
  const base = env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share');
  return join(base, 'clearsim');
}

/**
 * A record as the database holds it: the fields it is queried and sorted by, and the record as
 * JSON text (its overrides have keys like "horizon.days", which nedb refuses as field names).
 */
type RunDoc = { _id: string; order: number; status: string; kind: string; json: string };
type ScenarioDoc = SavedScenario & { _id: string };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Runs in a data directory: records in an embedded document database (@seald-io/nedb: pure JS,
 * an append-only file compacted on load, so a crash loses at most the last write), blobs as JSON
 * files beside it, written to a temporary name and renamed (never half written). One server per
 * directory: a lock file with its pid (a stale one, of a process that is gone, is taken over).
 */
export class FileStore implements RunStore {
  readonly backend = 'file' as const;
  private runs!: Datastore<RunDoc>;
  private scenarios!: Datastore<ScenarioDoc>;
  private readonly blobDir: string;
  private readonly lockFile: string;
  private locked = false;

  constructor(readonly dir: string) {
    this.blobDir = join(dir, 'blobs');
    this.lockFile = join(dir, 'lock');
  }

  get where(): string {
    return this.dir;
  }

  async open(): Promise<void> {
    try {
      mkdirSync(this.blobDir, { recursive: true });
    } catch (err) {
      throw new UsageError(`--data ${this.dir}: cannot create the data directory (${(err as NodeJS.ErrnoException).code})`);
    }
    this.lock();
    this.runs = new Datastore<RunDoc>({ filename: join(this.dir, 'runs.db') });
    this.scenarios = new Datastore<ScenarioDoc>({ filename: join(this.dir, 'scenarios.db') });
    try {
      await this.runs.loadDatabaseAsync();
      await this.scenarios.loadDatabaseAsync();
    } catch (err) {
      this.unlock();
      throw new UsageError(`--data ${this.dir}: cannot read the run store (${(err as Error).message})`);
    }
    await this.runs.ensureIndexAsync({ fieldName: 'order' });
    // the append-only file grows with every progress update: compacted every 10 minutes
    this.runs.setAutocompactionInterval(10 * 60_000);
  }

  private lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        // 'wx' fails when the file exists: taking the lock is atomic
        writeFileSync(this.lockFile, String(process.pid), { flag: 'wx' });
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(this.lockFile, 'utf8'));
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
          throw new UsageError(
            `--data ${this.dir}: already in use by another clearsim serve (pid ${pid}); give each server its own --data`,
          );
        rmSync(this.lockFile, { force: true }); // stale: its process is gone
      }
    }
    throw new UsageError(`--data ${this.dir}: cannot take the lock file ${this.lockFile}`);
  }

  private unlock(): void {
    if (this.locked) rmSync(this.lockFile, { force: true });
    this.locked = false;
  }

  async close(): Promise<void> {
    if (!this.runs) return;
    this.runs.stopAutocompaction();
    await this.runs.compactDatafileAsync().catch(() => {});
    this.unlock();
  }

  async save(rec: RunRecord): Promise<void> {
    const doc: RunDoc = { _id: rec.id, order: rec.order, status: rec.status, kind: rec.kind, json: JSON.stringify(rec) };
    await this.runs.updateAsync({ _id: rec.id }, doc, { upsert: true });
  }

  async get(id: string): Promise<RunRecord | null> {
    const d = await this.runs.findOneAsync({ _id: id });
    return d ? strip(d) : null;
  }

  async list(filter: RunFilter = {}): Promise<{ runs: RunRecord[]; total: number }> {
    const q: Record<string, unknown> = {};
    if (filter.status) q.status = filter.status;
    if (filter.kind) q.kind = filter.kind;
    const all = (await this.runs.findAsync(q).sort({ order: -1 })).map(strip).filter((r: RunRecord) => matches(r, filter));
    return { runs: all.slice(0, filter.limit ?? all.length), total: all.length };
  }

  async remove(id: string): Promise<boolean> {
    const n = await this.runs.removeAsync({ _id: id }, {});
    for (const b of BLOB_NAMES) await rm(this.blobPath(id, b), { force: true });
    return n > 0;
  }

  private blobPath(id: string, name: BlobName): string {
    // ids are UUIDs (checked by the routes) and names a fixed set: no path can leave the directory
    return join(this.blobDir, `${id}.${name}.json`);
  }

  async putBlob(id: string, name: BlobName, value: unknown): Promise<void> {
    const path = this.blobPath(id, name);
    await writeFile(`${path}.tmp`, JSON.stringify(value));
    await rename(`${path}.tmp`, path);
  }

  async getBlob<T>(id: string, name: BlobName): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.blobPath(id, name), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async saveScenario(s: SavedScenario): Promise<void> {
    await this.scenarios.updateAsync({ _id: s.name }, { ...s, _id: s.name }, { upsert: true });
  }
  async getScenario(name: string): Promise<SavedScenario | null> {
    const d = await this.scenarios.findOneAsync({ _id: name });
    return d ? { name: d.name, text: d.text, saved_at: d.saved_at } : null;
  }
  async listScenarios(): Promise<SavedScenario[]> {
    const docs = await this.scenarios.findAsync({}).sort({ name: 1 });
    return docs.map((d: ScenarioDoc) => ({ name: d.name, text: d.text, saved_at: d.saved_at }));
  }
  async removeScenario(name: string): Promise<boolean> {
    return (await this.scenarios.removeAsync({ _id: name }, {})) > 0;
  }
}

function strip(d: RunDoc): RunRecord {
  return JSON.parse(d.json) as RunRecord;
}
