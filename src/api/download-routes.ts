import { mkdtempSync, rmSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toCsv } from '../csv.js';
import type { Optimization } from '../experiments/optimize.js';
import type { Sweep } from '../experiments/sweep.js';
import { renderCompareReport, renderRunReport, renderSweepReport, type ComparisonInput } from '../html-report/html.js';
import { renderOptimizeReport } from '../html-report/optimize-report.js';
import { DEFAULT_RUN_MEMORY_MB } from '../runtime/runtimes.js';
import { runJobInThread } from '../runtime/threaded-run.js';
import type { Report } from '../stats/report.js';
import { ApiError } from './errors.js';
import type { RunManager, StoredComparison } from './run-manager.js';
import type { BlobName, RunRecord } from './store/run-store.js';
import { routeSchemas } from './schemas.js';

type Req = FastifyRequest<{ Params: { id: string }; Querystring: { download?: boolean } }>;

/**
 * A finished run's downloads: its report as HTML and JSON, its trace and per-firm table as CSV,
 * and its flow timeline (replay). What the CLI writes with --report, --out, --trace and --firms.
 */
export function downloadRoutes(
  app: FastifyInstance,
  deps: { runs: RunManager; auth?: (req: FastifyRequest) => Promise<void>; runMemoryMb?: number },
): void {
  const { runs } = deps;
  const onRequest = deps.auth ? [deps.auth] : [];

  const done = async (id: string, what: string): Promise<RunRecord> => {
    const r = await runs.record(id);
    if (r.status !== 'done')
      throw new ApiError('RUN_NOT_READY', `run ${id} is ${r.status}: its ${what} is there once it is done`, [
        { source: 'params', path: 'id', message: `run is ${r.status}` },
      ]);
    return r;
  };
  const notHere = (id: string, message: string) =>
    new ApiError('DOWNLOAD_NOT_AVAILABLE', `run ${id}: ${message}`, [{ source: 'params', path: 'id', message }]);
  const attach = (req: Req, reply: FastifyReply, file: string) => {
    if (req.query.download) reply.header('content-disposition', `attachment; filename="${file}"`);
  };
  const blob = async <T>(r: RunRecord, name: BlobName): Promise<T> => {
    const v = await runs.blob<T>(r.id, name);
    if (v === null) throw notHere(r.id, `its ${name} is not in the store`);
    return v;
  };

  app.get('/runs/:id/report.html', { schema: routeSchemas.reportHtml, onRequest }, async (req: Req, reply) => {
    const r = await done(req.params.id, 'report');
    let html: string;
    if (r.kind === 'run') {
      const samples = r.blobs.includes('samples') ? await blob<Report['timeline']>(r, 'samples') : undefined;
      html = renderRunReport({ ...(await blob<Report>(r, 'report')), ...(samples ? { timeline: samples } : {}) });
    } else if (r.kind === 'compare') html = renderCompareReport(await blob<ComparisonInput>(r, 'result'));
    else if (r.kind === 'sweep') html = renderSweepReport(await blob<Sweep>(r, 'result'));
    else html = renderOptimizeReport(await blob<Optimization>(r, 'result'));
    attach(req, reply, `${r.kind}-${r.id}.html`);
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get('/runs/:id/report.json', { schema: routeSchemas.reportJson, onRequest }, async (req: Req, reply) => {
    const r = await done(req.params.id, 'report');
    const view = await runs.get(r.id);
    attach(req, reply, `${r.kind}-${r.id}.json`);
    return reply.type('application/json; charset=utf-8').send(`${JSON.stringify(r.kind === 'run' ? view.report : view.result, null, 2)}\n`);
  });

  app.get('/runs/:id/firms.csv', { schema: routeSchemas.firmsCsv, onRequest }, async (req: Req, reply) => {
    const r = await done(req.params.id, 'firm table');
    let rows: Record<string, unknown>[] | undefined;
    if (r.kind === 'run') rows = r.blobs.includes('firms') ? await blob<Record<string, unknown>[]>(r, 'firms') : undefined;
    else if (r.kind === 'compare') rows = (await blob<StoredComparison>(r, 'result')).firmRows;
    if (!rows)
      throw notHere(
        r.id,
        r.kind === 'sweep' || r.kind === 'optimize' ? `a ${r.kind} has no firm table` : 'its scenario has no firms section: no firm table',
      );
    attach(req, reply, `firms-${r.id}.csv`);
    return reply.type('text/csv; charset=utf-8').send(toCsv(rows));
  });

  app.get('/runs/:id/trace.csv', { schema: routeSchemas.traceCsv, onRequest }, async (req: Req, reply) => {
    const r = await done(req.params.id, 'trace');
    if (r.kind !== 'run') throw notHere(r.id, `a ${r.kind} has no trace; start a run of one scenario`);
    if (r.runtime === 'bullmq') throw notHere(r.id, 'a BullMQ run has no trace here (run it with --trace on the CLI)');
    const input = await blob<{ source: Record<string, unknown> }>(r, 'input');
    // made again: replication 0 with the same seed sees the same shipments; in a thread, as a run is
    const dir = mkdtempSync(join(tmpdir(), 'clearsim-trace-'));
    const file = join(dir, 'trace.csv');
    const stop = new AbortController();
    req.raw.on('close', () => stop.abort());
    try {
      await runJobInThread(
        { kind: 'trace', source: input.source, label: `trace of ${r.scenario}`, file },
        { signal: stop.signal, memoryMb: deps.runMemoryMb ?? DEFAULT_RUN_MEMORY_MB },
      );
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    attach(req, reply, `trace-${r.id}.csv`);
    const stream = createReadStream(file);
    stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
    return reply.type('text/csv; charset=utf-8').send(stream);
  });

  app.get<{ Params: { id: string } }>('/runs/:id/timeline', { schema: routeSchemas.runTimeline, onRequest }, async (req, reply) => {
    const r = await done(req.params.id, 'timeline');
    if (r.kind !== 'run' || !r.blobs.includes('timeline'))
      throw notHere(
        r.id,
        r.kind === 'run' ? 'it has no flow timeline (a distributed run is not watched here)' : `a ${r.kind} has no flow timeline`,
      );
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(await blob(r, 'timeline')));
  });
}
