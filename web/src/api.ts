/**
 * The clearsim HTTP API on the page's own origin (the server that serves this app). Every call
 * carries the bearer token the user entered, if any; errors come back as ApiRequestError with the
 * server's code and issues (each `{source, line?, path, message}`), so a page can show them where
 * they belong: a YAML line, a form field, a body field.
 */

export interface Issue {
  source: string;
  line?: number;
  path: string;
  message: string;
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

const TOKEN_KEY = 'clearsim.token';

export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage refused (private mode): the token lasts for this page only
  }
  memoryToken = token;
}

let memoryToken = '';
const token = () => getToken() || memoryToken;

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (json) h['content-type'] = 'application/json';
  const t = token();
  if (t) h.authorization = `Bearer ${t}`;
  return h;
}

async function errorOf(res: Response): Promise<ApiRequestError> {
  let body: { code?: string; message?: string; issues?: Issue[] } = {};
  try {
    body = await res.json();
  } catch {
    // not JSON (a proxy's page): the status says enough
  }
  const message = body.message ?? `${res.status} ${res.statusText}`;
  return new ApiRequestError(res.status, body.code ?? `HTTP_${res.status}`, message, body.issues ?? []);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiRequestError(0, 'NETWORK', `the server did not answer (${(err as Error).message}): is clearsim serve still running?`);
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * Downloads a file of the API as the browser saves files. A plain link cannot carry the bearer
 * token, so the file is fetched with it and handed to the browser as a blob.
 */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: headers(false) });
  if (!res.ok) throw await errorOf(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The events URL of a run: EventSource sends no headers, so the token goes in the query (the server accepts it there). */
export function eventsUrl(id: string): string {
  const t = token();
  return `/runs/${encodeURIComponent(id)}/events${t ? `?token=${encodeURIComponent(t)}` : ''}`;
}

// ---- the API's shapes (docs: /tmp/api-contract.md became docs/web.md and the OpenAPI at /docs)

export interface TierSummary {
  name: string;
  label: string;
  aeo: boolean;
  shipment_share?: number | null;
}

export interface ScenarioSummary {
  name: string;
  file: string | null;
  description: string;
  seed: number;
  replications: number;
  horizon_days: number;
  warmup_days: number;
  per_day: number;
  tiers: TierSummary[];
  stages: string[];
  saved?: boolean;
}

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export type RunKind = 'run' | 'compare' | 'sweep' | 'optimize';

export interface RunView {
  id: string;
  kind?: RunKind;
  status: RunStatus;
  progress: number;
  scenario: string;
  runtime: string;
  distribute: boolean;
  seed: number;
  replications: number;
  horizon_days: number;
  time_scale: number | null;
  workers: number | null;
  overrides?: unknown;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error?: string;
  warnings?: string[];
  report?: Report;
  result?: unknown;
  links: Record<string, string | undefined>;
}

export const FINISHED: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled', 'interrupted']);

// The report is large and documented in docs/report.md; the app reads it defensively.
export type Report = Record<string, unknown> & {
  scenario: string;
  horizon_days: number;
  warmup_days: number;
  replications: number;
};

export interface FlowStage {
  name?: string;
  queue: number;
  busy: number | null;
  capacity: number | null;
}

export interface FlowDisruption {
  index: number;
  kind?: string;
  name: string;
  start_hour: number;
  end_hour: number;
  active?: boolean;
}

export interface ReleasedPerHour {
  hour: number[];
  by_tier: Record<string, number[]>;
}

/** A `flow` event of GET /runs/:id/events. */
export interface FlowSnapshot {
  clock_hours: number;
  replication?: number;
  progress?: number;
  stages: FlowStage[];
  released_per_hour: ReleasedPerHour;
  disruptions: FlowDisruption[];
  active_disruptions: number;
}

/** GET /runs/:id/timeline: the recorded flow of replication 0. */
export interface Timeline {
  stages: { name: string }[];
  tiers: TierSummary[];
  disruptions: FlowDisruption[];
  frames: { clock_hours: number; stages: FlowStage[]; active_disruptions: number }[];
  released_per_hour: ReleasedPerHour;
}
