import { writeFileSync } from 'node:fs';
import { toCsv } from '../csv.js';
import { UsageError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import { checkWritable } from './writable.js';

/** --firms FILE: .csv or .jsonl, in a writable directory, for a scenario that has firms. Checked before the run. */
export function checkFirmsFile(file: string, ...scenarios: Scenario[]): void {
  if (!/\.(csv|jsonl)$/i.test(file)) throw new UsageError(`--firms ${file}: give a .csv or .jsonl file`);
  for (const s of scenarios)
    if (!s.population) throw new UsageError(`--firms ${file}: scenario ${s.name} has no firms section, so there are no firms to write`);
  checkWritable('--firms', file);
}

/** One line per firm: CSV with a header, or one JSON object per line. */
export function writeFirmsFile(file: string, rows: Record<string, unknown>[]): void {
  const text = /\.jsonl$/i.test(file) ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : toCsv(rows);
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`--firms ${file}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  process.stderr.write(`clearsim: ${rows.length} firms written to ${file}\n`);
}
