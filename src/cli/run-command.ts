import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { loadScenarioFile, parseOverride, type Override } from '../scenario/load.js';
import { runEmbedded } from '../runtime/run.js';
import { progressBar } from './progress.js';
import { formatSummary } from './summary.js';

export interface RunFlags {
  seed?: number;
  replications?: number;
  days?: number;
  set: string[];
  json?: boolean;
  out?: string;
  runtime: string;
}

/** Flags that are shorthands for overrides: validated like any other field of the scenario. */
export function overridesFrom(flags: { seed?: number; replications?: number; days?: number; set: string[] }): Override[] {
  const o = flags.set.map(parseOverride);
  if (flags.seed !== undefined) o.push({ path: 'seed', value: flags.seed, text: `--seed ${flags.seed}` });
  if (flags.replications !== undefined) o.push({ path: 'replications', value: flags.replications, text: `--replications ${flags.replications}` });
  if (flags.days !== undefined) o.push({ path: 'horizon.days', value: flags.days, text: `--days ${flags.days}` });
  return o;
}

export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  if (flags.runtime !== 'embedded') throw new UsageError(`--runtime ${flags.runtime}: only the embedded runtime is available in this build`);
  const scenario = loadScenarioFile(file, overridesFrom(flags));
  if (flags.out) {
    // Refuse before the run rather than lose a long run's result at the end.
    try {
      accessSync(dirname(resolve(flags.out)), constants.W_OK);
    } catch (err) {
      throw new UsageError(`--out ${flags.out}: cannot write there (${(err as NodeJS.ErrnoException).code ?? 'not writable'})`);
    }
  }
  const bar = progressBar(scenario.name);
  let report;
  try {
    report = await runEmbedded(scenario, { onProgress: bar ? (x) => bar.update(x) : undefined });
  } finally {
    bar?.stop();
  }
  const json = JSON.stringify(report, null, 2) + '\n';
  if (flags.out) {
    try {
      writeFileSync(flags.out, json);
    } catch (err) {
      throw new UsageError(`--out ${flags.out}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(formatSummary(report) + '\n' + (flags.out ? `\nreport written to ${flags.out}\n` : ''));
  return 0;
}
