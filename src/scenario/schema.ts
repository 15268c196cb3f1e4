import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { pointerToPath, readableErrors } from '../ajv-errors.js';
import { closest } from '../did-you-mean.js';
import { AJV_OPTIONS } from './schema-options.js';

/** The published JSON Schema (scenarios/schema.json): one source for the loader, editors and the API. */
export const SCHEMA_PATH = fileURLToPath(new URL('../../scenarios/schema.json', import.meta.url));
export const scenarioSchema: Record<string, unknown> = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

let validator: ValidateFunction | undefined;

/**
 * The schema's validator: compiled ahead of time by the build (scripts/write-scenario-validator.mjs)
 * when that file is beside this one, else compiled here with the same options.
 */
function compiledValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  try {
    const mod = require('./scenario-validator.cjs') as { default?: ValidateFunction } & ValidateFunction;
    return mod.default ?? mod;
  } catch {
    // Ajv itself (63 files) is loaded only here, where there is no compiled validator
    const { Ajv } = require('ajv') as { Ajv: typeof AjvClass };
    return new Ajv(AJV_OPTIONS).compile(scenarioSchema);
  }
}

export interface SchemaCheck {
  /** Readable problems, each once: a dotted path (pointing at the field) and a message. */
  errors: { path: string[]; message: string }[];
  /**
   * Every field the schema found fault with, as paths (a missing or unknown key's own path), the
   * ones not worth a message too (a failed `if`): a check across fields skips those it would
   * read from a field that is itself wrong.
   */
  invalid: string[][];
}

/** Checks a parsed document against the schema. Linear in the document and in the errors. */
export function schemaCheck(data: unknown): SchemaCheck {
  validator ??= compiledValidator();
  if (validator(data)) return { errors: [], invalid: [] };
  const errors = validator.errors ?? [];
  const invalid = errors.map((e) => {
    const path = pointerToPath(e.instancePath);
    const p = e.params as { additionalProperty?: string; missingProperty?: string; propertyName?: string };
    const key = p.additionalProperty ?? p.missingProperty ?? e.propertyName;
    return key === undefined ? path : [...path, key];
  });
  // A misspelt key is one mistake: its "did you mean" already names the field reported missing.
  const misspelt = new Set(errors.filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath}/${guessFor(e) ?? ''}`));
  return {
    errors: readableErrors(
      errors,
      describe,
      (e) =>
        e.keyword === 'if' ||
        (e.keyword === 'required' && misspelt.has(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`)),
    ),
    invalid,
  };
}

/** Schema errors for a parsed document, each as a dotted path (pointing at the field) and a message. */
export function schemaErrors(data: unknown): { path: string[]; message: string }[] {
  return schemaCheck(data).errors;
}

const SHOW_MAX = 60;

/**
 * A value as a message quotes it: JSON, but NaN and Infinity by name, and cut to about 60
 * characters without serialising more of a large value than that (a message about one field of
 * a huge document must not cost the whole document).
 */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = preview(v, SHOW_MAX + 1, 0);
  return s.length > SHOW_MAX ? `${s.slice(0, SHOW_MAX - 3)}...` : s;
}

