import { cliProgress } from '../vendor/cli-progress.js';

/** A progress bar on stderr, only on a terminal (never in CI logs or when piped). */
export function progressBar(label: string): { update(x: number): void; stop(): void } | null {
  if (!process.stderr.isTTY || process.env.CI) return null;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {duration_formatted} elapsed, ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1000, 0);
  return {
    update: (x: number) => bar.update(Math.round(x * 1000)),
    stop: () => bar.stop(),
  };
}
