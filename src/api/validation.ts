import { Ajv, type ValidateFunction } from 'ajv';
import type { ScenarioIssue } from '../errors.js';
import { show } from '../scenario/schema.js';
import { pointerToPath, readableErrors } from '../ajv-errors.js';
import { closest } from '../did-you-mean.js';

/**
 * Request validation. Two Ajv instances: bodies are taken as typed (no "5" for 5, and an unknown
 * field is an error, never silently dropped: a typo must not do nothing), querystrings and path
 * parameters are strings by nature and are coerced. Every problem is reported, not only the first.
 */
const common = { allErrors: true, verbose: true, strict: false, useDefaults: true, removeAdditional: false } as const;
const bodyAjv = new Ajv({ ...common, coerceTypes: false });
const urlAjv = new Ajv({ ...common, coerceTypes: 'array' });

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }): ValidateFunction {
  return (httpPart === 'body' ? bodyAjv : urlAjv).compile(schema);
}

/** The part of an Ajv error the API reads (verbose errors carry data and parentSchema). */
export interface ValidationErrorLike {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, any>;
  message?: string;
  data?: unknown;
  parentSchema?: Record<string, any>;
}

const article = (t: string) => ({ string: 'a string', object: 'an object', array: 'a list', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' })[t] ?? t;

/** Validation errors as issues: source is the request part (body, querystring, params), path the field. */
export function issuesFromValidation(errors: ValidationErrorLike[], context: string): ScenarioIssue[] {
  return readableErrors(errors, describe).map(({ path, message }) => ({ source: context, path: path.join('.'), message }));
}

function describe(e: ValidationErrorLike): { path: string[]; message: string } {
  const path = pointerToPath(e.instancePath);
  const parent = e.parentSchema ?? {};
  const got = 'data' in e ? ` (got ${show(e.data)})` : '';
  switch (e.keyword) {
    case 'required':
      return { path: [...path, e.params.missingProperty], message: 'is required' };
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const guess = closest(key, known);
      return { path: [...path, key], message: `unknown field${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${known.join(', ')})` : ''}` };
    }
    case 'type': {
      const types: string[] = Array.isArray(e.params.type) ? e.params.type : String(e.params.type).split(',');
      return { path, message: `must be ${types.map(article).join(' or ')}${got}` };
    }
    case 'enum':
      return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}` };
    case 'anyOf': {
      const branches = (parent.anyOf ?? []) as Record<string, any>[];
      return { path, message: `must be ${branches.map((b) => b.title ?? article(String(b.type))).join(' or ')}${got}` };
    }
    case 'pattern':
      return { path, message: `must be ${parent['x-expected'] ?? `text matching ${parent.pattern}`}${got}` };
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      return { path, message: `must be ${op} ${e.params.limit}${got}` };
    }
    case 'maxProperties': case 'maxItems':
      return { path, message: `takes at most ${e.params.limit} entries` };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'maxLength':
      return { path, message: `must be at most ${e.params.limit} characters` };
    default:
      return { path, message: `${e.message ?? 'is not valid'}${got}` };
  }
}

