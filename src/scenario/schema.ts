import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { pointerToPath, readableErrors } from '../ajv-errors.js';
import { closest } from '../did-you-mean.js';

/** The published JSON Schema (scenarios/schema.json): one source for the loader, editors and the API. */
export const SCHEMA_PATH = fileURLToPath(new URL('../../scenarios/schema.json', import.meta.url));
export const scenarioSchema: Record<string, unknown> = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

let validator: ValidateFunction | undefined;

/** Schema errors for a parsed document, each as a dotted path (pointing at the field) and a message. */
export function schemaErrors(data: unknown): { path: string[]; message: string }[] {
  // strictNumbers: YAML's .inf and .nan are numbers to Ajv otherwise, and .nan passes every bound.
  validator ??= new Ajv({ allErrors: true, verbose: true, strict: false, strictNumbers: true }).compile(scenarioSchema);
  if (validator(data)) return [];
  const errors = validator.errors ?? [];
  // A misspelt key is one mistake: its "did you mean" already names the field reported missing.
  const misspelt = new Set(errors.filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath}/${guessFor(e) ?? ''}`));
  return readableErrors(errors, describe, (e) =>
    e.keyword === 'if' || (e.keyword === 'required' && misspelt.has(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`)));
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // JSON would say null
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}


function knownKeys(e: ErrorObject): string[] {
  return Object.keys(((e.parentSchema as Record<string, unknown> | undefined)?.properties as object) ?? {}).filter((k) => k !== '$schema');
}

function guessFor(e: ErrorObject): string | undefined {
  return closest((e.params as { additionalProperty: string }).additionalProperty, knownKeys(e));
}

function describe(e: ErrorObject): { path: string[]; message: string } | undefined {
  const path = pointerToPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const got = `(got ${show(e.data)})`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = knownKeys(e);
      const guess = guessFor(e);
      const hint = guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known keys: ${known.join(', ')})` : '';
      return { path: [...path, key], message: `unknown key${hint}` };
    }
    case 'required':
      return { path: [...path, (e.params as { missingProperty: string }).missingProperty], message: 'is required' };
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
      const lo = parent.minimum ?? parent.exclusiveMinimum;
      const hi = parent.maximum ?? parent.exclusiveMaximum;
      if (lo !== undefined && hi !== undefined) return { path, message: `must be between ${lo} and ${hi} ${got}` };
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      return { path, message: `must be ${op} ${(e.params as { limit: number }).limit} ${got}` };
    }
    case 'type': {
      const t = (e.params as { type: string }).type;
      const what = typeof e.data === 'number' && !Number.isFinite(e.data) ? `a finite ${t}` : t === 'integer' ? 'an integer' : t === 'object' ? 'a mapping (key: value)' : t === 'array' ? 'a list' : `a ${t}`;
      return { path, message: `must be ${what} ${got}` };
    }
    case 'enum':
      return { path, message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')} ${got}` };
    case 'anyOf':
      if (e.schemaPath.startsWith('#/definitions/duration/')) return { path, message: `must be a duration with a unit (90s, 20m, 4h, 2d, 1.5h) or 0 ${got}` };
      if (path[path.length - 1] === 'servers') return { path, message: `must be a whole number >= 1 or "unlimited" ${got}` };
      return { path, message: `is not valid ${got}` };
    case 'minItems': case 'maxItems': {
      const n = Array.isArray(e.data) ? e.data.length : 0;
      if (parent.minItems === parent.maxItems) return { path, message: `must have exactly ${parent.minItems} values (got ${n})` };
      return { path, message: `${e.keyword === 'minItems' ? 'needs at least' : 'takes at most'} ${(e.params as { limit: number }).limit} values (got ${n})` };
    }
    case 'minProperties':
      return { path, message: `must not be empty` };
    case 'propertyNames':
      return undefined; // reported by its pattern error below
    case 'pattern': {
      if (e.propertyName !== undefined || /propertyNames/.test(e.schemaPath)) {
        return { path: [...path, String(e.propertyName ?? e.data)], message: 'names must start with a letter and use letters, digits, _ or -' };
      }
      if (/hours\/properties\/(open|close)/.test(e.schemaPath)) return { path, message: `must be a time of day "HH:MM" ${got}` };
      if (path.join('.') === 'name') return { path, message: `must be letters, digits, ".", "_" or "-" ${got}` };
      return { path, message: `${e.message} ${got}` };
    }
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'uniqueItems':
      return { path, message: 'must not repeat a value' };
    case 'const':
      return { path, message: `must be ${show((e.params as { allowedValue: unknown }).allowedValue)} ${got}` };
    default:
      return { path, message: `${e.message ?? 'is not valid'} ${got}` };
  }
}
