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
    /** Prefix of exactly-once marks, one per processed job: `${done}${shipment}.${hop}`. */
    done: `${base}:done:`,
  };
}

/** BullMQ queue names (under the `clearsim` prefix). */
export const stageQueue = (id: string, stage: string) => `${id}.stage.${stage}`;
export const flowQueue = (id: string) => `${id}.flow`;
