#!/usr/bin/env node
// The system packages the test suite calls, in one place: `npm test` runs this first (`pretest`),
// and .ci/run runs it on a clean machine. When every binary is on PATH it prints nothing and exits 0
// (no child process is started, so it adds only Node's start-up to `npm test`). When some are
// missing it installs their Debian/Ubuntu packages with apt-get if it can (as root, or through
// `sudo -n` when sudo needs no password); otherwise it exits 1 with the command to run.
//
//   node scripts/system-packages.mjs            check, install what is missing if it can
//   node scripts/system-packages.mjs --check    check only, never install (also CLEARSIM_NO_INSTALL=1)

import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian package, the binaries the tests run from it, and why the tests need it. */
const PACKAGES = [
  {
    name: 'chromium',
    bins: ['chromium'],
    why: 'headless browser: the HTML report tests open the reports in it (test/live/html-report.test.ts)',
  },
  {
    name: 'prometheus',
    bins: ['prometheus', 'promtool'],
    why: 'a real Prometheus scrapes a paced run (test/live/prometheus.test.ts); promtool checks deploy/prometheus/prometheus.yml and the dashboard queries',
  },
  { name: 'redis-server', bins: ['redis-server', 'redis-cli'], why: 'the BullMQ runtime tests start a private Redis (test/bullmq/)' },
  {
    name: 'docker-compose',
    bins: ['docker-compose'],
    why: 'validates docker-compose.yml (`docker-compose config`; no Docker engine needed)',
  },
];

/** Where the HTML report tests look for Chromium unless CHROMIUM_PATH says otherwise. */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function which(bin) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

/** The packages with a binary missing, and problems no package install fixes. */
function check() {
  const missing = [];
  const problems = [];
  for (const pkg of PACKAGES) {
    if (pkg.name === 'chromium' && process.env.CHROMIUM_PATH) {
      if (!isExecutable(process.env.CHROMIUM_PATH))
        problems.push(
          `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file: point it at Chromium, or unset it to use ${DEFAULT_CHROMIUM}`,
        );
      continue;
    }
    const found = pkg.bins.map(which);
    if (found.some((f) => !f)) {
      missing.push(pkg);
      continue;
    }
    if (pkg.name === 'chromium' && !isExecutable(DEFAULT_CHROMIUM)) {
      problems.push(`chromium is at ${realpathSync(found[0])}, but the tests open ${DEFAULT_CHROMIUM}: export CHROMIUM_PATH=${found[0]}`);
    }
  }
  return { missing, problems };
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** How to run apt-get here, or why it cannot be run. */
function installer(args) {
  if (args.includes('--check') || process.env.CLEARSIM_NO_INSTALL)
    return { reason: 'installing was turned off (--check or CLEARSIM_NO_INSTALL)' };
  if (process.platform !== 'linux' || !which('apt-get'))
    return { reason: 'this system has no apt-get: install the equivalent packages with its package manager' };
  if (isRoot()) return { prefix: [] };
  if (which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return { prefix: ['sudo', '-n'] };
  return { reason: 'installing needs root, and sudo here asks for a password' };
}

/** apt-get, never asking questions: as root directly, else through sudo (which resets the environment, hence `env`). */
function aptGet(prefix, aptArgs) {
  const [cmd, ...rest] = prefix.length
    ? [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...aptArgs]
    : ['apt-get', ...aptArgs];
  const r = spawnSync(cmd, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status ?? 1;
}

function explain(missing, problems, reason) {
  const lines = [];
  if (missing.length) {
    const width = Math.max(...missing.map((p) => p.name.length));
    lines.push('npm test needs system packages that are not installed:');
    for (const p of missing) lines.push(`  ${p.name.padEnd(width)}  ${p.why}`);
    const sudo = isRoot() ? '' : 'sudo ';
    lines.push('On Debian or Ubuntu, install them with:', '');
    lines.push(`  ${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${missing.map((p) => p.name).join(' ')}`, '');
    if (reason) lines.push(`(not installed automatically: ${reason})`);
  }
  for (const p of problems) lines.push(p);
  lines.push('Then run npm test again (scripts/system-packages.mjs checks before every npm test).');
  process.stderr.write(`${lines.join('\n')}\n`);
}

function main(args) {
  let { missing, problems } = check();
  if (!missing.length && !problems.length) return 0;
  if (!missing.length) {
    explain(missing, problems);
    return 1;
  }
  const how = installer(args);
  if (how.reason) {
    explain(missing, problems, how.reason);
    return 1;
  }
  const names = missing.map((p) => p.name);
  process.stderr.write(`installing the system packages the tests need: ${names.join(' ')}\n`);
  let status = aptGet(how.prefix, ['update', '-qq']);
  if (status === 0) status = aptGet(how.prefix, ['install', '-y', '-qq', '--no-install-recommends', ...names]);
  ({ missing, problems } = check());
  if (!missing.length && !problems.length) return 0;
  explain(
    missing,
    problems,
    status === 0 ? 'apt-get installed them, but some binaries are still not on PATH' : `apt-get failed (exit ${status})`,
  );
  return 1;
}

process.exitCode = main(process.argv.slice(2));
