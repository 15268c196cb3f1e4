#!/usr/bin/env node
// Writes docs/report.schema.json from the TypeBox schemas in src/stats/report-schema.ts (built to
// dist/ first: `npm run schema`). test/report-schema.test.ts fails when the file is not what this writes.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportSchemaDocument, reportSchemaText } from '../dist/stats/report-schema.js';

const out = fileURLToPath(new URL('../docs/report.schema.json', import.meta.url));
writeFileSync(out, reportSchemaText(reportSchemaDocument()));
process.stdout.write(`wrote ${out}\n`);
