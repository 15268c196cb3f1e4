import { DEFAULT_TIME_SCALE, DEFAULT_WORKERS, MAX_WORKERS } from '../runtime/runtimes.js';
import { scenarioSchema } from '../scenario/schema.js';
import { reportSchemaDocument } from '../stats/report-schema.js';

/**
 * JSON Schemas of every route: what fastify validates requests against, what it serialises
 * responses with, and what the OpenAPI document at /docs shows.
 */

import { RUN_KINDS, RUN_STATUSES } from './store/run-store.js';

export { RUN_STATUSES };
/** Where each replication is simulated (the registry's embedded and bullmq runtimes; its distributed one is `distribute: true`). */
export const RUNTIMES = ['embedded', 'bullmq'] as const;
export const MAX_OVERRIDES = 200;

const issue = {
  type: 'object',
  properties: {
    source: { type: 'string', description: 'Where: body, querystring, params, overrides, scenario (inline), or a bundled file' },
    line: { type: 'integer', description: 'Line in a bundled scenario file' },
    path: { type: 'string', description: 'Dotted path of the field at fault ("" for the whole)' },
    message: { type: 'string' },
  },
} as const;

export const errorSchema = {
  type: 'object',
  description: 'Every error: a code to rely on, a message naming the field, and each problem in issues',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'e.g. CLEARSIM_SCENARIO_INVALID, CLEARSIM_RUN_NOT_FOUND' },
    error: { type: 'string' },
    message: { type: 'string' },
    issues: { type: 'array', items: issue },
  },
} as const;

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorSchema]));

const bearer = [{ bearer: [] as string[] }];

const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: {
      type: 'string',
      enum: RUN_KINDS,
      description: 'run (POST /runs), compare (POST /compare), sweep (POST /sweep) or optimize (POST /optimize)',
    },
    status: {
      type: 'string',
      enum: RUN_STATUSES,
      description: 'interrupted: the server stopped (or restarted) while the run was queued or running',
    },
    progress: { type: 'number', minimum: 0, maximum: 1, description: 'Share of simulated time done, over all replications' },
    scenario: { type: 'string', description: "The scenario's name" },
    runtime: { type: 'string', enum: RUNTIMES },
    distribute: {
      type: 'boolean',
      description: 'The replications run as jobs on `clearsim worker` processes (each on the embedded engine)',
    },
    seed: { type: 'integer' },
    replications: { type: 'integer' },
    horizon_days: { type: 'number' },
    time_scale: { type: ['number', 'null'], description: 'Simulated seconds per wall second (null: as fast as the CPU allows)' },
    workers: { type: ['integer', 'null'], description: 'bullmq or distribute: local worker processes' },
    created_at: { type: 'string', format: 'date-time' },
    started_at: { type: ['string', 'null'], format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
    error: { type: 'string', description: 'Why the run failed' },
    warnings: {
      type: 'array',
      items: { type: 'string' },
      description: "What makes a done run's results doubtful (BullMQ workers behind the clock)",
    },
    overrides: { description: 'The overrides as the request gave them (null: none)' },
    result: {
      type: 'object',
      additionalProperties: true,
      description:
        'compare: the comparison JSON (as `clearsim compare --json`); sweep: as `clearsim sweep --json`; optimize: as `clearsim optimize --json`; once done',
    },
    // Served as the runtime built it (JSON.stringify: no field dropped, none coerced); documented as
    // components.schemas.Report (withReportRef), the schema of docs/report.schema.json.
    report: { type: 'object', additionalProperties: true, description: 'The report JSON (docs/report.md) once the run is done' },
    links: {
      type: 'object',
      description: 'What can be fetched of the run now (downloads once it is done)',
      additionalProperties: { type: 'string' },
      properties: {
        self: { type: 'string' },
        events: { type: 'string' },
        metrics: { type: 'string' },
        report_html: { type: 'string' },
        report_json: { type: 'string' },
        trace: { type: 'string' },
        firms: { type: 'string' },
        timeline: { type: 'string' },
      },
    },
  },
} as const;

