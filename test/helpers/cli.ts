import { spawnSync } from 'node:child_process';

/** Runs the built CLI as a user would (bin/clearsim.js on dist/); `npm test` builds first. */
export function clearsim(args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(process.execPath, ['bin/clearsim.js', ...args], {
    cwd: opts.cwd ?? process.cwd(),
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
