import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { SimMetrics } from '../metrics/sim-metrics.js';
import { buildServer } from '../api/server.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/**
 * `clearsim serve`: the HTTP API (README, "HTTP API") until SIGTERM/SIGINT, then a graceful stop: runs
 * going are cancelled, the server closes, exit 0. A second signal stops the process at once.
 */
export async function serveCommand(flags: {
  port: number;
  host: string;
  redis: string;
  runMemoryMb?: number;
  maxEvents?: number;
}): Promise<number> {
  const token = process.env.CLEARSIM_TOKEN || undefined;
  const metrics = new SimMetrics();
  const app = buildServer({
    metrics,
    token,
    redisUrl: flags.redis,
    logger: true,
    runMemoryMb: flags.runMemoryMb,
    maxEvents: flags.maxEvents,
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
  process.stderr.write(`clearsim serve: listening on http://${host}:${port} (docs at /docs)\n`);
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
  const going = app.runs.counts().active;
  process.stderr.write(
    `clearsim serve: ${signal}: ${going ? `cancelling ${going} run${going > 1 ? 's' : ''} and ` : ''}closing (again to stop at once)\n`,
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