const runId = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: {
      type: 'string',
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      'x-expected': 'a run id (a UUID, as POST /runs answered)',
    },
  },
} as const;

const scenarioText = {
  type: 'string',
  minLength: 1,
  maxLength: 512 * 1024,
  description:
    'The scenario as YAML (or JSON) text, instead of `scenario`: its problems are reported with their lines (scenario_text:LINE path: message)',
} as const;

export const createRunBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scenario_text: scenarioText,
    scenario: {
      anyOf: [
        { type: 'string', title: "a bundled scenario's name (GET /scenarios)", minLength: 1, maxLength: 200, examples: ['chongqing-2023'] },
        { type: 'object', title: 'an inline scenario (format v1, as in scenarios/schema.json)' },
      ],
    },
    overrides: {
      description:
        'Fields to override, as with `clearsim run --set`: a map {"tiers.aeo.lanes.red": 0.01} (values as JSON) or a list ["tiers.aeo.lanes.red=0.01"] (values read as YAML)',
      anyOf: [
        {
          type: 'object',
          title: 'a map of path to value',
          maxProperties: MAX_OVERRIDES,
          examples: [{ 'horizon.days': 4, 'horizon.warmup_days': 1 }],
        },
        {
          type: 'array',
          title: 'a list of "path=value"',
          maxItems: MAX_OVERRIDES,
          items: { type: 'string', maxLength: 10000 },
          examples: [['priority.mode=never']],
        },
      ],
    },
    seed: { type: 'integer', minimum: 0, description: "Overrides the scenario's seed" },
    replications: { type: 'integer', minimum: 1, maximum: 10000, description: 'Independent replications' },
    days: { type: 'number', exclusiveMinimum: 0, maximum: 36500, description: 'Overrides horizon.days' },
    runtime: {
      type: 'string',
      enum: RUNTIMES,
      default: 'embedded',
      description:
        'Where each replication is simulated: embedded (virtual time) or bullmq (real time: stage queues on Redis, worker processes)',
    },
    distribute: {
      type: 'boolean',
      default: false,
      description:
        'Run the replications as jobs on `clearsim worker` processes, each on the embedded engine (as `clearsim run --distribute`): needs the server\'s Redis; takes workers, not time_scale, and not with runtime "bullmq"',
    },
    time_scale: {
      type: 'number',
      exclusiveMinimum: 0,
      description: `Simulated seconds per wall second. Embedded: paces the run so /metrics moves as a site would (absent: as fast as the CPU allows). bullmq: default ${DEFAULT_TIME_SCALE}`,
    },
    workers: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_WORKERS,
      description: `bullmq or distribute: local worker processes to start (default ${DEFAULT_WORKERS}; 0 = \`clearsim worker\` processes elsewhere)`,
    },
  },
} as const;

const experimentFields = {
  replications: { type: 'integer', minimum: 2, maximum: 10000, description: 'Replications, paired by seed (default 10)' },
  days: createRunBody.properties.days,
  distribute: {
    type: 'boolean',
    default: false,
    description: "Run the replications as jobs on `clearsim worker` processes (needs the server's Redis)",
  },
  workers: createRunBody.properties.workers,
} as const;

const scenarioRef = createRunBody.properties.scenario;

const scenarioName = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
      'x-expected': 'a name of lower-case letters, digits, ".", "_" and "-" (at most 64)',
    },
  },
} as const;

export const compareBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    a: { ...scenarioRef, description: 'Scenario a: a bundled name or an inline scenario' },
    a_text: { ...scenarioText, description: 'Scenario a as YAML text, instead of a' },
    b: { ...scenarioRef, description: 'Scenario b (default: a with `set`)' },
    b_text: { ...scenarioText, description: 'Scenario b as YAML text, instead of b' },
    overrides: { ...createRunBody.properties.overrides, description: 'Overrides of both a and b (as `--set` before the comparison)' },
    set: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_OVERRIDES,
      items: { type: 'string', maxLength: 10000 },
      description: 'b = a with these "path=value" overrides (as `clearsim compare a --set ...`)',
      examples: [['priority.mode=never']],
    },
    seed: createRunBody.properties.seed,
    ...experimentFields,
  },
} as const;

