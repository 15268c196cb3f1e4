import { createRequire } from 'node:module';
import { Job, type JobsOptions, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * One Redis round trip per step of a shipment. A step's writes (its successor job, its release)
 * and the completion of the job that took it run in one Lua script, `clearsimStep`: BullMQ's own
 * add and moveToFinished scripts, each wrapped as a function (their `KEYS` and `ARGV` become
 * parameters, so the wrapped text runs unchanged), called in turn from one dispatcher. The
 * arguments are built by BullMQ itself (`Job.addJob` records the call it would make instead of
 * sending it), so job options, priority, delay and the finishing job's lock mean what BullMQ says.
 *
 * Atomicity: when the step completes a job (a worker), the dispatcher first checks that the job's
 * lock is still this worker's; if not (the job stalled and was handed to another worker, or is
 * about to be), it writes none of the step's effects and lets moveToFinished report the lost lock.
 * So a step's successor and release are stored if and only if its job completes.
 */

/** BullMQ's scripts with their `{ name, content, keys }` (this package version's, as BullMQ loads them). */
const scripts = createRequire(import.meta.url)('bullmq/dist/cjs/scripts/index.js') as Record<
  string,
  { name: string; content: string; keys: number }
>;
const WRAPPED = ['addStandardJob', 'addDelayedJob', 'addPrioritizedJob', 'moveToFinished'] as const;
type BullScript = (typeof WRAPPED)[number];

/** Marks the shipment's step released and records it, unless marked already (a retried release). */
const RELEASE_LUA = `function(KEYS, ARGV)
  if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
    redis.call('XADD', KEYS[2], '*', 'r', ARGV[2])
    redis.call('INCR', KEYS[3])
    return 1
  end
  return 0
end`;

/**
 * KEYS[1]: the finishing job's lock key (any key when nothing finishes); then every effect's keys.
 * ARGV[1]: number of effects; ARGV[2]: the finishing job's lock token ('' when nothing finishes);
 * then per effect: its script's name, its number of keys, its number of arguments, its arguments.
 * A moveToFinished effect, when present, is the last; the script returns what it returns.
 * Otherwise it returns every effect's result, in order.
 */
const STEP_LUA = `
local fx = {}
${WRAPPED.map((n) => `fx['${n}'] = function(KEYS, ARGV)\n${scripts[n].content}\nend`).join('\n')}
fx['release'] = ${RELEASE_LUA}
local n = tonumber(ARGV[1])
local token = ARGV[2]
local held = token == '' or redis.call('GET', KEYS[1]) == token
local k, a = 2, 3
local out = {}
for i = 1, n do
  local name, nk, na = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local keys, args = {}, {}
  for j = 1, nk do keys[j] = KEYS[k + j - 1] end
  for j = 1, na do args[j] = ARGV[a + j - 1] end
  k = k + nk
  a = a + na
  if name == 'moveToFinished' then return fx[name](keys, args) end
  if held then out[i] = fx[name](keys, args) else out[i] = 0 end
end
return out
`;

export type StepArg = string | number | Buffer;

/** One write of a step: a BullMQ add (with the keys and arguments BullMQ built) or a release. */
export interface StepEffect {
  script: BullScript | 'release';
  keys: StepArg[];
  args: StepArg[];
}

/** Defines `clearsimStep` on a connection (once). */
export function defineStep(redis: Redis): void {
  if (!(redis as unknown as { clearsimStep?: unknown }).clearsimStep) redis.defineCommand('clearsimStep', { lua: STEP_LUA });
}

/** The effect of `queue.add(name, data, opts)`, not yet sent: BullMQ builds it, `runStep` sends it. */
export function addEffect(queue: Queue, name: string, data: unknown, opts: JobsOptions): StepEffect {
  let effect: StepEffect | null = null;
  const recorder = {
    runCommand(command: string, argv: StepArg[]) {
      const script = command.slice(0, command.indexOf(':')) as BullScript;
      const nk = scripts[script].keys;
      effect = { script, keys: argv.slice(0, nk), args: argv.slice(nk) };
      return Promise.resolve(1);
    },
  };
  const job = new Job(queue, name, data, opts, opts.jobId);
  // the command is recorded synchronously; what it resolves with is the recorder's own
  void (job as unknown as { addJob(c: unknown): Promise<unknown> }).addJob(recorder).catch(() => {});
  if (!effect) throw new Error(`BullMQ ${queue.name}: no add script recorded for job ${opts.jobId}`);
  return effect;
}

/**
 * Sends effects (and, given `finish`, the completion of the job holding `lock` with `token`) as one
 * script call. Without `finish` it resolves with every effect's result; BullMQ's add scripts return
 * a negative code on failure, which is thrown.
 */
export async function runStep(
  redis: Redis,
  effects: StepEffect[],
  finish?: { lock: string; token: string; keys: StepArg[]; args: StepArg[] },
): Promise<unknown> {
  const all = finish ? [...effects, { script: 'moveToFinished' as const, keys: finish.keys, args: finish.args }] : effects;
  const keys: StepArg[] = [finish ? finish.lock : 'clearsim:step'];
  const args: StepArg[] = [all.length, finish ? finish.token : ''];
  for (const e of all) {
    // BullMQ leaves an optional last argument undefined: absent, as it would be sent
    const a = e.args.filter((x) => x !== undefined);
    for (const x of e.keys) keys.push(x);
    args.push(e.script, e.keys.length, a.length);
    for (const x of a) args.push(x);
  }
  const res = await (redis as unknown as { clearsimStep: (...a: unknown[]) => Promise<unknown> }).clearsimStep(
    keys.length,
    ...keys,
    ...args,
  );
  if (!finish)
    for (let i = 0; i < all.length; i++) {
      const r = (res as unknown[])[i];
      if (typeof r === 'number' && r < 0) throw new Error(`BullMQ ${all[i].script} failed with code ${r}`);
    }
  return res;
}
