import { DEFAULT_MAX_EVENTS } from '../scenario/limits.js';
import { InvalidArgumentError, Option, type Command } from '../vendor/commander.js';
import { UsageError } from '../errors.js';
import { DEFAULT_WORKERS, MAX_WORKERS, RUNTIMES, type RuntimeName } from '../runtime/runtimes.js';
import type { Runner } from '../experiments/replicate.js';
import { defaultJobs, MAX_JOBS } from '../runtime/replication-pool.js';
import { formatInteger } from '../format-integer.js';

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`must be a whole number >= ${min}.`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}.`);
    return n;
  };
}

export function positiveNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0.');
  return n;
}

export function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/** The commands that run replications of their own (besides `run`): their flags name them in messages. */
export type ExperimentCommand = 'compare' | 'sweep' | 'optimize' | 'sensitivity';

/** The flags that choose a runtime, as run, compare and sweep take them (undefined: not given). */
export interface RuntimeFlags {
  runtime: string;
  distribute?: boolean;
  redis?: string;
  workers?: number;
  /** run only */
  timeScale?: number;
  /** Worker threads for embedded replications (--jobs; undefined: as many as the work pays for). */
  jobs?: number;
}

/**
 * --runtime, --distribute, --redis and --workers, the same flags with the same help in run,
 * compare and sweep. --redis and --workers have no commander default, so that giving them where
 * they mean nothing is an error; the registry fills in its defaults.
 */
export function runtimeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--runtime <name>',
        `where each replication is simulated: embedded (${RUNTIMES.embedded.description}) or bullmq (${RUNTIMES.bullmq.description}); compare and sweep read bullmq as the old spelling of --distribute`,
      )
        .choices(['embedded', 'bullmq'])
        .default('embedded'),
    )
    .option(
      '--distribute',
      `run the replications as jobs on \`clearsim worker\` processes, each on the embedded engine (needs Redis: --redis, --workers)`,
    )
    .option(
      '--jobs <n>',
      `embedded replications on n worker threads at once, the same reports as one after another (default: up to this machine's ${defaultJobs()} cores, one per ~3 million simulated events, and a thread that draws the shipments ahead when they run one at a time; 1 = one after another on this one thread)`,
      wholeNumber(1, MAX_JOBS),
    )
    .option('--redis <url>', 'Redis URL for --distribute and run --runtime bullmq (default: $REDIS_URL, else redis://127.0.0.1:6379)')
    .option(
      '--workers <n>',
      `worker processes to start here for --distribute and run --runtime bullmq, at most ${MAX_WORKERS} (default ${DEFAULT_WORKERS}; 0 = use \`clearsim worker\` processes started elsewhere)`,
      wholeNumber(0, MAX_WORKERS),
    );
}

/**
 * The registry's runtime that a command's flags name, or a UsageError naming the flags that do
 * not go together. compare and sweep used to spell --distribute `--runtime bullmq`: that still
 * works, with a note on stderr.
 */
export function runtimeFromFlags(command: ExperimentCommand | 'run', flags: RuntimeFlags): RuntimeName {
  let name: RuntimeName;
  if (flags.distribute && flags.runtime === 'bullmq') {
    throw new UsageError(
      `--distribute with --runtime bullmq: --distribute runs each replication on the embedded engine inside the workers; drop --runtime bullmq${command === 'run' ? ' (or drop --distribute for stage queues on Redis)' : ''}`,
    );
  } else if (flags.distribute) {
    name = 'distributed';
  } else if (flags.runtime === 'bullmq' && command !== 'run') {
    process.stderr.write(
      `clearsim: note: \`${command} --runtime bullmq\` is now spelt \`${command} --distribute\` (replications as jobs on \`clearsim worker\` processes)\n`,
    );
    name = 'distributed';
  } else {
    name = flags.runtime === 'bullmq' ? 'bullmq' : 'embedded';
  }
  const rt = RUNTIMES[name];
  const takers = command === 'run' ? '--distribute or --runtime bullmq' : '--distribute';
  for (const [flag, v, takes] of [
    ['--redis', flags.redis, rt.needsRedis],
    ['--workers', flags.workers, rt.workers !== null],
  ] as const) {
    if (v !== undefined && !takes) throw new UsageError(`${flag}: only with ${takers} (this ${command} runs here, on the embedded engine)`);
  }
  if (flags.jobs !== undefined && name !== 'embedded')
    throw new UsageError(
      `--jobs: threads for replications on the embedded engine here; with ${name === 'bullmq' ? '--runtime bullmq' : '--distribute'} the workers run them (--workers)`,
    );
  if (flags.timeScale !== undefined && !rt.timeScale) {
    throw new UsageError('--time-scale with --distribute: distributed replications run as fast as the workers go; drop --time-scale');
  }
  return name;
}

/** --max-events, as run, compare and sweep take it: the work budget of src/scenario/work-estimate.ts. */
export function budgetOption(cmd: Command): Command {
  return cmd.option(
    '--max-events <n>',
    `refuse a run whose estimated simulated events (all replications) exceed n (default ${formatInteger(DEFAULT_MAX_EVENTS)}; clearsim validate prints the estimate)`,
    wholeNumber(1),
  );
}

/** The flags compare and sweep share: what to run, how often, and where the results go. */
export interface ExperimentFlags extends RuntimeFlags {
  set: string[];
  replications: number;
  days?: number;
  json?: boolean;
  out?: string;
  report?: string;
  maxEvents?: number;
  /** compare only: one row per firm. */
  firms?: string;
}

/** Where an experiment's replications run, from --distribute (or the old --runtime bullmq), --redis, --workers. */
export function runnerOf(command: ExperimentCommand, flags: RuntimeFlags): Runner {
  return runtimeFromFlags(command, flags) === 'distributed'
    ? { distribute: true, redisUrl: flags.redis, workers: flags.workers }
    : { jobs: flags.jobs ?? 'auto' };
}