export const sweepBody = {
  type: 'object',
  additionalProperties: false,
  required: ['params'],
  properties: {
    scenario: scenarioRef,
    scenario_text: scenarioText,
    overrides: createRunBody.properties.overrides,
    params: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      description: 'The grid: each parameter with its values ("path=v1,v2" as `--param`, or {path, values})',
      items: {
        anyOf: [
          { type: 'string', maxLength: 10000, examples: ['stages.inspection.servers=12,16,20'] },
          {
            type: 'object',
            additionalProperties: false,
            required: ['path', 'values'],
            properties: {
              path: { type: 'string', minLength: 1, maxLength: 200 },
              values: { type: 'array', minItems: 1, maxItems: 100, items: {} },
            },
          },
        ],
      },
    },
    seed: createRunBody.properties.seed,
    ...experimentFields,
    replications: { type: 'integer', minimum: 1, maximum: 10000, description: 'Replications per point (default 5)' },
  },
} as const;

export const optimizeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['vary', 'target'],
  properties: {
    scenario: scenarioRef,
    scenario_text: scenarioText,
    overrides: { ...createRunBody.properties.overrides, description: 'Fixed overrides under every candidate (as `--set`)' },
    vary: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      description:
        'The parameters searched, each "PATH=LO..HI[:COST]" as `--vary`: whole numbers (servers), decimals (LO..HI in `steps` steps) or durations (20m..2h); COST per unit, default 1, negative when lower values cost more',
      items: { type: 'string', minLength: 1, maxLength: 1000, examples: ['stages.inspection.servers=8..20'] },
    },
    target: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      description:
        'What must hold, each "PATH OP VALUE" as `--target`: a number of the report JSON, OP one of < <= > >=, VALUE a number or a duration (hours)',
      items: { type: 'string', minLength: 1, maxLength: 1000, examples: ['disruptions.0.non_aeo.clearance_hours.p90<=48h'] },
    },
    seed: createRunBody.properties.seed,
    days: createRunBody.properties.days,
    confidence: {
      type: 'number',
      exclusiveMinimum: 0.5,
      exclusiveMaximum: 1,
      default: 0.95,
      description: "Confidence of each target's one-sided test",
    },
    replications: {
      type: 'integer',
      minimum: 2,
      maximum: 10000,
      default: 5,
      description: 'Replications each candidate starts with (seeds (seed, r), the same for all)',
    },
    max_replications: {
      type: 'integer',
      minimum: 2,
      maximum: 10000,
      default: 40,
      description: 'Replications a candidate close to a target may grow to (doubling); at least `replications`',
    },
    steps: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: 32,
      description: 'Steps across the range of a continuous parameter (its resolution)',
    },
  },
} as const;

export interface OptimizeBody {
  scenario?: string | Record<string, unknown>;
  scenario_text?: string;
  overrides?: Record<string, unknown> | string[];
  vary: string[];
  target: string[];
  seed?: number;
  days?: number;
  confidence: number;
  replications: number;
  max_replications: number;
  steps: number;
}

export interface CompareBody {
  a?: string | Record<string, unknown>;
  a_text?: string;
  b?: string | Record<string, unknown>;
  b_text?: string;
  overrides?: Record<string, unknown> | string[];
  set?: string[];
  seed?: number;
  replications?: number;
  days?: number;
  distribute: boolean;
  workers?: number;
}

export interface SweepBody {
  scenario?: string | Record<string, unknown>;
  scenario_text?: string;
  overrides?: Record<string, unknown> | string[];
  params: (string | { path: string; values: unknown[] })[];
  seed?: number;
  replications?: number;
  days?: number;
  distribute: boolean;
  workers?: number;
}

