import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AJV_OPTIONS } from '../src/scenario/schema-options.js';

/*
 * The build compiles the scenario schema ahead of time (scripts/write-scenario-validator.mjs) so
 * that `clearsim validate` and `run` do not compile it at start-up. That validator must be the
 * schema's: the same verdicts and the same errors as Ajv compiling scenarios/schema.json here.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, 'scenarios', 'schema.json'), 'utf8'));
const base = parseYaml(readFileSync(join(ROOT, 'scenarios', 'chongqing-2023.yaml'), 'utf8'));

const variants: [string, unknown][] = [
  ['the bundled baseline', base],
  ['a v1 file', parseYaml(readFileSync(join(ROOT, 'test', 'fixtures', 'v1', 'chongqing-2023.yaml'), 'utf8'))],
  ['a misspelt key', { ...base, horizn: base.horizon }],
  ['a negative rate', { ...base, arrivals: { ...base.arrivals, per_day: -5 } }],
  ['NaN', { ...base, seed: Number.NaN }],
  ['a wrong type', { ...base, stages: 'many' }],
  ['empty', {}],
];

describe('the ahead-of-time scenario validator', () => {
  // inside the checkout, so that the generated code finds Ajv's runtime in node_modules
  mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'clearsim-validator-'));
  const file = join(dir, 'scenario-validator.cjs');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'write-scenario-validator.mjs'), file], { encoding: 'utf8' });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written by the build script', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(file)).toBe(true);
  });

  it.each(variants)('judges %s as Ajv compiling the schema does, with the same errors', (_name, doc) => {
    const standalone = createRequire(import.meta.url)(file) as { default: ValidateFunction };
    const compiled = new Ajv(AJV_OPTIONS).compile(schema);
    const a = standalone.default(doc);
    const b = compiled(doc);
    expect(a).toBe(b);
    expect(JSON.stringify(standalone.default.errors ?? null)).toBe(JSON.stringify(compiled.errors ?? null));
  });
});
