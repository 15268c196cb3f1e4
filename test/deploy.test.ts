import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SimMetrics } from '../src/metrics/sim-metrics.js';
import { runReplication } from '../src/runtime/run.js';
import { loadScenarioFile, parseOverride } from '../src/scenario/load.js';

// The deployable stack (README, "The stack"): docker-compose.yml, the Dockerfile, and deploy/ (Prometheus
// scrape config, Grafana provisioning and the clearsim dashboard). Nothing here starts a container:
// the files are checked with the tools that read them (promtool, docker-compose) and against the
// metrics a real run exposes.

const PROMETHEUS_CONFIG = 'deploy/prometheus/prometheus.yml';
const DATASOURCES = 'deploy/grafana/provisioning/datasources/prometheus.yml';
const DASHBOARD_PROVIDERS = 'deploy/grafana/provisioning/dashboards/clearsim.yml';
const DASHBOARD = 'deploy/grafana/dashboards/clearsim.json';

const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
const services = compose.services;

/** `--flag value` from a command list. */
function flag(cmd: string[], name: string): string | undefined {
  const i = cmd.indexOf(name);
  return i >= 0 ? cmd[i + 1] : undefined;
}

/** A compose environment (list or map form) as a map; a bare name (pass-through) maps to null. */
function envOf(svc: { environment?: string[] | Record<string, unknown> }): Record<string, unknown> {
  const env = svc.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((e) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null])));
}

/** Short volume syntax `host:container[:mode]` as {host, container}. */
function mounts(svc: { volumes?: string[] }): { host: string; container: string }[] {
  return (svc.volumes ?? []).map((v) => {
    const [host, container] = v.split(':');
    return { host, container };
  });
}

