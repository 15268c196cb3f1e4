import { DEFAULT_TIME_SCALE, DEFAULT_WORKERS, MAX_WORKERS } from '../runtime/runtimes.js';
import { scenarioSchema } from '../scenario/schema.js';
import { reportSchemaDocument } from '../stats/report-schema.js';

/**
 * JSON Schemas of every route: what fastify validates requests against, what it serialises
 * responses with, and what the OpenAPI document at /docs shows.
 */

export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
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
    status: { type: 'string', enum: RUN_STATUSES },
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
    // Served as the runtime built it (JSON.stringify: no field dropped, none coerced); documented as
    // components.schemas.Report (withReportRef), the schema of docs/report.schema.json.
    report: { type: 'object', additionalProperties: true, description: 'The report JSON (docs/report.md) once the run is done' },
    links: { type: 'object', properties: { self: { type: 'string' }, metrics: { type: 'string' } } },
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

export const createRunBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scenario'],
  properties: {
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

export interface CreateRunBody {
  scenario: string | Record<string, unknown>;
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
              active: { type: 'integer', description: 'Runs still holding a slot (a cancelled run until it has stopped)' },
              max_active: { type: 'integer' },
            },
          },
        },
      },
    },
  },
  scenarios: {
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
                file: { type: 'string' },
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
              },
            },
          },
        },
      },
    },
  },
  createRun: {
    summary: 'Start a run of a bundled or inline scenario',
    description: 'Answers 202 at once; follow the run at links.self. At most a few runs go at a time (429 beyond).',
    tags: ['runs'],
    security: bearer,
    body: createRunBody,
    response: { 202: runSchema, ...errors(400, 401, 413, 415, 429) },
  },
  listRuns: {
    summary: 'Runs, newest first (without their reports)',
    tags: ['runs'],
    security: bearer,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: RUN_STATUSES },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      },
    },
    response: {
      200: { type: 'object', properties: { runs: { type: 'array', items: runSchema }, total: { type: 'integer' } } },
      ...errors(400, 401),
    },
  },
  getRun: {
    summary: "A run's status and progress, and its report once done",
    tags: ['runs'],
    security: bearer,
    params: runId,
    response: { 200: runSchema, ...errors(400, 401, 404) },
  },
  cancelRun: {
    summary: 'Cancel a queued or running run',
    description: '202 when the run was going (it stops within moments), 200 when it was already cancelled, 409 when it had finished.',
    tags: ['runs'],
    security: bearer,
    params: runId,
    response: { 200: runSchema, 202: runSchema, ...errors(400, 401, 404, 409) },
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
