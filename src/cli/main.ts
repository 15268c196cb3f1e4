import { Command, CommanderError } from '../vendor/commander.js';
import { ClearsimError } from '../errors.js';
import { DEFAULT_REDIS_URL, DEFAULT_RUN_MEMORY_MB, DEFAULT_TIME_SCALE } from '../runtime/runtimes.js';
import { DEFAULT_MAX_EVENTS } from '../scenario/limits.js';
import { defaultJobs, MAX_JOBS } from '../runtime/replication-pool.js';
import { budgetOption, collect, positiveNumber, runtimeOptions, wholeNumber } from './options.js';
import type { RunFlags } from './run-command.js';
import type { CompareFlags } from './compare-command.js';
import type { SweepFlags } from './sweep-command.js';
import { manyOnly, type ManyFlags } from './compare-many-flags.js';
import type { SensitivityFlags } from './sensitivity-command.js';
import type { OptimizeFlags } from './optimize-command.js';
import type { ServeFlags } from './serve-command.js';
import { formatInteger } from '../format-integer.js';

// Each command's module is imported only when that command runs: `--help` and `validate` must not
// pay for loading BullMQ, fastify, prom-client and the report code (README: an instant CLI).

/** Exit codes: 0 done, 1 run failed, 2 bad input (scenario or flags); a ClearsimError's from the registry (src/errors.ts). */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('clearsim')
    .description('Event-driven customs clearance simulator: AEO vs non-AEO clearance times')
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  const run = program
    .command('run')
    .description('run a scenario and print a summary (or the report JSON with --json)')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--seed <n>', 'override the scenario seed', wholeNumber(0))
    .option('--replications <n>', 'independent replications; >1 adds 95% confidence half-widths', wholeNumber(1, 10000))
    .option('--days <n>', 'override horizon.days', positiveNumber)
    .option('--set <path=value>', 'override any field, e.g. --set tiers.aeo.lanes.red=0.01 (repeatable)', collect, [])
    .option('--json', 'print the report JSON on stdout and nothing else there')
    .option('--out <file>', 'also write the report JSON to a file')
    .option(
      '--time-scale <x>',
      `simulated seconds per wall second: paces an embedded run (live metrics); bullmq default ${DEFAULT_TIME_SCALE}`,
      positiveNumber,
    )
    .option('--serve <port>', 'serve /metrics on this port while the run goes (127.0.0.1)', wholeNumber(1, 65535))
    .option('--trace <file>', 'one row per shipment, streamed to a .csv or .jsonl file')
    .option('--firms <file>', 'one row per firm (tier, declarations, value, clearance, guarantees) to a .csv or .jsonl file')
    .option('--report <file>', 'a self-contained Time Release Study report (.html)')
    .option(
      '--precision <path:goal>',
      "replicate until the 95% half-width of a statistic meets GOAL: '<path>:5%' or '<path>:0.5h' (repeatable)",
      collect,
      [],
    )
    .option('--max-replications <n>', 'with --precision: at most this many replications (default 200)', wholeNumber(2, 10000));
  runtimeOptions(budgetOption(run))
    .exitOverride()
    .action(async (file: string, flags: RunFlags) => {
      code = await (await import('./run-command.js')).runCommand(file, flags);
    });

  const compare = program
    .command('compare')
    .description(
      'paired comparison (common random numbers): <a> <b>, or <a> --set path=value ...; several: <base> <a> <b> ... or --variant',
    )
    .argument('<a>', 'scenario a (with several others: the base)')
    .argument('[b...]', 'scenario b (default: a with the --set overrides); several: each compared with the base a')
    .option('--set <path=value>', 'b = a with these overrides (repeatable)', collect, [])
    .option('--replications <n>', 'replications, paired by seed', wholeNumber(2, 10000), 10)
    .option('--days <n>', 'override horizon.days for both', positiveNumber)
    .option('--json', 'print the comparison JSON on stdout')
    .option('--out <file>', 'also write the comparison JSON to a file')
    .option('--firms <file>', 'one row per firm: its clearance in a and b, hours and money saved (.csv or .jsonl)')
    .option('--report <file>', 'a self-contained HTML report of the differences')
    .option(
      '--variant <name:overrides>',
      "a variant of a to compare with it, e.g. 'night-shift:--set stages.inspection.servers=24' (repeatable)",
      collect,
      [],
    )
    .option(
      '--rank-by <path>',
      'several scenarios: the report statistic they are ranked on (default aeo_vs_non_aeo.non_aeo.clearance_hours.mean)',
    )
    .option('--higher-is-better', 'several scenarios: the highest --rank-by wins (default: the lowest)')
    .option(
      '--precision <path:goal>',
      'replicate until the paired 95% half-width of b - a at a report path meets GOAL (5%, 0.5h; repeatable)',
      collect,
      [],
    )
    .option('--max-replications <n>', 'with --precision: at most this many replications (default 200)', wholeNumber(2, 10000));
  runtimeOptions(budgetOption(compare))
    .exitOverride()
    .action(async (a: string, others: string[], flags: CompareFlags & ManyFlags) => {
      // several scenarios (or --variant): against the base a; one: the paired comparison as ever
      if (others.length > 1 || flags.variant.length > 0)
        code = await (await import('./compare-many-command.js')).compareManyCommand(a, others, flags);
      else code = await (await import('./compare-command.js')).compareCommand(a, others[0], manyOnly(flags));
    });

  const sweep = program
    .command('sweep')
    .description('run a full grid of parameter values with replications per point')
    .argument('<scenario>', 'scenario file')
    .option('--param <path=v1,v2,...>', 'a parameter and its values (repeatable; the grid is every combination)', collect, [])
    .option('--set <path=value>', 'fixed overrides for every point (repeatable)', collect, [])
    .option('--replications <n>', 'replications per point', wholeNumber(1, 10000), 5)
    .option('--days <n>', 'override horizon.days', positiveNumber)
    .option('--json', 'print every point as JSON on stdout')
    .option('--out <file>', "write every point's statistics to a .csv or .json file")
    .option('--report <file>', 'a self-contained HTML report of the sweep')
    .option(
      '--target <expr>',
      "mark the points meeting PATH OP VALUE, e.g. 'disruptions.0.non_aeo.clearance_hours.p90<=48h' (repeatable)",
      collect,
      [],
    )
    .option('--confidence <p>', "confidence of each --target's one-sided verdict", Number, 0.95)
    .option('--replication-rows <file>', 'one row per point and replication (.csv)');
  runtimeOptions(budgetOption(sweep))
    .exitOverride()
    .action(async (file: string, flags: SweepFlags) => {
      code = await (await import('./sweep-command.js')).sweepCommand(file, flags);
    });

  const optimize = program
    .command('optimize')
    .description('the cheapest configuration whose --target expressions all hold with the stated confidence')
    .argument('<scenario>', 'scenario file')
    .option('--vary <path=lo..hi[:cost]>', 'a parameter, its range and the cost of a unit of it (default 1; repeatable)', collect, [])
    .option('--target <expr>', "PATH OP VALUE, e.g. 'disruptions.0.non_aeo.clearance_hours.p90<=48h' (repeatable)", collect, [])
    .option('--confidence <p>', 'confidence of each one-sided test', Number, 0.95)
    .option('--replications <n>', 'replications each candidate starts with (seeds (seed, r), the same for all)', wholeNumber(2, 10000), 5)
    .option('--max-replications <n>', 'replications a candidate close to a target may grow to', wholeNumber(2, 10000), 40)
    .option('--steps <n>', 'steps across the range of a continuous parameter (its resolution)', wholeNumber(1, 10000), 32)
    .option('--set <path=value>', 'fixed overrides for every candidate (repeatable)', collect, [])
    .option('--days <n>', 'override horizon.days', positiveNumber)
    .option('--json', 'print the answer and every candidate as JSON on stdout')
    .option('--out <file>', 'also write the JSON to a .json file')
    .option('--report <file>', 'a self-contained HTML report of the search');
  runtimeOptions(budgetOption(optimize))
    .exitOverride()
    .action(async (file: string, flags: OptimizeFlags) => {
      code = await (await import('./optimize-command.js')).optimizeCommand(file, flags);
    });

  const sensitivity = program
    .command('sensitivity')
    .description('one parameter at a time, low and high, paired with the base: which moves a statistic most (tornado)')
    .argument('<scenario>', 'scenario file')
    .option(
      '--param <path=±20%|path=low,high>',
      'a parameter and its change each way, or its low and high values (repeatable)',
      collect,
      [],
    )
    .option('--stat <path>', 'a report statistic to measure (repeatable; default aeo_vs_non_aeo.non_aeo.clearance_hours.mean)', collect, [])
    .option('--set <path=value>', 'fixed overrides for every run (repeatable)', collect, [])
    .option('--replications <n>', 'replications per run, paired by seed', wholeNumber(2, 10000), 10)
    .option('--days <n>', 'override horizon.days', positiveNumber)
    .option('--json', 'print the result JSON on stdout')
    .option('--out <file>', 'also write the result JSON to a .json file')
    .option('--report <file>', 'a self-contained HTML report with a tornado chart');
  runtimeOptions(budgetOption(sensitivity))
    .exitOverride()
    .action(async (file: string, flags: SensitivityFlags) => {
      code = await (await import('./sensitivity-command.js')).sensitivityCommand(file, flags);
    });

  program
    .command('validate')
    .description('check scenario files; list every problem as file:line path: message')
    .argument('<scenario...>', 'scenario files')
    .option('--set <path=value>', 'apply an override before validating (repeatable)', collect, [])
    .exitOverride()
    .action(async (files: string[], flags: { set: string[] }) => {
      const [{ validateCommand }, { overridesFrom }] = await Promise.all([import('./validate-command.js'), import('./overrides.js')]);
      code = validateCommand(files, overridesFrom(flags));
    });

  program
    .command('worker')
    .description('serve every BullMQ run on a Redis until SIGTERM/SIGINT')
    .option('--redis <url>', 'Redis URL', DEFAULT_REDIS_URL)
    .option('--metrics-port <port>', "serve this process's /metrics on this port", wholeNumber(1, 65535))
    .option('--metrics-host <host>', 'address for --metrics-port', '127.0.0.1')
    .option('--exit-with-parent', 'exit when the process that started this one exits (its stdin closes); for workers started by a run')
    .option(
      '--jobs <n>',
      `distributed replications at a time, each on a worker thread kept up between experiments (default: this machine's ${defaultJobs()} cores; 1 = one at a time on the main thread)`,
      wholeNumber(1, MAX_JOBS),
    )
    .exitOverride()
    .action(async (flags: { redis: string; metricsPort?: number; metricsHost: string; exitWithParent?: boolean; jobs?: number }) => {
      code = await (await import('./worker-command.js')).workerCommand(flags);
    });

  program
    .command('serve')
    .description('the HTTP API: start runs, follow them, /metrics for Prometheus (OpenAPI at /docs)')
    .option('--port <port>', 'port', wholeNumber(0, 65535), 3000)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--redis <url>', 'Redis URL for runs with runtime bullmq or distribute', DEFAULT_REDIS_URL)
    .option(
      '--run-memory-mb <n>',
      `heap of each embedded run's worker thread, MiB (default ${DEFAULT_RUN_MEMORY_MB}); a run needing more fails alone`,
      wholeNumber(32, 65536),
    )
    .option(
      '--max-events <n>',
      `work budget of each run: estimated simulated events over its replications (default ${formatInteger(DEFAULT_MAX_EVENTS)})`,
      wholeNumber(1),
    )
    .option(
      '--store <kind>',
      'where runs are kept: file (a data directory) or redis (the --redis one); default redis when --redis is given',
    )
    .option(
      '--data <dir>',
      'data directory of --store file (default $CLEARSIM_DATA, else $XDG_DATA_HOME/clearsim or ~/.local/share/clearsim)',
    )
    .option('--max-runs <n>', 'finished runs kept (the oldest are dropped; default 200)', wholeNumber(1, 100000))
    .exitOverride()
    .action(async (flags: ServeFlags, cmd: Command) => {
      // --redis named on the command line, not only its default: runs are kept there, and its queues shown
      const redisGiven = cmd.getOptionValueSource('redis') === 'cli';
      code = await (await import('./serve-command.js')).serveCommand({ ...flags, redisGiven });
    });

  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return 2;
    }
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
    }
    // Bad input (exit 2) names what to fix and is all the user needs; anything else is a run that failed.
    if (err instanceof ClearsimError && err.exit === 2) {
      process.stderr.write(`${err.message}\n`);
      return err.exit;
    }
    process.stderr.write(`clearsim: run failed: ${(err as Error).message}\n`);
    if (process.env.CLEARSIM_DEBUG) process.stderr.write(`${String((err as Error).stack)}\n`);
    return err instanceof ClearsimError ? err.exit : 1;
  }
}
