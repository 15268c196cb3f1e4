import { InvalidArgumentError, Option, type Command } from 'commander';

/** Where the BullMQ runtime and workers find Redis unless told. */
export const DEFAULT_REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

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

/** --runtime, --redis and --workers, as run, compare and sweep take them. */
export function runtimeOptions(cmd: Command, runtimeHelp: string): Command {
  return cmd
    .addOption(new Option('--runtime <name>', runtimeHelp).choices(['embedded', 'bullmq']).default('embedded'))
    .option('--redis <url>', 'bullmq: Redis URL', DEFAULT_REDIS)
    .option('--workers <n>', 'bullmq: local worker processes to start (0 = use `clearsim worker` processes started elsewhere)', wholeNumber(0, 256), 2);
}
