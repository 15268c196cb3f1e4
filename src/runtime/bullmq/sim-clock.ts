/** Simulated hours = origin + wall seconds since the run's start x time scale / 3600. */
export class SimClock {
  constructor(
    readonly simStart: number,
    readonly wallStart: number,
    readonly scale: number,
  ) {}

  now(wall = Date.now()): number {
    return this.simStart + ((wall - this.wallStart) / 1000) * (this.scale / 3600);
  }

  /** Wall clock (ms) at which simulated hour t comes. */
  wallAt(t: number): number {
    return this.wallStart + ((t - this.simStart) * 3600 * 1000) / this.scale;
  }

  /** Wall milliseconds for a simulated duration in hours. */
  wallMs(hours: number): number {
    return (hours * 3600 * 1000) / this.scale;
  }
}
