import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'));

  it('runs Redis without eviction and with ms-precise delayed jobs', () => {
    const cmd: string[] = compose.services.redis.command;
    expect(cmd[cmd.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(cmd[cmd.indexOf('--appendonly') + 1]).toBe('yes');
    expect(Number(cmd[cmd.indexOf('--hz') + 1])).toBeGreaterThanOrEqual(100);
  });

  it('builds every clearsim service from the Dockerfile, with entrypoints and scenarios that exist', () => {
    expect(existsSync('Dockerfile')).toBe(true);
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const name of ['worker', 'clearsim']) {
      const svc = compose.services[name];
      expect(svc.build).toBe('.');
      expect(svc.depends_on.redis.condition).toBe('service_healthy');
    }
    const worker = compose.services.worker;
    expect(existsSync(worker.entrypoint[1])).toBe(true);
    expect(worker.deploy.replicas).toBe(2);
    expect(worker.command.join(' ')).toContain('redis://redis:6379');
    expect(existsSync(compose.services.clearsim.command[1])).toBe(true);
    for (const dir of ['bin', 'src', 'scenarios', 'workers']) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
  });
});
