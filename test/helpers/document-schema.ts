import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const SCHEMA_FILE = new URL('../../docs/report.schema.json', import.meta.url);
let ajv: Ajv2020 | undefined;
let id = '';

/**
 * Validates a document against any kind of docs/report.schema.json ($defs name), as a reader of
 * the JSON sees it (round-tripped: NaN is null). Returns the problems ([] when valid).
 */
export function validateDocument(kind: string, json: unknown): string[] {
  if (!ajv) {
    const doc = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
    ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addSchema(doc);
    id = doc.$id;
  }
  const v = ajv.getSchema(`${id}#/$defs/${kind}`) as ValidateFunction | undefined;
  if (!v) return [`no $defs/${kind} in docs/report.schema.json`];
  if (v(JSON.parse(JSON.stringify(json)))) return [];
  return (v.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`,
  );
}
