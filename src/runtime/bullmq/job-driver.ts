import type { ClearanceDriver, ClearanceProcess, Wake } from '../../model/clearance-process.js';
import type { Shipment } from '../../model/shipment.js';
import { FlowWake, type ShipmentJobs } from './shipment-jobs.js';
import type { StepEffect } from './step-script.js';

/**
 * The BullMQ driver's shipment side, shared by the coordinator and the worker processes: each
 * step the clearance process takes becomes a job (a stage queue, a delayed job, the release).
 * The process calls the driver synchronously; the Redis writes it asks for are collected and
 * sent by the caller (`take`): a worker sends them with its job's completion, in one script, so
 * a job completes if and only if its successor is stored.
 *
 * `now`, `hop` and `lag` describe the step being taken; the caller sets them before calling the
 * process. Steps of different jobs interleave only at awaits, never inside a process call.
 */
export class JobDriver implements ClearanceDriver {
  now = 0;
  hop = 0;
  lag = 0;
  protected jobs!: ShipmentJobs;
  private pending: StepEffect[] = [];

  constructor(protected readonly process: ClearanceProcess) {}

  /** Where the steps are written (the run's queues exist only once the run has started). */
  writeTo(jobs: ShipmentJobs): void {
    this.jobs = jobs;
  }

  /** The Redis writes asked for since the last call. */
  take(): StepEffect[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  protected push(e: StepEffect | null): void {
    if (e) this.pending.push(e);
  }

  /** A shipment's own wake (a guarantee delay or findings hold): a delayed job. */
  schedule(t: number, _wake: Wake, sh: Shipment | null, _arg: number): void {
    this.push(this.jobs.flow(sh as Shipment, t, FlowWake.Resume, 0, this.hop, this.lag));
  }

  enqueue(sh: Shipment, stage: number): void {
    if (this.process.isUnlimited(stage)) {
      // a pure delay: no queue, but no service starts while the stage is closed
      const start = this.process.openAt(stage, this.now);
      const d = this.process.startService(sh, stage, start);
      this.push(this.jobs.flow(sh, start + d, FlowWake.ServiceEnd, stage, this.hop, this.lag));
      return;
    }
    this.push(this.jobs.stage(sh, stage, this.hop, this.lag));
  }

  /** Servers and priority are the coordinator's to set; a worker reads them from the run's control hash. */
  setServers(_stage: number, _servers: number): void {}

  setPriority(_on: boolean): void {}

  /** The shipment is in a job, not here: a delayed job wakes it when its goods arrive. */
  awaitGoods(sh: Shipment): void {
    this.push(this.jobs.flow(sh, sh.arrival, FlowWake.GoodsArrived, 0, this.hop, this.lag));
  }

  /** Stored in the run's result stream; the coordinator records it (ClearanceProcess.recordRelease). */
  release(sh: Shipment): void {
    this.push(this.jobs.release(sh, this.now, this.hop, this.lag));
  }
}