function mountOf(svc: { volumes?: string[] }, host: string): string {
  const m = mounts(svc).find((x) => x.host.replace(/^\.\//, '').replace(/\/$/, '') === host);
  if (!m) throw new Error(`${host} is not mounted`);
  return m.container;
}

/** Seconds of a Prometheus duration like 5s, 1m, 500ms. */
function seconds(d: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { status: number | null; out: string; stdout: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, env });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}); scripts/system-packages.mjs installs it`);
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** The variables `docker compose up` refuses to start without (README, "The stack"). */
const REQUIRED = { CLEARSIM_TOKEN: 'test-token', GRAFANA_ADMIN_PASSWORD: 'test-password' };

/**
 * `docker-compose <args>` on docker-compose.yml with exactly `vars` in its environment: none of the
 * caller's (a developer's exported CLEARSIM_TOKEN must not hide a missing one) and no `.env` file.
 */
function composeWith(vars: Record<string, string>, args: string[]): ReturnType<typeof run> {
  const dir = mkdtempSync(join(tmpdir(), 'clearsim-compose-'));
  try {
    const envFile = join(dir, 'empty.env');
    writeFileSync(envFile, '');
    return run('docker-compose', ['--env-file', envFile, '-f', 'docker-compose.yml', ...args], {
      PATH: process.env.PATH,
      HOME: dir,
      ...vars,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A published port, from the short syntax (`[ip:]published:target[/proto]`) or the long one (compose v2's `config`). */
interface Published {
  hostIp: string;
  published: string;
  target: string;
}
function published(port: string | { host_ip?: string; published?: string | number; target: number }): Published {
  if (typeof port !== 'string') return { hostIp: port.host_ip ?? '', published: String(port.published ?? ''), target: String(port.target) };
  const parts = port.replace(/\/\w+$/, '').split(':');
  const [target, pub = '', ...ip] = parts.reverse();
  return { hostIp: ip.reverse().join(':'), published: pub, target };
}

/** Every published port of the resolved compose file (`docker-compose config` with `vars`), by service. */
function resolvedPorts(vars: Record<string, string>): Record<string, Published[]> {
  const r = composeWith(vars, ['config']);
  expect(r.status, r.out).toBe(0);
  const resolved = parse(r.stdout);
  return Object.fromEntries(
    Object.entries(resolved.services as Record<string, { ports?: [] }>).map(([name, svc]) => [name, (svc.ports ?? []).map(published)]),
  );
}

describe('docker-compose.yml', () => {
  it('runs Redis without eviction and with ms-precise delayed jobs', () => {
    const cmd: string[] = services.redis.command;
    expect(cmd[cmd.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(cmd[cmd.indexOf('--appendonly') + 1]).toBe('yes');
    expect(Number(cmd[cmd.indexOf('--hz') + 1])).toBeGreaterThanOrEqual(100);
    expect(services.redis.healthcheck.test).toContain('ping');
  });

  it('builds every clearsim service from the Dockerfile, with entrypoints and scenarios that exist', () => {
    expect(existsSync('Dockerfile')).toBe(true);
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const name of ['api', 'worker', 'clearsim']) {
      const svc = services[name];
      expect(svc.build, name).toBe('.');
      expect(svc.depends_on.redis.condition, name).toBe('service_healthy');
    }
    for (const dir of ['bin', 'src', 'scenarios', 'workers']) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
    expect(dockerfile).toMatch(/COPY package\.json package-lock\.json tsconfig\.json/);
    expect(dockerfile).toMatch(/RUN npm ci\b/); // builds dist/ through `prepare`
    // the image's default command is a scenario that exists
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]);
    expect(existsSync(cmd[1])).toBe(true);
    // the one-shot CLI stays out of `docker compose up`
    expect(services.clearsim.profiles).toEqual(['cli']);
    expect(existsSync(services.clearsim.command[1])).toBe(true);
  });

  it('serves the API on 0.0.0.0:3000 in its container, published, with a /healthz check and a required CLEARSIM_TOKEN', () => {
    const api = services.api;
    expect(existsSync(api.entrypoint[1])).toBe(true);
    expect(api.entrypoint).toEqual(['node', 'bin/clearsim.js']);
    const cmd: string[] = api.command;
    expect(cmd[0]).toBe('serve');
    expect(flag(cmd, '--host')).toBe('0.0.0.0');
    expect(flag(cmd, '--port')).toBe('3000');
    expect(flag(cmd, '--redis')).toBe('redis://redis:6379');
    expect(api.ports.map(published)).toEqual([{ hostIp: '${CLEARSIM_BIND:-127.0.0.1}', published: '3000', target: '3000' }]);
    const env = envOf(api);
    // interpolated from the shell (or .env) and required: never a secret written in the file, never left open
    expect(String(env.CLEARSIM_TOKEN)).toMatch(/^\$\{CLEARSIM_TOKEN:\?[^}]+\}$/);
    expect(api.healthcheck.test.join(' ')).toContain('127.0.0.1:3000/healthz');
  });

  it('runs two BullMQ worker replicas with /metrics on 9464 that stop on SIGTERM with a grace period', () => {
    const worker = services.worker;
    expect(existsSync(worker.entrypoint[1])).toBe(true);
    expect(worker.entrypoint).toEqual(['node', 'workers/clearsim-worker.js']);
    expect(worker.deploy.replicas).toBe(2);
    const cmd: string[] = worker.command;
    expect(flag(cmd, '--redis')).toBe('redis://redis:6379');
    expect(flag(cmd, '--metrics-port')).toBe('9464');
    expect(flag(cmd, '--metrics-host')).toBe('0.0.0.0');
    expect(worker.stop_signal).toBe('SIGTERM');
    expect(seconds(worker.stop_grace_period)).toBeGreaterThanOrEqual(10);
    expect(worker.ports).toBeUndefined(); // replicas cannot share a published port
    expect(worker.healthcheck.test.join(' ')).toContain(':9464/healthz');
  });

  it('runs Prometheus with the deploy/ config and Grafana with the deploy/ provisioning and dashboards', () => {
    const prom = services.prometheus;
    expect(prom.image).toMatch(/^prom\/prometheus(:|$)/);
    expect(prom.ports.map(published)).toEqual([{ hostIp: '${PROMETHEUS_BIND:-127.0.0.1}', published: '9090', target: '9090' }]);
    const configIn = mountOf(prom, PROMETHEUS_CONFIG);
    expect(prom.command).toContain(`--config.file=${configIn}`);

    const grafana = services.grafana;
    expect(grafana.image).toMatch(/^grafana\/grafana(:|$)/);
    expect(grafana.ports.map(published)).toEqual([{ hostIp: '${GRAFANA_BIND:-127.0.0.1}', published: '3001', target: '3000' }]);
    expect(mountOf(grafana, 'deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const dashboardsIn = mountOf(grafana, 'deploy/grafana/dashboards');
    for (const m of mounts(prom).concat(mounts(grafana))) {
      if (m.host.startsWith('.')) expect(existsSync(m.host), m.host).toBe(true);
    }
    // the file provider reads the directory the dashboards are mounted at
    const providers = parse(readFileSync(DASHBOARD_PROVIDERS, 'utf8')).providers;
    expect(providers).toHaveLength(1);
    expect(providers[0].type).toBe('file');
    expect(providers[0].options.path).toBe(dashboardsIn);
    // the admin password is required and not in the file; anonymous viewing only when asked for, and read-only
    const env = envOf(grafana);
    expect(String(env.GF_SECURITY_ADMIN_PASSWORD)).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('${GRAFANA_ANONYMOUS:-false}');
    expect(env.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    expect(env.GF_USERS_ALLOW_SIGN_UP).toBe('false');
    expect(String(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)).toBe(`${dashboardsIn}/clearsim.json`);
  });

  it('is accepted by docker-compose (`config -q`) with CLEARSIM_TOKEN and GRAFANA_ADMIN_PASSWORD set', () => {
    const r = composeWith(REQUIRED, ['config', '-q']);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(Object.keys(REQUIRED))('is refused by docker-compose without %s, with a message naming it', (name) => {
    for (const value of [undefined, '']) {
      const vars: Record<string, string> = { ...REQUIRED };
      if (value === undefined) delete vars[name];
      else vars[name] = value;
      const r = composeWith(vars, ['config', '-q']);
      expect(r.status, `${name}=${value}`).not.toBe(0);
      // the message written in docker-compose.yml, as compose prints it
      expect(r.out).toContain(`${name} is not set: export`);
    }
  });

  it('binds every published port to 127.0.0.1 by default, and only the one asked for to another address', () => {
    // in the file: every published port has an explicit host address, 127.0.0.1 unless a *_BIND variable says otherwise
    for (const [name, svc] of Object.entries(services as Record<string, { ports?: string[] }>)) {
      for (const p of svc.ports ?? []) expect(p, name).toMatch(/^\$\{[A-Z]+_BIND:-127\.0\.0\.1\}:\d+:\d+$/);
    }
    const defaults = resolvedPorts(REQUIRED);
    const all = Object.values(defaults).flat();
    expect(all.map((p) => p.published).sort()).toEqual(['3000', '3001', '9090']);
    for (const p of all) expect(p.hostIp, `port ${p.published}`).toBe('127.0.0.1');
    // opting out is deliberate and per service
    const exposed = resolvedPorts({ ...REQUIRED, CLEARSIM_BIND: '0.0.0.0' });
    expect(exposed.api.map((p) => p.hostIp)).toEqual(['0.0.0.0']);
    expect([...exposed.prometheus, ...exposed.grafana].map((p) => p.hostIp)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('runs Prometheus without the lifecycle API (no unauthenticated /-/quit or /-/reload) nor the admin API', () => {
    const cmd: string[] = services.prometheus.command;
    expect(cmd.some((a) => a.startsWith('--web.enable-lifecycle'))).toBe(false);
    expect(cmd.some((a) => a.startsWith('--web.enable-admin-api'))).toBe(false);
    expect(readFileSync('docker-compose.yml', 'utf8')).not.toMatch(/enable-lifecycle|enable-admin-api/);
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  const config = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8'));
  const job = (name: string) => config.scrape_configs.find((j: { job_name: string }) => j.job_name === name);

  it('is a valid Prometheus config (`promtool check config`)', () => {
    const r = run('promtool', ['check', 'config', PROMETHEUS_CONFIG]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('scrapes every 1 to 5 seconds', () => {
    const interval = seconds(config.global.scrape_interval);
    expect(interval).toBeGreaterThanOrEqual(1);
    expect(interval).toBeLessThanOrEqual(5);
    for (const j of config.scrape_configs) expect(j.scrape_interval ?? config.global.scrape_interval).toBe(config.global.scrape_interval);
  });

  it('scrapes the API at the port it serves on', () => {
    const api = job('clearsim-api');
    expect(api.metrics_path ?? '/metrics').toBe('/metrics');
    expect(api.static_configs[0].targets).toEqual([`api:${flag(services.api.command, '--port')}`]);
  });

  it("finds every worker replica through Docker's DNS, at the workers' --metrics-port", () => {
    const workers = job('clearsim-workers');
    expect(workers.metrics_path ?? '/metrics').toBe('/metrics');
    expect(workers.static_configs).toBeUndefined();
    expect(workers.dns_sd_configs).toHaveLength(1);
    const sd = workers.dns_sd_configs[0];
    expect(sd.type).toBe('A');
    expect(sd.names).toEqual(['worker']);
    expect(services[sd.names[0]]).toBeDefined();
    expect(String(sd.port)).toBe(flag(services.worker.command, '--metrics-port'));
  });
});

interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
  panels?: Panel[];
}

describe('the Grafana provisioning and the clearsim dashboard', () => {
  const datasource = parse(readFileSync(DATASOURCES, 'utf8')).datasources[0];
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const panels: Panel[] = dashboard.panels.flatMap((p: Panel) => (p.type === 'row' ? (p.panels ?? []) : [p]));
  const exprs: string[] = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables: {
    name: string;
    type: string;
    query: unknown;
    current: { value: string };
    allValue?: string;
    options?: { value: string }[];
  }[] = dashboard.templating.list;
  /** An expression as Prometheus gets it from Grafana with the variables at their defaults. */
  const substituted = (expr: string) =>
    expr.replace(/\$(\w+)/g, (m, name) => {
      const v = variables.find((x) => x.name === name);
      if (!v) throw new Error(`unknown variable ${m} in ${expr}`);
      return v.current.value === '$__all' ? v.allValue! : v.current.value;
    });

  /** `# TYPE` of every metric a run exposes, and the label names its samples carry. */
  const exposed = new Map<string, { type: string; labels: Set<string> }>();

  beforeAll(async () => {
    const metrics = new SimMetrics();
    const scenario = loadScenarioFile('scenarios/chongqing-2023.yaml', [
      parseOverride('horizon.days=2'),
      parseOverride('horizon.warmup_days=0'),
    ]);
    const { report } = runReplication(scenario, 0, metrics.bind(scenario));
    expect(report.shipments.released).toBeGreaterThan(0);
    const text = await metrics.registry.metrics();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) exposed.set(m[1], { type: m[2], labels: new Set() });
    for (const m of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} /gm)) {
      const entry = exposed.get(m[1]) ?? exposed.get(m[1].replace(/_(bucket|sum|count)$/, ''));
      for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) entry?.labels.add(l[1]);
    }
  });

  /** A query's metric name as exposed: histogram series map to the histogram. */
  const base = (name: string) => (exposed.has(name) ? name : name.replace(/_(bucket|sum|count)$/, ''));
  const metricsIn = (expr: string) => [...new Set(expr.match(/\bclearsim_[a-zA-Z0-9_]*/g) ?? [])];

  it('provisions Prometheus at http://prometheus:9090 under a fixed uid', () => {
    expect(datasource.type).toBe('prometheus');
    expect(datasource.url).toBe('http://prometheus:9090');
    expect(services.prometheus.ports[0]).toMatch(/:9090$/);
    expect(datasource.uid).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(datasource.isDefault).toBe(true);
  });

  it('is a Grafana dashboard JSON with uid clearsim', () => {
    expect(dashboard.uid).toBe('clearsim');
    expect(dashboard.title).toBe('clearsim');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    expect(dashboard.id ?? null).toBeNull(); // provisioned dashboards carry no database id
    expect(panels.length).toBeGreaterThanOrEqual(8);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.h, p.title).toBeGreaterThan(0);
    }
  });

  it('gives every panel a title and queries with the provisioned datasource', () => {
    for (const p of panels) {
      expect(p.title?.trim(), `panel ${p.id}`).toBeTruthy();
      expect(p.targets?.length ?? 0, p.title).toBeGreaterThanOrEqual(1);
      expect(p.datasource?.uid, p.title).toBe(datasource.uid);
      for (const t of p.targets!) {
        expect(t.datasource?.uid, `${p.title} ${t.refId}`).toBe(datasource.uid);
        expect(t.datasource?.type, `${p.title} ${t.refId}`).toBe('prometheus');
        expect(t.expr?.trim(), `${p.title} ${t.refId}`).toBeTruthy();
        expect(metricsIn(t.expr).length, `${p.title} ${t.refId}`).toBeGreaterThan(0);
      }
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
    }
  });

  it('queries only metrics a run exposes', () => {
    expect(exposed.size).toBeGreaterThan(10);
    for (const expr of exprs) {
      for (const name of metricsIn(expr)) {
        expect(exposed.has(base(name)), `${name} in ${expr}`).toBe(true);
        // _bucket/_sum/_count only of histograms
        if (base(name) !== name) expect(exposed.get(base(name))!.type, name).toBe('histogram');
      }
    }
  });

  it('groups and filters by labels those metrics carry, and takes quantiles over le', () => {
    for (const expr of exprs) {
      const labels = new Set([...metricsIn(expr)].flatMap((n) => [...exposed.get(base(n))!.labels]));
      for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const l of by[1].split(',').map((s) => s.trim())) {
          if (l !== 'le') expect(labels.has(l), `${l} in ${expr}`).toBe(true);
        }
      }
      for (const sel of expr.matchAll(/\bclearsim_[a-zA-Z0-9_]*\{([^}]*)\}/g)) {
        for (const l of sel[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)/g))
          expect(labels.has(l[1]), `${l[1]} in ${expr}`).toBe(true);
      }
      for (const q of expr.matchAll(/histogram_quantile\(\s*([0-9.]+)\s*,\s*sum by \(([^)]*)\) \((?:rate\()?(\w+)[{[]/g)) {
        expect(Number(q[1])).toBeGreaterThan(0);
        expect(Number(q[1])).toBeLessThan(1);
        expect(
          q[2].split(',').map((s) => s.trim()),
          expr,
        ).toContain('le');
        expect(q[3], expr).toMatch(/_bucket$/);
      }
      if (expr.includes('histogram_quantile')) expect(expr).toMatch(/histogram_quantile\(\s*[0-9.]+\s*,\s*sum by \(/);
    }
  });

  it('shows rates per simulated hour, clearance p50/p90, the share released within 24/48 h, waits, queues, servers, utilization, the clock, disruptions and the hit rate', () => {
    const all = exprs.join('\n');
    // per simulated hour: over the rate of the simulated clock, per run
    const perSimHour = (counter: string, by: string) =>
      `sum by (${by}) (rate(${counter}{scenario=~"$scenario", run=~"$run"}[$window]) / on (scenario, run) group_left () (max by (scenario, run) (rate(clearsim_simulated_seconds_total{scenario=~"$scenario", run=~"$run"}[$window])) > 0)) * 3600`;
    expect(all).toContain(perSimHour('clearsim_shipments_released_total', 'tier'));
    expect(all).toContain(perSimHour('clearsim_shipments_arrived_total', 'tier'));
    expect(all).not.toMatch(/\* 60\b/); // nothing per wall minute any more
    for (const p of ['0.5', '0.9']) {
      // in the window, and from the run-cumulative buckets
      expect(all).toContain(
        `histogram_quantile(${p}, sum by (le, tier) (rate(clearsim_clearance_time_seconds_bucket{scenario=~"$scenario", run=~"$run"}[$window]))`,
      );
      expect(all).toContain(
        `histogram_quantile(${p}, sum by (le, tier) (clearsim_clearance_time_seconds_bucket{scenario=~"$scenario", run=~"$run"})`,
      );
    }
    // within 24 and 48 h: those buckets over the count, by tier (le as Prometheus 2 and 3 write it)
    for (const le of ['86400', '172800'])
      expect(all).toMatch(new RegExp(`sum by \\(tier\\) \\(clearsim_clearance_time_seconds_bucket\\{le=~"${le}\\(\\.0\\)\\?"`));
    expect(all).toMatch(/histogram_quantile\(0\.9, sum by \(le, stage\) \(rate\(clearsim_stage_wait_seconds_bucket\{/);
    for (const m of [
      'clearsim_queue_length',
      'clearsim_servers_busy',
      'clearsim_servers_capacity',
      'clearsim_sim_time_seconds',
      'clearsim_disruption_active',
      'clearsim_disruption_seconds_total',
      'clearsim_disruptions_started_total',
      'clearsim_busy_server_seconds_total',
      'clearsim_capacity_server_seconds_total',
    ]) {
      expect(all).toContain(m);
    }
    expect(all).toMatch(/^max\(clearsim_sim_time_seconds\b.*\) \/ 86400$/m); // the clock in days
    // utilization from the server-second integrals, never from the gauges (0/0 overnight)
    expect(all).toContain(
      'sum by (stage) (increase(clearsim_busy_server_seconds_total{scenario=~"$scenario", run=~"$run"}[$window])) / (sum by (stage) (increase(clearsim_capacity_server_seconds_total{scenario=~"$scenario", run=~"$run"}[$window])) > 0)',
    );
    expect(all).not.toMatch(/clearsim_servers_busy[^\n]*\/[^\n]*clearsim_servers_capacity/);
    expect(all).toMatch(
      /sum by \(tier\) \(rate\(clearsim_checks_total\{outcome="hit", [^}]*\}\[\$window\]\)\) \/ \(sum by \(tier\) \(rate\(clearsim_checks_total\{/,
    );
  });

  it('filters every series by the scenario and run variables, and ranges over the window variable', () => {
    expect(variables.map((v) => v.name)).toEqual(['scenario', 'run', 'window']);
    for (const name of ['scenario', 'run']) {
      const v = variables.find((x) => x.name === name)!;
      expect(v.type).toBe('query');
      expect(JSON.stringify(v.query)).toContain(`label_values(clearsim_simulated_seconds_total`);
      expect(v.current.value).toBe('$__all');
      expect(v.allValue).toBe('.+');
    }
    const window = variables.find((x) => x.name === 'window')!;
    expect(window.type).toBe('custom');
    expect(window.options!.map((o) => o.value)).toContain(window.current.value);
    for (const expr of exprs) {
      for (const sel of expr.matchAll(/\bclearsim_[a-zA-Z0-9_]*(\{[^}]*\})?/g)) {
        expect(sel[1] ?? '', `${sel[0]} in ${expr}`).toContain('scenario=~"$scenario"');
        expect(sel[1] ?? '', `${sel[0]} in ${expr}`).toContain('run=~"$run"');
      }
      // wall-time ranges only through $window (and the clock's "is it moving" check)
      for (const r of expr.matchAll(/\[([^\]]+)\]/g))
        expect(r[1] === '$window' || /^changes\(/.test(expr.slice(expr.lastIndexOf('changes(', r.index), r.index)), expr).toBe(true);
    }
  });

  it('divides only by constants or by denominators kept above 0, so no query can give NaN or Inf', () => {
    /** The operand after position i: a parenthesized group (with an `on (...) group_left ()` before it), a number or a name. */
    const operand = (expr: string, i: number): string => {
      let k = i;
      const mod = /^\s*(on \([^)]*\)\s*(group_left \([^)]*\)\s*)?)?/.exec(expr.slice(k))!;
      k += mod[0].length;
      if (expr[k] !== '(') return expr.slice(k).split(/[\s)]/)[0];
      let depth = 0;
      for (let j = k; j < expr.length; j++) {
        if (expr[j] === '(') depth++;
        else if (expr[j] === ')' && --depth === 0) return expr.slice(k, j + 1);
      }
      throw new Error(`unbalanced ${expr}`);
    };
    let divisions = 0;
    for (const expr of exprs) {
      for (const d of expr.matchAll(/ \/ /g)) {
        const right = operand(expr, d.index + 3);
        divisions++;
        if (/^\d+$/.test(right)) continue;
        expect(right, expr).toMatch(/ > 0\)$/);
      }
      // a quantile of buckets that may all be 0 is NaN: only where the count is above 0
      for (const q of expr.matchAll(/histogram_quantile\(/g)) {
        expect(expr.slice(q.index), expr).toMatch(
          /^histogram_quantile\([^,]+, sum by \(le[^)]*\) \(.*\) and on \([^)]*\) \(sum.*_count.* > 0\)\)/,
        );
      }
    }
    expect(divisions).toBeGreaterThan(10);
  });

  it('has queries Prometheus can parse (`promtool check rules`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-dashboard-'));
    try {
      const file = join(dir, 'rules.yml');
      writeFileSync(
        file,
        stringify({
          groups: [
            { name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `clearsim:dashboard_query_${i}`, expr: substituted(expr) })) },
          ],
        }),
      );
      const r = run('promtool', ['check', 'rules', file]);
      expect(r.out).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
