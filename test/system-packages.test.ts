import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/system-packages.mjs, which `npm test` runs first (`pretest`) and .ci/run on a clean machine:
// the Debian packages the tests call, checked on PATH, installed with apt-get when it can, or one
// message with the command to run. Each case runs it with a PATH of its own: a directory holding
// `node` and whatever the case puts there, and nothing of this machine's.

const SCRIPT = join(process.cwd(), 'scripts/system-packages.mjs');
const PACKAGES = ['chromium', 'prometheus', 'redis-server', 'docker-compose'];
const BINARIES = ['chromium', 'prometheus', 'promtool', 'redis-server', 'redis-cli', 'docker-compose'];

const root = mkdtempSync(join(tmpdir(), 'clearsim-syspkg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** A fresh directory with only `node` in it, to be the whole PATH. */
function binDir(): string {
  const dir = join(root, `bin${dirs++}`);
  mkdirSync(dir);
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}

/** An executable that appends its arguments (and DEBIAN_FRONTEND) to `log`, then exits with `status`. */
function fake(dir: string, name: string, log: string, status = 0): void {
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!${process.execPath}
require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify([${JSON.stringify(name)}, process.env.DEBIAN_FRONTEND ?? null, ...process.argv.slice(2)]) + '\\n');
process.exit(${status});
`,
  );
  chmodSync(file, 0o755);
}

function script(dir: string, env: Record<string, string> = {}, args: string[] = []) {
  const started = performance.now();
  const r = spawnSync(join(dir, 'node'), [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000, env: { PATH: dir, HOME: root, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

const calls = (log: string): string[][] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];

describe('scripts/system-packages.mjs', () => {
  it('with none of the binaries and no apt-get, exits 1 with the one apt-get command naming all four packages and why each is needed', () => {
    const r = script(binDir());
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/(sudo )?apt-get install -y --no-install-recommends chromium prometheus redis-server docker-compose\n/);
    expect(r.stderr).toContain('no apt-get');
    // one line per package, saying what needs it
    for (const [pkg, why] of [
      ['chromium', 'HTML report'],
      ['prometheus', 'promtool'],
      ['redis-server', 'BullMQ'],
      ['docker-compose', 'docker-compose.yml'],
    ]) {
      expect(r.stderr).toMatch(new RegExp(`^  ${pkg} +.*${why}`, 'm'));
    }
  });

  it('names only the packages whose binaries are missing (prometheus needs both prometheus and promtool)', () => {
    const dir = binDir();
    const log = join(dir, 'calls.log');
    for (const b of ['chromium', 'redis-server', 'redis-cli', 'docker-compose', 'promtool']) fake(dir, b, log);
    const r = script(dir, { CHROMIUM_PATH: join(dir, 'chromium') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/apt-get install -y --no-install-recommends prometheus\n/);
    for (const pkg of PACKAGES.filter((p) => p !== 'prometheus')) expect(r.stderr).not.toMatch(new RegExp(`^  ${pkg} `, 'm'));
    expect(calls(log)).toEqual([]); // checking runs nothing
  });

  it('with everything present, exits 0 at once, silently, and runs nothing', () => {
    const dir = binDir();
    const log = join(dir, 'calls.log');
    for (const b of [...BINARIES, 'apt-get', 'sudo']) fake(dir, b, log);
    const env = { CHROMIUM_PATH: join(dir, 'chromium') };
    script(dir, env); // warm the file cache
    const r = script(dir, env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
    expect(calls(log)).toEqual([]);
    // about Node's own start-up: the check itself starts no process
    const bare = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    expect(r.ms).toBeLessThan(performance.now() - bare + 1000);
  });

  it('as root with apt-get, installs the missing packages non-interactively (update, then install --no-install-recommends)', () => {
    if (process.getuid?.() !== 0) return; // the sudo path needs a real sudo; this machine is not root
    const dir = binDir();
    const log = join(dir, 'calls.log');
    fake(dir, 'apt-get', log);
    const r = script(dir);
    expect(calls(log)).toEqual([
      ['apt-get', 'noninteractive', 'update', '-qq'],
      ['apt-get', 'noninteractive', 'install', '-y', '-qq', '--no-install-recommends', ...PACKAGES],
    ]);
    // this apt-get installed nothing: the check after it says so, with the command
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('still not on PATH');
    expect(r.stderr).toContain(`apt-get install -y --no-install-recommends ${PACKAGES.join(' ')}`);
  });

  it('installs nothing with --check or CLEARSIM_NO_INSTALL, and reports a failing apt-get', () => {
    const dir = binDir();
    const log = join(dir, 'calls.log');
    fake(dir, 'apt-get', log, 100);
    fake(dir, 'sudo', log); // passwordless
    for (const [env, args] of [
      [{}, ['--check']],
      [{ CLEARSIM_NO_INSTALL: '1' }, []],
    ] as const) {
      const r = script(dir, env, [...args]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('installing was turned off');
    }
    expect(calls(log)).toEqual([]);
    if (process.getuid?.() !== 0) return; // not root: the fake sudo would stand in for apt-get
    const r = script(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get failed (exit 100)');
    expect(calls(log)).toEqual([['apt-get', 'noninteractive', 'update', '-qq']]); // no install after a failed update
  });
});
