import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { SimMetrics } from '../metrics/sim-metrics.js';
import { buildServer } from '../api/server.js';
import { defaultDataDir, FileStore } from '../api/store/file-store.js';
import { RedisStore } from '../api/store/redis-store.js';
import type { RunStore } from '../api/store/run-store.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/**
 * `clearsim serve`: the HTTP API (README, "HTTP API") until SIGTERM/SIGINT, then a graceful stop: runs
 * going are stopped (kept as interrupted), the server closes, exit 0. A second signal stops the process at once.
 */
export interface ServeFlags {
  port: number;
  host: string;
  redis: string;
  runMemoryMb?: number;
  maxEvents?: number;
  /** Where runs are kept: a data directory (file) or the Redis (default: redis when --redis was given, else file). */
  store?: string;
  data?: string;
  maxRuns?: number;
  /** --redis was given on the command line (not only its default). */
  redisGiven?: boolean;
}

export async function serveCommand(flags: ServeFlags): Promise<number> {
  const token = process.env.CLEARSIM_TOKEN || undefined;
  const metrics = new SimMetrics();
  const kind = flags.store ?? (flags.redisGiven ? 'redis' : 'file');
  if (kind !== 'file' && kind !== 'redis') throw new UsageError(`clearsim serve: --store ${kind}: must be file or redis`);
  if (kind === 'redis' && flags.data)
    throw new UsageError('clearsim serve: --data is for --store file; with --store redis the runs are kept in the Redis of --redis');
  const store: RunStore = kind === 'redis' ? new RedisStore(flags.redis) : new FileStore(flags.data ?? defaultDataDir());
  const app = buildServer({
    metrics,
    token,
    redisUrl: flags.redis,
    logger: true,
    runMemoryMb: flags.runMemoryMb,
    maxEvents: flags.maxEvents,
    store,
    maxFinishedRuns: flags.maxRuns,
    // the operators' view of a Redis the user named (not of the default URL, which may be nobody's)
    queuesBoard: !!flags.redisGiven || kind === 'redis',
  });
  try {
    await app.listen({ port: flags.port, host: flags.host });
  } catch (err) {
    // The listen error is the one to report; a failure to close what never listened would only hide it.
    await app.close().catch(() => {});
    throw listenError(err as NodeJS.ErrnoException, flags);
  }
  const { port } = app.server.address() as AddressInfo;
  const host = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
  // one write: whoever reads "listening" has the line of the store too
  process.stderr.write(
    `clearsim serve: listening on http://${host}:${port} (docs at /docs)\nclearsim serve: runs kept in ${store.where}\n`,
  );
  if (token) process.stderr.write('clearsim serve: the /runs routes need Authorization: Bearer $CLEARSIM_TOKEN\n');
  else if (!LOOPBACK.test(flags.host))
    process.stderr.write(
      `clearsim serve: warning: listening on ${flags.host} without CLEARSIM_TOKEN: anyone who reaches this port can start and cancel runs\n`,
    );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(sig);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  const going = app.runs.going;
  process.stderr.write(
    `clearsim serve: ${signal}: ${going ? `stopping ${going} run${going > 1 ? 's' : ''} (kept as interrupted) and ` : ''}closing (again to stop at once)\n`,
  );
  await app.close();
  process.stderr.write('clearsim serve: closed\n');
  return 0;
}

function listenError(err: NodeJS.ErrnoException, flags: { port: number; host: string }): Error {
  const where = `${flags.host}:${flags.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new UsageError(
        `clearsim serve: port ${flags.port} is already in use on ${flags.host}: stop what is using it or choose another with --port`,
      );
    case 'EACCES':
      return new UsageError(
        `clearsim serve: not allowed to listen on ${where} (ports below 1024 need privileges): choose another with --port`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UsageError(`clearsim serve: cannot listen on ${flags.host}: not an address of this machine (--host)`);
    default:
      return err;
  }
}
