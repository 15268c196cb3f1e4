/**
 * Every Redis name the BullMQ runtime uses, in one place. A run's queues and keys carry its id,
 * so runs sharing a Redis never mix, and a run's cleanup can find everything it made.
 */
export const BULL_PREFIX = 'clearsim';
/** Set of runs in progress; worker hosts serve each. */
export const RUNS_KEY = 'clearsim:runs';
/** Pub/sub: `start <id>` / `end <id>`. */
export const RUNS_CHANNEL = 'clearsim:runs';
/** Hash: worker host id -> last heartbeat (ms since epoch). */
export const WORKERS_KEY = 'clearsim:workers';
export const HEARTBEAT_MS = 1000;
/** A host silent for this long is taken for dead: its share of the servers goes to the others. */
export const WORKER_TTL_MS = 4000;
/** A run's lease lasts this long unless renewed; the coordinator renews it every LEASE_RENEW_MS. */
export const LEASE_MS = 6000;
export const LEASE_RENEW_MS = 1500;

export function runKeys(id: string) {
  const base = `clearsim:run:${id}`;
  return {
    base,
    /** Hash: scenario JSON, time scale, clock origin. */
    meta: `${base}:meta`,
    /** Hash: stage -> servers now (opening hours, disruptions); `priority` -> 1/0. */
    control: `${base}:control`,
    /** Pub/sub channel announcing control changes. */
    channel: `${base}:control`,
    /** Stream of released shipments, consumed (and deleted) by the coordinator. */
    results: `${base}:results`,
    released: `${base}:released`,
    /**
     * The coordinator's lease: set with a TTL and renewed while it lives. A run whose lease has
     * expired lost its coordinator (killed): the workers stop serving it and remove its keys.
     */
    lease: `${base}:lease`,
    /** Taken (SET NX) by the one worker host that removes an abandoned run. */
    reaper: `${base}:reaper`,
    /** Prefix of exactly-once marks, one per processed job: `${done}${shipment}.${hop}`. */
    done: `${base}:done:`,
  };
}

/** BullMQ queue names (under the `clearsim` prefix). */
export const stageQueue = (id: string, stage: string) => `${id}.stage.${stage}`;
export const flowQueue = (id: string) => `${id}.flow`;
