import { useEffect, useState } from 'preact/hooks';
import { api, FINISHED, type RunView } from '../api';
import { ErrorBox } from '../components/errors';
import { fmtDate, fmtDuration, fmtPct } from '../format';
import { href } from '../router';
import { useGet } from '../use-api';

/** Every run the server keeps (runs, comparisons, sweeps; they persist across restarts), newest first. */
export function RunsPage() {
  const { data, error, reload } = useGet<{ runs: RunView[]; total: number }>('/runs?limit=200');
  const [actionError, setActionError] = useState<unknown>(null);
  const going = (data?.runs ?? []).some((r) => !FINISHED.has(r.status));
  useEffect(() => {
    if (!going) return;
    const t = setInterval(reload, 2000);
    return () => clearInterval(t);
  }, [going]);
  const act = (p: Promise<unknown>) => p.then(reload, setActionError);
  return (
    <div class="page">
      <h1>Runs</h1>
      <ErrorBox error={error ?? actionError} />
      {data && data.runs.length === 0 ? (
        <p>
          No runs yet: <a href={href('scenarios')}>pick a scenario</a> to run.
        </p>
      ) : null}
      {data?.runs.length ? (
        <table class="runs" data-table="runs">
          <thead>
            <tr>
              <th class="l">kind</th>
              <th class="l">scenario</th>
              <th class="l">status</th>
              <th>progress</th>
              <th class="l">runtime</th>
              <th>replications</th>
              <th class="l">created</th>
              <th>took</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.runs.map((r) => (
              <tr data-run-row={r.id}>
                <td class="l">{r.kind ?? 'run'}</td>
                <td class="l">
                  <a href={href('runs', r.id)}>{r.scenario}</a>
                </td>
                <td class="l">
                  <span class={`status ${r.status}`}>{r.status}</span>
                </td>
                <td>{fmtPct(r.progress, 0)}</td>
                <td class="l">
                  {r.runtime}
                  {r.distribute ? ' (distributed)' : ''}
                  {r.time_scale ? ` ×${r.time_scale}` : ''}
                </td>
                <td>{r.replications}</td>
                <td class="l">{fmtDate(r.created_at)}</td>
                <td>{fmtDuration(r.started_at, r.finished_at)}</td>
                <td class="l">
                  <a href={href('runs', r.id)}>open</a>{' '}
                  {FINISHED.has(r.status) ? (
                    <button type="button" class="link" onClick={() => act(api('DELETE', `/runs/${r.id}?purge=true`))} data-action="delete">
                      delete
                    </button>
                  ) : (
                    <button type="button" class="link" onClick={() => act(api('DELETE', `/runs/${r.id}`))} data-action="cancel">
                      cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {data ? (
        <p class="note">
          {data.total} run{data.total === 1 ? '' : 's'} kept on the server.
        </p>
      ) : null}
    </div>
  );
}
