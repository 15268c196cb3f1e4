import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/** What docs/report.schema.json describes, by its name in $defs. */
export type ReportKind = 'Report' | 'Comparison' | 'Sweep' | 'SweepFile';

const SCHEMA_FILE = new URL('../../docs/report.schema.json', import.meta.url);
let validators: Map<ReportKind, ValidateFunction> | undefined;

function validator(kind: ReportKind): ValidateFunction {
  if (!validators) {
    const doc = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
    // strict: the published schema must compile cleanly for anyone's Ajv, not only validate here
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addSchema(doc);
    validators = new Map(
      (['Report', 'Comparison', 'Sweep', 'SweepFile'] as const).map((k) => [k, ajv.getSchema(`${doc.$id}#/$defs/${k}`)!]),
    );
  }
  return validators.get(kind)!;
}

/**
 * Validates a document as clearsim writes it (JSON: `json` is round-tripped through
 * JSON.stringify first, so NaN is null as a reader sees it) against the committed
 * docs/report.schema.json. Returns the problems, "path: message" ([] when valid).
 */
export function validateReport(kind: ReportKind, json: unknown): string[] {
  const v = validator(kind);
  const data = typeof json === 'string' ? JSON.parse(json) : JSON.parse(JSON.stringify(json));
  if (v(data)) return [];
  return (v.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`,
  );
}