/** A download route's schema: its content type, 409 before the run is done. */
function download(operationId: string, summary: string, type: string) {
  return {
    operationId,
    summary,
    description: '`?download=true` adds Content-Disposition: attachment. 409 until the run is done.',
    tags: ['runs'],
    security: bearer,
    params: runId,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { download: { type: 'boolean', default: false } },
    },
    response: {
      200: { description: summary, content: { [type]: { schema: { type: 'string' } } } },
      ...errors(400, 401, 404, 409),
    },
  } as const;
}

export interface CreateRunBody {
  scenario?: string | Record<string, unknown>;
  scenario_text?: string;
  overrides?: Record<string, unknown> | string[];
  seed?: number;
  replications?: number;
  days?: number;
  runtime: (typeof RUNTIMES)[number];
  distribute: boolean;
  time_scale?: number;
  workers?: number;
}

export const routeSchemas = {
  healthz: {
    operationId: 'getHealth',
    summary: 'Liveness, and how many runs are in each state',
    tags: ['server'],
    response: {
      200: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['ok'] },
          uptime_seconds: { type: 'number' },
          runs: {
            type: 'object',
            properties: {
              queued: { type: 'integer' },
              running: { type: 'integer' },
              done: { type: 'integer' },
              failed: { type: 'integer' },
              cancelled: { type: 'integer' },
              interrupted: { type: 'integer' },
              active: { type: 'integer', description: 'Runs still holding a slot (a cancelled run until it has stopped)' },
              max_active: { type: 'integer' },
            },
          },
        },
      },
    },
  },
  scenarios: {
    operationId: 'listScenarios',
    summary: 'The bundled scenarios, to run by name',
    tags: ['scenarios'],
    response: {
      200: {
        type: 'object',
        properties: {
          scenarios: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                file: { type: ['string', 'null'], description: 'null for a saved scenario' },
                description: { type: 'string' },
                seed: { type: 'integer' },
                replications: { type: 'integer' },
                horizon_days: { type: 'number' },
                warmup_days: { type: 'number' },
                per_day: { type: 'number', description: 'Mean declarations a day' },
                tiers: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      name: { type: 'string' },
                      label: { type: 'string' },
                      aeo: { type: 'boolean' },
                      shipment_share: { type: 'number' },
                    },
                  },
                },
                stages: { type: 'array', items: { type: 'string' } },
                saved: { type: 'boolean', description: 'Saved on this server (PUT /scenarios/saved/:name), not bundled' },
                saved_at: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
    },
  },
  createRun: {
    operationId: 'createRun',
    summary: 'Start a run of a bundled or inline scenario',
    description: 'Answers 202 at once; follow the run at links.self. At most a few runs go at a time (429 beyond).',
    tags: ['runs'],
    security: bearer,
    body: createRunBody,
    response: { 202: runSchema, ...errors(400, 401, 413, 415, 429) },
  },
  listRuns: {
    operationId: 'listRuns',
    summary: 'Runs, newest first (without their reports)',
    tags: ['runs'],
    security: bearer,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: RUN_STATUSES },
        kind: { type: 'string', enum: RUN_KINDS },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      },
    },
    response: {
      200: { type: 'object', properties: { runs: { type: 'array', items: runSchema }, total: { type: 'integer' } } },
      ...errors(400, 401),
    },
  },
  getRun: {
    operationId: 'getRun',
    summary: "A run's status and progress, and its report once done",
    tags: ['runs'],
    security: bearer,
    params: runId,
    response: { 200: runSchema, ...errors(400, 401, 404) },
  },
  cancelRun: {
    operationId: 'cancelRun',
    summary: 'Cancel a queued or running run, or delete a run (purge=true)',
    description:
      'Without purge: 202 when the run was going (it stops within moments), 200 when it was already cancelled, 409 when it had finished. With purge=true: the run (cancelled first if going) and its report are deleted from the store: 204.',
    tags: ['runs'],
    security: bearer,
    params: runId,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { purge: { type: 'boolean', default: false, description: 'Delete the run from the store' } },
    },
    response: {
      200: runSchema,
      202: runSchema,
      204: { description: 'Deleted', type: 'null' },
      ...errors(400, 401, 404, 409),
    },
  },
  createCompare: {
    operationId: 'createCompare',
    summary: 'Start a paired comparison of two scenarios, or of one with overrides (as `clearsim compare`)',
    description: 'Answers 202 at once; the run (kind compare) has the comparison in `result` once done.',
    tags: ['runs'],
    security: bearer,
    body: compareBody,
    response: { 202: runSchema, ...errors(400, 401, 413, 415, 429) },
  },
  createSweep: {
    operationId: 'createSweep',
    summary: 'Start a sweep over a full grid of parameter values (as `clearsim sweep`)',
    description: 'Answers 202 at once; the run (kind sweep) has one row per point in `result` once done.',
    tags: ['runs'],
    security: bearer,
    body: sweepBody,
    response: { 202: runSchema, ...errors(400, 401, 413, 415, 429) },
  },
  createOptimize: {
    operationId: 'createOptimize',
    summary: 'Start a search for the cheapest configuration meeting every target (as `clearsim optimize`)',
    description:
      'Answers 202 at once; the run (kind optimize) has `best` (values, cost, targets) and every candidate in `result` once done. Every --vary and --target is checked before: a bad one is a 400 naming body.vary[i] or body.target[i].',
    tags: ['runs'],
    security: bearer,
    body: optimizeBody,
    response: { 202: runSchema, ...errors(400, 401, 413, 415, 429) },
  },
  runEvents: {
    operationId: 'streamRunEvents',
    summary: "A run's progress and live flow as server-sent events",
    description:
      'text/event-stream: `status` first and on each change, `progress`, `flow` (live snapshots of the stages, releases per simulated hour by tier, disruptions and the clock; runs only), and `end` last, after which the stream closes. `token` in the query stands for the Authorization header (EventSource cannot send headers). See docs/api.md.',
    tags: ['runs'],
    security: bearer,
    params: runId,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { token: { type: 'string', description: "The server's token, for clients that cannot send headers" } },
    },
    response: {
      200: { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
      ...errors(400, 401, 404),
    },
  },
  runTimeline: {
    operationId: 'getRunTimeline',
    summary: "A finished run's flow, hour by simulated hour, to replay (replication 0)",
    tags: ['runs'],
    security: bearer,
    params: runId,
    response: {
      200: {
        type: 'object',
        additionalProperties: true,
        description: 'stages, tiers, disruptions, frames, released_per_hour (docs/api.md)',
      },
      ...errors(400, 401, 404, 409),
    },
  },
  reportHtml: download('getRunReportHtml', "The run's report as a self-contained HTML page (as `--report x.html`)", 'text/html'),
  reportJson: download('getRunReportJson', "The run's report JSON (compare, sweep, optimize: their result), as a file", 'application/json'),
  traceCsv: download(
    'getRunTrace',
    'One row per shipment of replication 0 (as `clearsim run --trace x.csv`), made again from the same seed',
    'text/csv',
  ),
  firmsCsv: download('getRunFirms', 'One row per firm (as `--firms x.csv`); 404 when the scenario has no firms', 'text/csv'),
  validateScenario: {
    operationId: 'validateScenario',
    summary: 'Check a scenario (YAML text) without running it',
    description: '200 with its summary when valid; 400 CLEARSIM_SCENARIO_INVALID with each problem (line, path, message) otherwise.',
    tags: ['scenarios'],
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['scenario_text'],
      properties: { scenario_text: scenarioText, overrides: createRunBody.properties.overrides },
    },
    response: {
      200: { type: 'object', properties: { valid: { type: 'boolean' }, scenario: { type: 'object', additionalProperties: true } } },
      ...errors(400, 413, 415),
    },
  },
  saveScenario: {
    operationId: 'saveScenario',
    summary: 'Save a scenario (YAML text) under a name, to run it by that name',
    description: 'Checked first (400 CLEARSIM_SCENARIO_INVALID with lines); kept by the server across restarts. Not a bundled name.',
    tags: ['scenarios'],
    security: bearer,
    params: scenarioName,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['scenario_text'],
      properties: { scenario_text: scenarioText },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          saved: { type: 'boolean' },
          saved_at: { type: 'string', format: 'date-time' },
          scenario: { type: 'object', additionalProperties: true },
        },
      },
      ...errors(400, 401, 413, 415),
    },
  },
  deleteScenario: {
    operationId: 'deleteScenario',
    summary: 'Delete a saved scenario',
    tags: ['scenarios'],
    security: bearer,
    params: scenarioName,
    response: { 204: { description: 'Deleted', type: 'null' }, ...errors(400, 401) },
  },
  getScenario: {
    operationId: 'getScenario',
    summary: "A bundled scenario's summary and its YAML text (to edit)",
    tags: ['scenarios'],
    params: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          saved: { type: 'boolean' },
          text: { type: 'string' },
          scenario: { type: 'object', additionalProperties: true },
        },
      },
      ...errors(400),
    },
  },
} as const;

