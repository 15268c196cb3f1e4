import { Ajv, type ValidateFunction } from 'ajv';
import type { ScenarioIssue } from '../errors.js';
import { show } from '../scenario/schema.js';
import { pointerToPath, readableErrors } from '../ajv-errors.js';
import { closest } from '../did-you-mean.js';
import { MAX_ISSUES } from '../scenario/limits.js';

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
  // biome-ignore lint/suspicious/noExplicitAny: each keyword has params of its own
  params: Record<string, any>;
  message?: string;
  data?: unknown;
  // biome-ignore lint/suspicious/noExplicitAny: a schema of any keyword
  parentSchema?: Record<string, any>;
}

const article = (t: string) =>
  ({
    string: 'a string',
    object: 'an object',
    array: 'a list',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  })[t] ?? t;

/** Validation errors as issues: source is the request part (body, querystring, params), path the field. */
export function issuesFromValidation(errors: ValidationErrorLike[], context: string): ScenarioIssue[] {
  const all = readableErrors(errors, describe).map(({ path, message }) => ({ source: context, path: path.join('.'), message }));
  if (all.length <= MAX_ISSUES) return all;
  const more = all.length - MAX_ISSUES;
  return [
    ...all.slice(0, MAX_ISSUES),
    { source: context, path: '', message: `... and ${more} more problem${more === 1 ? '' : 's'} (the first ${MAX_ISSUES} are listed)` },
  ];
}

function describe(e: ValidationErrorLike): { path: string[]; message: string } {
  const path = pointerToPath(e.instancePath);
  const parent = e.parentSchema ?? {};
  // only where a message quotes it: a value can be most of the body
  const got = (): string => ('data' in e ? ` (got ${show(e.data)})` : '');
  switch (e.keyword) {
    case 'required':
      return { path: [...path, e.params.missingProperty], message: 'is required' };
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const guess = closest(key, known);
      return {
        path: [...path, key],
        message: `unknown field${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${known.join(', ')})` : ''}`,
      };
    }
    case 'type': {
      const types: string[] = Array.isArray(e.params.type) ? e.params.type : String(e.params.type).split(',');
      return { path, message: `must be ${types.map(article).join(' or ')}${got()}` };
    }
    case 'enum':
      return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got()}` };
    case 'anyOf': {
      const branches = (parent.anyOf ?? []) as Record<string, unknown>[];
      return { path, message: `must be ${branches.map((b) => b.title ?? article(String(b.type))).join(' or ')}${got()}` };
    }
    case 'pattern':
      return { path, message: `must be ${parent['x-expected'] ?? `text matching ${parent.pattern}`}${got()}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      return { path, message: `must be ${op} ${e.params.limit}${got()}` };
    }
    case 'maxProperties':
    case 'maxItems':
      return { path, message: `takes at most ${e.params.limit} entries` };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'maxLength':
      return { path, message: `must be at most ${e.params.limit} characters` };
    default:
      return { path, message: `${e.message ?? 'is not valid'}${got()}` };
  }
}

/**
 * What JSON.parse lets through but a request must not have: a key given twice in one object
 * (JSON.parse keeps the last, silently; a scenario file's duplicate keys are errors too) and
 * nesting deeper than `maxDepth` (JSON.parse with a reviver recurses once per level: deep enough,
 * it overflows the stack). One linear scan of the text that tells strings from brackets; the
 * depth is found even in text that is not JSON, the first duplicate in text that JSON.parse then
 * accepts. Paths name where, e.g. `scenario.seed`.
 */
export function jsonKeyProblems(
  text: string,
  maxDepth: number,
): { tooDeep?: { path: string; message: string }; duplicate?: { path: string; message: string } } {
  // one frame per open object (its keys so far and the current one) or array (the current index)
  const stack: { keys: Set<string> | null; at: string | number }[] = [];
  const pathOf = (frames: typeof stack) =>
    frames
      .map((f) => String(f.at))
      .filter((s) => s !== '')
      .join('.');
  let duplicate: { path: string; message: string } | undefined;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // "
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
          continue;
        } // backslash
        if (d === 0x22) break;
        j++;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys && !duplicate) {
        let key: string;
        try {
          key = escaped ? JSON.parse(text.slice(i, j + 1)) : text.slice(i + 1, j);
        } catch {
          key = text.slice(i + 1, j); // not JSON: JSON.parse will say where
        }
        if (top.keys.has(key)) {
          const shown = key.length > 60 ? `${key.slice(0, 57)}...` : key;
          const parent = pathOf(stack.slice(0, -1));
          duplicate = {
            path: parent ? `${parent}.${shown}` : shown,
            message: `the key ${JSON.stringify(shown)} is given twice${parent ? ` in ${parent}` : ''} (JSON parsers keep the last one silently; give it once)`,
          };
        }
        top.keys.add(key);
        top.at = key;
      }
      expectKey = false;
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      // { [
      stack.push(c === 0x7b ? { keys: new Set(), at: '' } : { keys: null, at: 0 });
      if (stack.length > maxDepth)
        return { tooDeep: { path: pathOf(stack.slice(0, -1)), message: `nested more than ${maxDepth} levels deep` }, duplicate };
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      // } ]
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      // ,
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.at = (top.at as number) + 1;
    }
  }
  return { duplicate };
}
