/**
 * Every error clearsim reports to a user, in one place (as fastify keeps its errors): its code,
 * which clients and scripts may rely on; the CLI's exit code (README: 0 done, 1 the run failed,
 * 2 bad input); the HTTP status the API answers with; and when it happens. docs/errors.md is
 * the same table for users, and test/errors.test.ts holds the two to each other.
 *
 * Exit 2 is for what the user can fix in what they gave (a scenario, a flag, a request); exit 1
 * for a run that could not go or did not finish (Redis, workers, a cancel, a bug of ours).
 */
export const ERRORS = {
  // Bad input: the CLI exits 2, the API answers 4xx.
  SCENARIO_INVALID: {
    code: 'CLEARSIM_SCENARIO_INVALID',
    exit: 2,
    status: 400,
    description:
      'a scenario (a file, an inline body or an override) breaks the scenario format; every problem is listed as source:line path: message',
  },
  BAD_USAGE: {
    code: 'CLEARSIM_BAD_USAGE',
    exit: 2,
    status: 400,
    description:
      'a flag is wrong or cannot be honoured: flags that do not go together, an output file that cannot be written, a port that cannot be listened on',
  },
  BAD_REQUEST: {
    code: 'CLEARSIM_BAD_REQUEST',
    exit: 2,
    status: 400,
    description: 'the request does not match the route: a missing, unknown or wrongly typed field',
  },
  BAD_JSON: {
    code: 'CLEARSIM_BAD_JSON',
    exit: 2,
    status: 400,
    description:
      'the request body is not valid JSON, or has a __proto__ key, a key given twice in one object, or nesting deeper than 32 levels',
  },
  EMPTY_BODY: {
    code: 'CLEARSIM_EMPTY_BODY',
    exit: 2,
    status: 400,
    description: 'the request body is empty though its Content-Type says application/json',
  },
  UNKNOWN_SCENARIO: { code: 'CLEARSIM_UNKNOWN_SCENARIO', exit: 2, status: 400, description: 'body.scenario names no bundled scenario' },
  RUNTIME_UNAVAILABLE: {
    code: 'CLEARSIM_RUNTIME_UNAVAILABLE',
    exit: 2,
    status: 400,
    description: 'a run on runtime "bullmq" was asked of a server started without Redis',
  },
  UNAUTHORIZED: {
    code: 'CLEARSIM_UNAUTHORIZED',
    exit: 2,
    status: 401,
    description: 'the server has CLEARSIM_TOKEN set and the request has no bearer token, or the wrong one',
  },
  RUN_NOT_FOUND: {
    code: 'CLEARSIM_RUN_NOT_FOUND',
    exit: 2,
    status: 404,
    description: 'no run has that id: it never existed, or it finished long enough ago to be forgotten',
  },
  ROUTE_NOT_FOUND: { code: 'CLEARSIM_ROUTE_NOT_FOUND', exit: 2, status: 404, description: 'no route has that path' },
  METHOD_NOT_ALLOWED: {
    code: 'CLEARSIM_METHOD_NOT_ALLOWED',
    exit: 2,
    status: 405,
    description: 'the path exists but not with that method (the Allow header lists those it takes)',
  },
  RUN_FINISHED: { code: 'CLEARSIM_RUN_FINISHED', exit: 2, status: 409, description: 'a cancel of a run that is already done or failed' },
  RUN_NOT_READY: {
    code: 'CLEARSIM_RUN_NOT_READY',
    exit: 2,
    status: 409,
    description:
      'a download (report, trace, firm table, timeline) of a run that is not done (queued, running, failed, cancelled or interrupted)',
  },
  DOWNLOAD_NOT_AVAILABLE: {
    code: 'CLEARSIM_DOWNLOAD_NOT_AVAILABLE',
    exit: 2,
    status: 404,
    description:
      'a download that a run of its kind does not have: a firm table without firms, a trace of a comparison or sweep or of a BullMQ run, a timeline of a distributed run',
  },
  BODY_TOO_LARGE: {
    code: 'CLEARSIM_BODY_TOO_LARGE',
    exit: 2,
    status: 413,
    description: 'the request body is larger than the server takes (1 MiB unless configured)',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'CLEARSIM_UNSUPPORTED_MEDIA_TYPE',
    exit: 2,
    status: 415,
    description: 'the request body is not sent as application/json',
  },
  RUN_TOO_LARGE: {
    code: 'CLEARSIM_RUN_TOO_LARGE',
    exit: 2,
    status: 400,
    description:
      "a valid scenario whose estimated work (simulated events over all its replications) is above the budget: 50 million events unless raised with --max-events or the server's maxEvents",
  },
  // The run could not go, or did not finish: the CLI exits 1.
  TOO_MANY_RUNS: {
    code: 'CLEARSIM_TOO_MANY_RUNS',
    exit: 1,
    status: 429,
    description: 'the server has as many runs going as it takes at once, or is shutting down; Retry-After says when to try again',
  },
  REDIS_UNREACHABLE: {
    code: 'CLEARSIM_REDIS_UNREACHABLE',
    exit: 1,
    status: 503,
    description: 'a BullMQ run, a distributed experiment or a worker cannot reach Redis at the URL given',
  },
  NO_WORKERS: {
    code: 'CLEARSIM_NO_WORKERS',
    exit: 1,
    status: 503,
    description: 'no clearsim worker is serving the Redis (or fewer than the run needs) within the time a run waits for them',
  },
  REDIS_LOST: {
    code: 'CLEARSIM_REDIS_LOST',
    exit: 1,
    status: 503,
    description: 'the connection to Redis was lost in the middle of a BullMQ run; the run stops within seconds',
  },
  RUN_CANCELLED: {
    code: 'CLEARSIM_RUN_CANCELLED',
    exit: 1,
    status: 409,
    description: 'the run was cancelled before it finished (DELETE /runs/:id, or the server shutting down)',
  },
  RUN_OUT_OF_MEMORY: {
    code: 'CLEARSIM_RUN_OUT_OF_MEMORY',
    exit: 1,
    status: 422,
    description: 'a run on the API server needed more than its memory limit and was stopped (the server and its other runs carry on)',
  },
  RUN_STALLED: {
    code: 'CLEARSIM_RUN_STALLED',
    exit: 1,
    status: 422,
    description: 'the run cannot make progress: shipments wait at a stage that never has a server again (the message names the stages)',
  },
  INTERNAL: {
    code: 'CLEARSIM_INTERNAL',
    exit: 1,
    status: 500,
    description: 'anything else: a failure clearsim did not foresee, most likely a bug',
  },
} as const;

