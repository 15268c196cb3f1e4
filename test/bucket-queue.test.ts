import { describe, expect, it } from 'vitest';
import { BucketQueue } from '../src/engine/bucket-queue.js';

// A reference: the pending events in a plain array, the earliest by (time, order) found by a scan.
function earliest(pending: [number, number, number][]): number {
  let best = 0;
  for (let i = 1; i < pending.length; i++) {
    const [t, s] = pending[i];
    if (t < pending[best][0] || (t === pending[best][0] && s < pending[best][1])) best = i;
  }
  return best;
}

describe('BucketQueue', () => {
  it('gives events in (time, order) order under random interleaved pushes and shifts, as a sorted list does', () => {
    const span = 50;
    // few buckets and a small pool, so the test passes through every path: a bucket sorted by
    // insertion and one sorted whole (over 24 events), an event into the bucket being served, one
    // before it, empty buckets skipped, the pool grown
    const q = new BucketQueue(span, 16, 4);
    let x = 2024;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pending: [number, number, number][] = [];
    let now = 0;
    let seq = 0;
    let shifted = 0;
    for (let i = 0; i < 40000; i++) {
      const r = rnd();
      if (r < 0.55) {
        const kind = rnd();
        const t =
          kind < 0.1
            ? now // due at once: ties with whatever else is due now
            : kind < 0.2 && pending.length > 0
              ? pending[Math.floor(rnd() * pending.length)][0] // the same time as a pending event
              : kind < 0.3
                ? now + rnd() * 0.01 // in the bucket being served, or before it
                : kind < 0.35
                  ? now + span // the far edge of the span
                  : now + rnd() * span;
        const arg = i;
        q.push(t, seq, arg);
        pending.push([t, seq, arg]);
        seq++;
      } else if (pending.length > 0) {
        const k = earliest(pending);
        const [t, s, a] = pending[k];
        pending.splice(k, 1);
        expect([q.headTime, q.headSeq, q.headArg]).toEqual([t, s, a]);
        q.shift();
        now = t;
        shifted++;
      } else expect(q.headTime).toBe(Infinity);
      expect(q.size).toBe(pending.length);
    }
    // drains in order
    while (pending.length > 0) {
      const k = earliest(pending);
      expect([q.headTime, q.headSeq, q.headArg]).toEqual(pending[k]);
      pending.splice(k, 1);
      q.shift();
    }
    expect(q.headTime).toBe(Infinity);
    expect(q.size).toBe(0);
    expect(shifted).toBeGreaterThan(10000);
  });

  it('sorts a crowded bucket whole, ties in time by order', () => {
    const q = new BucketQueue(10, 4);
    // 100 events in one bucket, 40 of them at one time, pushed in a scrambled order
    const events = Array.from({ length: 100 }, (_, i) => [i < 40 ? 1 : 1 + ((i * 37) % 60) / 100, i] as const);
    const scrambled = [...events].sort((a, b) => ((a[1] * 61) % 100) - ((b[1] * 61) % 100));
    for (const [t, s] of scrambled) q.push(t, s, s);
    const seen: number[] = [];
    while (q.size > 0) {
      seen.push(q.headSeq);
      q.shift();
    }
    expect(seen).toEqual([...events].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[1]));
  });
});
