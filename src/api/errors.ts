import { STATUS_CODES } from 'node:http';
import { ClearsimError, ERRORS, ScenarioError, type ErrorKey, type ScenarioIssue } from '../errors.js';
import { issuesFromValidation, type ValidationErrorLike } from './validation.js';

/**
 * The API's errors are the registry's (src/errors.ts): each kind with the code a client can rely
 * on and its HTTP status. `message` is for people and names the field at fault; `issues` lists
 * each problem as {source, path, message}.
 */
export const API_ERRORS = ERRORS;

export type ApiErrorKind = ErrorKey;

/** What every error response carries (the `ApiError` schema in the OpenAPI document). */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  issues?: ScenarioIssue[];
}

/** A ClearsimError raised while answering a request, with the issues and headers of its response. */
export class ApiError extends ClearsimError {
  /** The registry's status, under the name fastify gives it. */
  readonly statusCode: number;
  constructor(
    kind: ApiErrorKind,
    message: string,
    readonly issues?: ScenarioIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(kind, message);
    this.name = 'ApiError';
    this.statusCode = this.status;
  }
}

/**
 * One line per issue, as a person reads it. Issues of an inline scenario read `path: message`
 * (their lines would be those of the re-serialised body, so they are left out); others say where
 * they come from first: `overrides["tiers.aeo.lanes.red"]: ...`, `chongqing-2023.yaml:12 horizon...`.
 */
export function formatApiIssue(i: ScenarioIssue): string {
  const where = i.source === 'scenario' ? '' : i.line ? `${i.source}:${i.line}` : i.source;
  if (!where) return i.path ? `${i.path}: ${i.message}` : `scenario: ${i.message}`;
  // overrides["tiers.aeo.lanes.red"] names the field already
  if (where === `overrides[${JSON.stringify(i.path)}]`) return `${where}: ${i.message}`;
  return i.path ? `${where} ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

/** A loader error as the API's: inline scenarios' line numbers dropped (see formatApiIssue). */
export function scenarioApiError(err: ScenarioError): ApiError {
  const issues = err.issues.map((i) => (i.source === 'scenario' ? { source: i.source, path: i.path, message: i.message } : i));
  return new ApiError('SCENARIO_INVALID', issues.map(formatApiIssue).join('\n'), issues);
}

interface FastifyLikeError extends Error {
  statusCode?: number;
  code?: string;
  validation?: ValidationErrorLike[];
  validationContext?: string;
}

export const EMPTY_BODY_MESSAGE = 'body: empty, but Content-Type says application/json; send a JSON object';

const body = (kind: ApiErrorKind, message: string, issues?: ScenarioIssue[]): ErrorBody => {
  const { code, status } = API_ERRORS[kind];
  return { statusCode: status, code, error: STATUS_CODES[status] ?? 'Error', message, ...(issues?.length ? { issues } : {}) };
};

/**
 * Maps anything thrown while handling a request to a response: our errors (ClearsimError) with
 * their registry code and status, fastify's own (body parsing, schema validation) reworded to
 * name what is wrong, anything else 500.
 */
export function toErrorResponse(err: unknown, contentType?: string): { body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof ApiError) {
    return {
      body: {
        statusCode: err.statusCode,
        code: err.code,
        error: STATUS_CODES[err.statusCode] ?? 'Error',
        message: err.message,
        ...(err.issues?.length ? { issues: err.issues } : {}),
      },
      headers: err.headers,
    };
  }
  if (err instanceof ScenarioError) return toErrorResponse(scenarioApiError(err));
  // Any other coded error answers with its registry status: a Redis or the workers out of reach is 503, not a 500 of ours.
  if (err instanceof ClearsimError) return { body: body(err.key, err.message), headers: {} };
  const e = err as FastifyLikeError;
  if (e && Array.isArray(e.validation)) {
    const issues = issuesFromValidation(e.validation, e.validationContext ?? 'request');
    return {
      body: body('BAD_REQUEST', issues.map((i) => `${i.source}${i.path ? `.${i.path}` : ''}: ${i.message}`).join('\n'), issues),
      headers: {},
    };
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { body: body('BAD_JSON', 'body: not valid JSON', [{ source: 'body', path: '', message: 'not valid JSON' }]), headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { body: body('EMPTY_BODY', EMPTY_BODY_MESSAGE, [{ source: 'body', path: '', message: 'is empty' }]), headers: {} };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        body: body('BODY_TOO_LARGE', 'body: larger than this server takes (1 MiB unless configured); a scenario is a few kB'),
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        body: body(
          'UNSUPPORTED_MEDIA_TYPE',
          `Content-Type: ${contentType ? JSON.stringify(contentType) : 'missing'} is not supported; send the body as application/json`,
        ),
        headers: {},
      };
  }
  // Any other client error fastify raises (e.g. a bad Content-Length) keeps its status and its
  // message; only failures of ours are 500.
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const status = e.statusCode;
    return {
      body: { statusCode: status, code: e.code ?? API_ERRORS.BAD_REQUEST.code, error: STATUS_CODES[status] ?? 'Error', message: e.message },
      headers: {},
    };
  }
  return { body: body('INTERNAL', 'internal error: the server failed on this request (see its log)'), headers: {} };
}