export type ErrorKey = keyof typeof ERRORS;
export type ErrorCode = (typeof ERRORS)[ErrorKey]['code'];

const KEY_OF_CODE: ReadonlyMap<string, ErrorKey> = new Map(Object.entries(ERRORS).map(([key, e]) => [e.code, key as ErrorKey]));

/** The registry key of a key or a code (`NO_WORKERS` or `CLEARSIM_NO_WORKERS`); undefined if neither. */
export function errorKeyOf(keyOrCode: string): ErrorKey | undefined {
  return Object.hasOwn(ERRORS, keyOrCode) ? (keyOrCode as ErrorKey) : KEY_OF_CODE.get(keyOrCode);
}

/**
 * An error the user is told about by code. Anything thrown that is not a ClearsimError is a
 * failure clearsim did not foresee: the CLI says "run failed" and exits 1, the API answers 500.
 */
export class ClearsimError extends Error {
  readonly key: ErrorKey;
  readonly code: ErrorCode;
  /** The CLI's exit code. */
  readonly exit: (typeof ERRORS)[ErrorKey]['exit'];
  /** The API's HTTP status. */
  readonly status: number;

  constructor(kind: ErrorKey | ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    const key = errorKeyOf(kind);
    // Only reachable from JavaScript or a cast: a code outside the registry would reach users undocumented.
    if (!key) throw new TypeError(`${kind} is not in the error registry (src/errors.ts)`);
    this.name = 'ClearsimError';
    this.key = key;
    this.code = ERRORS[key].code;
    this.exit = ERRORS[key].exit;
    this.status = ERRORS[key].status;
  }
}

export interface ScenarioIssue {
  /** File name, or the override that caused it. */
  source: string;
  line?: number;
  /** Dotted path of the field, e.g. tiers.aeo.lanes.red ('' for the whole document). */
  path: string;
  message: string;
}

export function formatIssue(i: ScenarioIssue): string {
  const where = i.line ? `${i.source}:${i.line}` : i.source;
  return i.path ? `${where} ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

export class ScenarioError extends ClearsimError {
  constructor(readonly issues: ScenarioIssue[]) {
    super('SCENARIO_INVALID', issues.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
  }
}

export class UsageError extends ClearsimError {
  constructor(message: string) {
    super('BAD_USAGE', message);
    this.name = 'UsageError';
  }
}

/** A scenario whose estimated events are above the budget (src/scenario/work-estimate.ts): the message names both and how to raise it. */
export class RunTooLargeError extends ClearsimError {
  constructor(message: string) {
    super('RUN_TOO_LARGE', message);
    this.name = 'RunTooLargeError';
  }
}

/** Redis does not answer at the URL given (the message names the URL, its password hidden). */
export class RedisUnreachableError extends ClearsimError {
  constructor(message: string, options?: ErrorOptions) {
    super('REDIS_UNREACHABLE', message, options);
    this.name = 'RedisUnreachableError';
  }
}

/** Redis answers but no worker host serves it (the message says how to start one). */
export class NoWorkersError extends ClearsimError {
  constructor(message: string, options?: ErrorOptions) {
    super('NO_WORKERS', message, options);
    this.name = 'NoWorkersError';
  }
}

/** The connection to Redis went away while a BullMQ run was going. */
export class RedisLostError extends ClearsimError {
  constructor(message: string, options?: ErrorOptions) {
    super('REDIS_LOST', message, options);
    this.name = 'RedisLostError';
  }
}

/** A run stopped by its AbortSignal (DELETE /runs/:id, or a server closing). */
export class RunCancelled extends ClearsimError {
  constructor(message = 'run cancelled') {
    super('RUN_CANCELLED', message);
    this.name = 'RunCancelled';
  }
}

/** No event is left but shipments are: they wait at stages that never have a server again. */
export class RunStalled extends ClearsimError {
  constructor(message: string) {
    super('RUN_STALLED', message);
    this.name = 'RunStalled';
  }
}