function preview(v: unknown, room: number, depth: number): string {
  if (typeof v === 'string') return JSON.stringify(v.length > room ? v.slice(0, room) : v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : String(v); // JSON would say null
  if (v === null || typeof v !== 'object') return String(JSON.stringify(v) ?? v);
  const list = Array.isArray(v);
  if (depth > 8) return list ? '[...]' : '{...}';
  let out = list ? '[' : '{';
  let n = 0;
  const add = (text: string) => {
    out += (n++ ? ',' : '') + text;
    return out.length > room;
  };
  if (list) {
    for (const item of v) if (add(preview(item, room - out.length, depth + 1))) return out;
  } else {
    // for...in stops where the message is long enough; Object.keys would list every key first
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      if (add(`${JSON.stringify(k)}:${preview((v as Record<string, unknown>)[k], room - out.length, depth + 1)}`)) return out;
    }
  }
  return out + (list ? ']' : '}');
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
  // only where a message quotes it: a value can be a large part of the document
  const got = () => `(got ${show(e.data)})`;
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
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      // a probability reads best as its range; elsewhere the side that was crossed (the other may be a far limit)
      if (parent.minimum === 0 && parent.maximum === 1) return { path, message: `must be between 0 and 1 ${got()}` };
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      return { path, message: `must be ${op} ${(e.params as { limit: number }).limit} ${got()}` };
    }
    case 'type': {
      const t = (e.params as { type: string }).type;
      const numeric = t === 'number' || t === 'integer';
      const what =
        numeric && typeof e.data === 'number' && !Number.isFinite(e.data)
          ? `a finite ${t}`
          : t === 'integer'
            ? 'an integer'
            : t === 'object'
              ? 'a mapping (key: value)'
              : t === 'array'
                ? 'a list'
                : `a ${t}`;
      return { path, message: `must be ${what} ${got()}` };
    }
    case 'enum':
      return { path, message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')} ${got()}` };
    case 'anyOf':
      if (e.schemaPath.startsWith('#/definitions/duration/')) {
        if (typeof e.data === 'string' && /^\s*\d+(\.\d+)?\s*(s|m|h|d)\s*$/.test(e.data)) {
          return {
            path,
            message: `must be a duration of at most 9 digits before the point and 9 after (at most 10 years, 3650d) ${got()}`,
          };
        }
        return { path, message: `must be a duration with a unit (90s, 20m, 4h, 2d, 1.5h) or 0 ${got()}` };
      }
      if (path[path.length - 1] === 'servers') {
        if (typeof e.data === 'number' && Number.isInteger(e.data) && e.data > 1_000_000)
          return { path, message: `must be at most 1000000 servers, or "unlimited" ${got()}` };
        return { path, message: `must be a whole number >= 1 or "unlimited" ${got()}` };
      }
      return { path, message: `is not valid ${got()}` };
    case 'minItems':
    case 'maxItems': {
      const n = Array.isArray(e.data) ? e.data.length : 0;
      if (parent.minItems === parent.maxItems) return { path, message: `must have exactly ${parent.minItems} values (got ${n})` };
      return {
        path,
        message: `${e.keyword === 'minItems' ? 'needs at least' : 'takes at most'} ${(e.params as { limit: number }).limit} values (got ${n})`,
      };
    }
    case 'minProperties':
      return { path, message: `must not be empty` };
    case 'maxProperties': {
      let n = 0;
      for (const k in e.data as object) if (Object.hasOwn(e.data as object, k)) n++;
      return { path, message: `takes at most ${(e.params as { limit: number }).limit} entries (got ${n})` };
    }
    case 'propertyNames':
      return undefined; // reported by its pattern or length error below
    case 'pattern': {
      if (e.propertyName !== undefined || /propertyNames/.test(e.schemaPath)) {
        return {
          path: [...path, String(e.propertyName ?? e.data)],
          message: 'names must start with a letter and use letters, digits, _ or -',
        };
      }
      if (/hours\/properties\/(open|close)/.test(e.schemaPath)) return { path, message: `must be a time of day "HH:MM" ${got()}` };
      if (path.join('.') === 'name') return { path, message: `must be letters, digits, ".", "_" or "-" ${got()}` };
      return { path, message: `${e.message} ${got()}` };
    }
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'maxLength': {
      const limit = (e.params as { limit: number }).limit;
      const n = typeof e.data === 'string' ? e.data.length : 0;
      if (e.propertyName !== undefined || /propertyNames/.test(e.schemaPath))
        return { path: [...path, String(e.propertyName ?? e.data)], message: `names take at most ${limit} characters (got ${n})` };
      return { path, message: `takes at most ${limit} characters (got ${n})` };
    }
    case 'uniqueItems':
      return { path, message: 'must not repeat a value' };
    case 'const':
      return { path, message: `must be ${show((e.params as { allowedValue: unknown }).allowedValue)} ${got()}` };
    default:
      return { path, message: `${e.message ?? 'is not valid'} ${got()}` };
  }
}
