import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts a private redis-server (no persistence, noeviction, hz 100 for ms-precise delayed jobs). */
export async function startRedis(): Promise<{ url: string; port: number; proc: ChildProcess; stop: () => Promise<void> }> {
  if (spawnSync('redis-server', ['--version']).status !== 0)
    throw new Error('redis-server is not on PATH: install it (apt-get install redis-server) or set REDIS_URL');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'clearsim-redis-'));
  const proc = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--hz',
      '100',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') {
      return {
        url,
        port,
        proc,
        stop: () =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null || proc.signalCode !== null) {
              rmSync(dir, { recursive: true, force: true });
              return resolve();
            }
            proc.once('exit', () => {
              rmSync(dir, { recursive: true, force: true });
              resolve();
            });
            proc.kill('SIGTERM');
          }),
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

/** vitest globalSetup: one private Redis for the whole run, unless REDIS_URL names one. */
export default async function setup(project: TestProject) {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  const r = await startRedis();
  project.provide('redisUrl', r.url);
  return async () => {
    await r.stop();
  };
}
