import { workerData } from 'node:worker_threads';
import { DrawnShipments } from '../model/drawn-shipments.js';
import { Shipment, ShipmentModel } from '../model/shipment.js';
import { loadScenarioObject } from '../scenario/load.js';
import type { DrawThreadData } from './draw-thread.js';
import { RecordFlag, RingHeader, RingStatus, ShipmentRing } from './shipment-ring.js';

/**
 * A draw thread (DrawThread): draws every task's shipments in order into the ring, waiting while
 * it is full, and ends with a record marking each task's end.
 */
const data = workerData as DrawThreadData;
const ring = new ShipmentRing(data.buffer, data.capacity, data.stride);
const h = ring.header;
let pos = 0;

/** Waits for a free slot at `pos`; false once the reader has closed the ring. */
function room(): boolean {
  for (;;) {
    if (Atomics.load(h, RingHeader.Closed) !== 0) return false;
    const read = Atomics.load(h, RingHeader.Read);
    if (((pos - read) | 0) < data.capacity) return true;
    Atomics.store(h, RingHeader.WriterWaiting, 1);
    Atomics.wait(h, RingHeader.Read, read, 100);
    Atomics.store(h, RingHeader.WriterWaiting, 0);
  }
}

function publish(): void {
  pos = (pos + 1) | 0;
  Atomics.store(h, RingHeader.Written, pos);
  // a reader woken for each record would wait again at once, and each wake costs this thread a
  // futex call: it waits for a batch, and is woken once the batch is written
  if (Atomics.load(h, RingHeader.Waiting) !== 0 && ((pos - Atomics.load(h, RingHeader.WaitFor)) | 0) >= 0)
    Atomics.notify(h, RingHeader.Written);
}

try {
  // each scenario loaded (with its firms) and its model built when its first task comes, once
  const models: (ShipmentModel | undefined)[] = [];
  run: for (let t = 0; t < data.tasks.length; t++) {
    const task = data.tasks[t];
    let model = models[task.scenario];
    if (model === undefined) {
      const src = data.sources[task.scenario];
      model = new ShipmentModel(loadScenarioObject(src.source, src.label));
      models[task.scenario] = model;
    }
    const s = model.scenario;
    const source = new DrawnShipments(s, model, task.replication);
    const sh = new Shipment(s.stages.length);
    const horizon = s.horizonDays * 24;
    let index = 0;
    let id = 0;
    while (source.nextArrival < horizon) {
      if (!room()) break run;
      const kept = source.take(sh, id);
      if (kept) id++;
      ring.write(pos, t, index++, kept ? RecordFlag.Kept : 0, sh);
      publish();
    }
    if (!room()) break;
    sh.arrival = source.nextArrival;
    ring.write(pos, t, index, RecordFlag.End, sh);
    publish();
  }
  Atomics.store(h, RingHeader.Status, RingStatus.Done);
} catch {
  Atomics.store(h, RingHeader.Status, RingStatus.Failed);
}
Atomics.notify(h, RingHeader.Written);
