import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StepCompletions } from '../../src/runtime/bullmq/step-backend.js';
import { addEffect, runStep, StepCall, type StepEffect } from '../../src/runtime/bullmq/step-script.js';

/**
 * The one-round-trip step (step-script.ts, step-backend.ts) on a real Redis: the writes BullMQ
 * records instead of sending are the jobs Queue.add makes; a job completes together with its
 * step's writes, or (its lock lost) neither happens; repeated writes of a step change nothing.
 */
const redisUrl = inject('redisUrl');
const prefix = `clearsim-step-test-${randomBytes(3).toString('hex')}`;
let redis: Redis;
let source: Queue;
let target: Queue;
let worker: Worker;
let completions: StepCompletions;
const resultsKey = `${prefix}:results`;
const countKey = `${prefix}:released`;

const release = (mark: string, rec: string): StepEffect => ({
  script: 'release',
  keys: [`${prefix}:done:${mark}`, resultsKey, countKey],
  args: [600, rec],
});

beforeAll(async () => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const conn = { connection: redis, prefix };
  source = new Queue('source', conn);
  target = new Queue('target', conn);
  completions = new StepCompletions(redis);
  // manual processing: the test takes each job and completes it itself
  worker = new Worker('source', null, { ...conn, lockDuration: 30000 }, completions.factory);
});

afterAll(async () => {
  await worker.close();
  await source.obliterate({ force: true });
  await target.obliterate({ force: true });
  await source.close();
  await target.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('a step in one script', () => {
  it('adds the jobs Queue.add would: waiting, delayed, prioritized, with their data and options', async () => {
    const res = await runStep(redis, [
      addEffect(target, 'service', { n: 1 }, { jobId: 'a1', attempts: 50, backoff: { type: 'fixed', delay: 250 } }),
      addEffect(target, 'service', { n: 2 }, { jobId: 'a2', delay: 60_000 }),
      addEffect(target, 'service', { n: 3 }, { jobId: 'a3', priority: 2 }),
    ]);
    expect(res).toEqual(['a1', 'a2', 'a3']);
    expect(await target.getJobState('a1')).toBe('waiting');
    expect(await target.getJobState('a2')).toBe('delayed');
    expect(await target.getJobState('a3')).toBe('prioritized');
    const a1 = (await Job.fromId(target, 'a1'))!;
    expect(a1.data).toEqual({ n: 1 });
    expect(a1.opts.attempts).toBe(50);
    expect(a1.opts.backoff).toEqual({ type: 'fixed', delay: 250 });
    expect((await Job.fromId(target, 'a3'))!.opts.priority).toBe(2);
  });

  it('re-adding a job id and repeating a release write nothing more', async () => {
    const before = await redis.xlen(resultsKey);
    for (let i = 0; i < 3; i++)
      await runStep(redis, [addEffect(target, 'service', { n: 4 + i }, { jobId: 'dup' }), release('dup.1', `rec ${i}`)]);
    expect((await Job.fromId(target, 'dup'))!.data).toEqual({ n: 4 });
    expect(await redis.xlen(resultsKey)).toBe(before + 1);
    const [[, fields]] = await redis.xrevrange(resultsKey, '+', '-', 'COUNT', 1);
    expect(fields).toEqual(['r', 'rec 0']);
  });

  it('completes a job together with its successor and its release, in one call', async () => {
    await source.add('service', { n: 10 }, { jobId: 'ok' });
    const token = 'token-ok';
    const job = (await worker.getNextJob(token))!;
    expect(job.id).toBe('ok');
    const released = await redis.xlen(resultsKey);
    completions.leave(job, [addEffect(target, 'service', { n: 11 }, { jobId: 'ok-next' }), release('ok.1', 'released ok')]);
    await job.moveToCompleted(undefined, token, false);
    expect(await source.getJobState('ok')).toBe('completed');
    expect(await target.getJobState('ok-next')).toBe('waiting');
    expect(await redis.xlen(resultsKey)).toBe(released + 1);
  });

  it('writes none of a step whose job lost its lock, and the completion fails', async () => {
    await source.add('service', { n: 20 }, { jobId: 'lost' });
    const token = 'token-lost';
    const job = (await worker.getNextJob(token))!;
    expect(job.id).toBe('lost');
    // as after a stall: the job was handed to another worker, whose lock it now holds
    await redis.set(`${prefix}:source:lost:lock`, 'another-worker');
    const released = await redis.xlen(resultsKey);
    completions.leave(job, [addEffect(target, 'service', { n: 21 }, { jobId: 'lost-next' }), release('lost.1', 'released lost')]);
    await expect(job.moveToCompleted(undefined, token, false)).rejects.toThrow(/lock/i);
    expect(await source.getJobState('lost')).toBe('active');
    expect(await target.getJobState('lost-next')).toBe('unknown');
    expect(await redis.xlen(resultsKey)).toBe(released);
    expect(await redis.exists(`${prefix}:done:lost.1`)).toBe(0);
  });

  it('completes a job that left no step as BullMQ does', async () => {
    await source.add('service', { n: 30 }, { jobId: 'plain' });
    const job = (await worker.getNextJob('token-plain'))!;
    await job.moveToCompleted('done', 'token-plain', false);
    expect(await source.getJobState('plain')).toBe('completed');
    expect((await Job.fromId(source, 'plain'))!.returnvalue).toBe('done');
  });

  it('runs on a Redis that has forgotten the script (SCRIPT FLUSH): by its text, then by its SHA again', async () => {
    await redis.script('FLUSH');
    await runStep(redis, [addEffect(target, 'service', { n: 40 }, { jobId: 'flushed' })]);
    expect((await Job.fromId(target, 'flushed'))!.data).toEqual({ n: 40 });
    await runStep(redis, [addEffect(target, 'service', { n: 41 }, { jobId: 'flushed-2' })]);
    expect(await target.getJobState('flushed-2')).toBe('waiting');
  });
});

describe('StepCall', () => {
  it("writes the bytes ioredis's own command writes, whatever mix of strings, numbers and Buffers", () => {
    const { Command } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    const bytes = (w: string | Buffer) => (typeof w === 'string' ? Buffer.from(w) : w);
    const cases: (string | number | Buffer)[][] = [
      ['sha', 2, 'k1', 'k2', 'plain', 'strings'],
      ['sha', 1, 'clé:desk', Buffer.from([0x82, 0xa1, 0x61, 0xc0, 0xff]), 'après', 3.25, Buffer.alloc(0), ''],
      [Buffer.from([1, 2, 3]), 'a', Buffer.from('b'), Buffer.from([0xc3])],
      ['通关', 0, -1.5e-7],
    ];
    for (const args of cases) {
      const mine = new StepCall('evalsha', [...args]).toWritable();
      const theirs = new Command('evalsha', [...args]).toWritable(null as never);
      expect(bytes(mine).equals(bytes(theirs)), JSON.stringify(args)).toBe(true);
    }
  });
});
