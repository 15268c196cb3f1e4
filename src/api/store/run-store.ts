/**
 * The port every run store implements (memory, file, Redis): run records (small, listed often)
 * and their blobs (report, result, timeline, input: large, read one at a time), and the saved
 * scenarios. test/api-store.test.ts runs one conformance suite against each backend.
 */

export const RUN_KINDS = ['run', 'compare', 'sweep', 'optimize'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run never leaves. */
export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled', 'interrupted']);

/** A run as stored: what GET /runs lists (the view without its links, report and result). */
export interface RunRecord {
  id: string;
  kind: RunKind;
  status: RunStatus;
  progress: number;
  scenario: string;
  runtime: 'embedded' | 'bullmq';
  distribute: boolean;
  seed: number;
  replications: number;
  horizon_days: number;
  time_scale: number | null;
  workers: number | null;
  overrides: unknown;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error?: string;
  warnings?: string[];
  /** Sorts runs newest first (created time in ms x 1000 + a counter): stable within one millisecond. */
  order: number;
  /** Which blobs the run has. */
  blobs: BlobName[];
}

/** input: what the run was asked (scenario sources, parameters): downloads are made from it; firms: a run's per-firm rows; samples: report.timeline (the stages over simulated time), kept out of the report JSON and put back for its HTML. */
export type BlobName = (typeof BLOB_NAMES)[number];
export const BLOB_NAMES = ['report', 'result', 'timeline', 'input', 'firms', 'samples'] as const;

export interface RunFilter {
  status?: RunStatus;
  kind?: RunKind;
  limit?: number;
}

export interface SavedScenario {
  name: string;
  text: string;
  saved_at: string;
}

export interface RunStore {
  readonly backend: 'memory' | 'file' | 'redis';
  /** Where it keeps its data, for the server's log. */
  readonly where: string;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Inserts or replaces the record. */
  save(rec: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  /** Newest first; total before the limit. */
  list(filter?: RunFilter): Promise<{ runs: RunRecord[]; total: number }>;
  /** The record and its blobs; false when there was none. */
  remove(id: string): Promise<boolean>;
  putBlob(id: string, name: BlobName, value: unknown): Promise<void>;
  getBlob<T = unknown>(id: string, name: BlobName): Promise<T | null>;
  saveScenario(s: SavedScenario): Promise<void>;
  getScenario(name: string): Promise<SavedScenario | null>;
  listScenarios(): Promise<SavedScenario[]>;
  removeScenario(name: string): Promise<boolean>;
}

let counter = 0;
/** The order key of a record created now. */
export const orderNow = (): number => Date.now() * 1000 + (counter++ % 1000);

/** Marks every queued or running record interrupted (after a restart: nothing is running them any more). */
export async function markInterrupted(store: RunStore, at: string): Promise<string[]> {
  const ids: string[] = [];
  for (const status of ['queued', 'running'] as const) {
    const { runs } = await store.list({ status });
    for (const r of runs) {
      await store.save({
        ...r,
        status: 'interrupted',
        finished_at: at,
        error: r.error ?? 'the server stopped before the run finished; start it again',
      });
      ids.push(r.id);
    }
  }
  return ids;
}

/** Drops the oldest finished runs beyond `max`: the store stays bounded. */
export async function pruneRuns(store: RunStore, max: number): Promise<string[]> {
  const { runs } = await store.list();
  const finished = runs.filter((r) => FINAL_STATUSES.has(r.status));
  const dropped = finished.slice(max).map((r) => r.id);
  for (const id of dropped) await store.remove(id);
  return dropped;
}

export function matches(r: RunRecord, f: RunFilter): boolean {
  return (!f.status || r.status === f.status) && (!f.kind || r.kind === f.kind);
}

/** Runs kept by one server unless configured (--max-runs). */
export const DEFAULT_MAX_RUNS = 200;
/** Largest blob a store keeps (a report of a big scenario is a few hundred kB). */
export const MAX_BLOB_BYTES = 32 * 1024 * 1024;
