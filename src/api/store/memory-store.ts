import { matches, type BlobName, type RunFilter, type RunRecord, type RunStore, type SavedScenario } from './run-store.js';

/** Runs kept in this process only (tests, and `buildServer` without a store): gone on restart. */
export class MemoryStore implements RunStore {
  readonly backend = 'memory' as const;
  readonly where = 'memory';
  private readonly runs = new Map<string, RunRecord>();
  private readonly blobs = new Map<string, string>();
  private readonly scenarios = new Map<string, SavedScenario>();

  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async save(rec: RunRecord): Promise<void> {
    this.runs.set(rec.id, structuredClone(rec));
  }
  async get(id: string): Promise<RunRecord | null> {
    const r = this.runs.get(id);
    return r ? structuredClone(r) : null;
  }
  async list(filter: RunFilter = {}): Promise<{ runs: RunRecord[]; total: number }> {
    const all = [...this.runs.values()].filter((r) => matches(r, filter)).sort((a, b) => b.order - a.order);
    return { runs: all.slice(0, filter.limit ?? all.length).map((r) => structuredClone(r)), total: all.length };
  }
  async remove(id: string): Promise<boolean> {
    for (const k of [...this.blobs.keys()]) if (k.startsWith(`${id}:`)) this.blobs.delete(k);
    return this.runs.delete(id);
  }
  // kept as JSON text, as the other stores do: what is read back is what was stored, not the caller's object
  async putBlob(id: string, name: BlobName, value: unknown): Promise<void> {
    this.blobs.set(`${id}:${name}`, JSON.stringify(value));
  }
  async getBlob<T>(id: string, name: BlobName): Promise<T | null> {
    const s = this.blobs.get(`${id}:${name}`);
    return s === undefined ? null : (JSON.parse(s) as T);
  }
  async saveScenario(s: SavedScenario): Promise<void> {
    this.scenarios.set(s.name, { ...s });
  }
  async getScenario(name: string): Promise<SavedScenario | null> {
    const s = this.scenarios.get(name);
    return s ? { ...s } : null;
  }
  async listScenarios(): Promise<SavedScenario[]> {
    return [...this.scenarios.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => ({ ...s }));
  }
  async removeScenario(name: string): Promise<boolean> {
    return this.scenarios.delete(name);
  }
}