/**
 * The scenario schema for the OpenAPI document: its definitions become components
 * (Scenario_<name>) and its refs follow them; the JSON Schema dialect keywords are dropped.
 */
export function scenarioComponents(): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is untyped JSON, walked by key
  const { definitions, $schema: _s, $id: _i, ...root } = scenarioSchema as Record<string, any>;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          k,
          k === '$ref' && typeof x === 'string' ? x.replace(/^#\/definitions\//, '#/components/schemas/Scenario_') : rewrite(x),
        ]),
      );
    }
    return v;
  };
  const out: Record<string, unknown> = { Scenario: rewrite(root) };
  for (const [name, def] of Object.entries<unknown>(definitions ?? {})) out[`Scenario_${name}`] = rewrite(def);
  return out;
}

/** Where the OpenAPI document has the report's schema (reportComponents). */
export const REPORT_REF = '#/components/schemas/Report';

/**
 * The report schema for the OpenAPI document: Report and the shared schemas it uses, from
 * docs/report.schema.json's $defs, as components Report and Report_<name>. A ref with a
 * description of its own becomes allOf [ref] (OpenAPI tools drop a ref's siblings).
 */
export function reportComponents(): Record<string, unknown> {
  const defs = reportSchemaDocument().$defs as Record<string, unknown>;
  const name = (def: string) => (def === 'Report' ? 'Report' : `Report_${def}`);
  const used = new Set<string>();
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$ref === 'string') {
      const def = o.$ref.replace(/^#\/\$defs\//, '');
      if (!used.has(def)) {
        used.add(def);
        rewrite(defs[def]);
      }
      const ref = { $ref: `#/components/schemas/${name(def)}` };
      const { $ref: _r, ...rest } = o;
      return Object.keys(rest).length ? { ...rest, allOf: [ref] } : ref;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, rewrite(x)]));
  };
  used.add('Report');
  rewrite(defs.Report);
  return Object.fromEntries([...used].map((def) => [name(def), rewrite(defs[def])]));
}

/** A route schema as documented: every run's `report` is the report schema (REPORT_REF). */
// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is untyped JSON, walked by key
export function withReportRef(schema: any): any {
  const report = {
    description: 'The report (docs/report.md, docs/report.schema.json) once the run is done',
    allOf: [{ $ref: REPORT_REF }],
  };
  // biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is untyped JSON, walked by key
  const run = (s: any) => (s?.properties?.report ? { ...s, properties: { ...s.properties, report } } : s);
  // biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is untyped JSON, walked by key
  const list = (s: any) =>
    s?.properties?.runs?.items
      ? { ...s, properties: { ...s.properties, runs: { ...s.properties.runs, items: run(s.properties.runs.items) } } }
      : s;
  if (!schema?.response) return schema;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is untyped JSON, walked by key
  return { ...schema, response: Object.fromEntries(Object.entries<any>(schema.response).map(([code, r]) => [code, list(run(r))])) };
}
