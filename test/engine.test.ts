import { describe, expect, it } from 'vitest';
import { Calendar } from '../src/engine/calendar.js';
import { Resource } from '../src/engine/resource.js';

describe('Calendar', () => {
  it('pops in time order, ties in scheduling order, through growth', () => {
    const cal = new Calendar<string>(2);
    const times = [5, 1, 3, 1, 5, 0, 3, 1];
    times.forEach((t, i) => cal.schedule(t, 0, `e${i}`, i));
    const seen: [number, number][] = [];
    while (cal.pop()) seen.push([cal.now, cal.arg]);
    const expected = times.map((t, i) => [t, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(seen).toEqual(expected);
    expect(cal.popped).toBe(times.length);
    expect(cal.peekTime()).toBe(Infinity);
  });

  it('stays ordered under random interleaved schedule and pop', () => {
    const cal = new Calendar<null>(4);
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let last = -Infinity;
    for (let i = 0; i < 20000; i++) {
      if (rnd() < 0.55) cal.schedule(last === -Infinity ? rnd() : last + rnd() * 10, 0, null);
      else if (cal.pop()) { expect(cal.now).toBeGreaterThanOrEqual(last); last = cal.now; }
    }
  });
});

describe('Resource', () => {
  const item = () => ({ queueSeq: 0 });

  it('serves by class when priority is on and FIFO across classes when off', () => {
    const r = new Resource<{ queueSeq: number; name?: string }>('desk', 2, 1, 0, 100, 0);
    const a = { ...item(), name: 'low-1' }, b = { ...item(), name: 'high-1' }, c = { ...item(), name: 'low-2' };
    r.enqueue(a, 1, 0); r.enqueue(b, 0, 1); r.enqueue(c, 1, 2);
    expect(r.dequeue(3)?.name).toBe('low-1'); // FIFO
    r.priority = true;
    expect(r.dequeue(3)?.name).toBe('high-1');
    expect(r.dequeue(3)?.name).toBe('low-2');
    expect(r.dequeue(3)).toBeUndefined();
  });

  it('integrates queue, busy and available server-time over its window only', () => {
    const r = new Resource<{ queueSeq: number }>('desk', 1, 2, 10, 20, 0);
    r.startService(0); r.startService(0); // both busy from 0
    r.enqueue(item(), 0, 5);               // queue 1 from 5
    r.setCapacity(0, 15);                  // closes at 15: still busy, available = busy
    r.advance(30);
    expect(r.busyArea).toBeCloseTo(20, 12);      // 2 busy x 10 h in [10, 20)
    expect(r.availableArea).toBeCloseTo(20, 12); // max(capacity, busy) = 2
    expect(r.queueArea).toBeCloseTo(10, 12);
    expect(r.totalQueueArea).toBeCloseTo(25, 12); // whole run: queue 1 from 5 to 30
    expect(r.maxQueue).toBe(1);
  });
});
