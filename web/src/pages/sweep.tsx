import { useState } from 'preact/hooks';
import { api, type RunView, type ScenarioSummary } from '../api';
import { ErrorBox } from '../components/errors';
import { navigate } from '../router';
import { savedSummaries, scenarioRef } from '../saved-scenarios';
import { useGet } from '../use-api';

const lines = (t: string) =>
  t
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** A sweep: a scenario run at every point of a grid of parameter values, on the same replications, as `clearsim sweep`. */
export function SweepPage(props: { query: URLSearchParams }) {
  const { data } = useGet<{ scenarios: ScenarioSummary[] }>('/scenarios');
  const names = [...savedSummaries(), ...(data?.scenarios ?? [])].map((s) => s.name);
  const [scenario, setScenario] = useState(props.query.get('scenario') ?? '');
  const [params, setParams] = useState('stages.inspection.servers=12,16,20');
  const [overrides, setOverrides] = useState('');
  const [replications, setReplications] = useState('5');
  const [days, setDays] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const name = scenario || names[0] || '';
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = {
        ...scenarioRef(name, 'scenario_text', 'scenario'),
        params: lines(params),
        replications: Number(replications),
      };
      if (lines(overrides).length) body.overrides = lines(overrides);
      if (days.trim()) body.days = Number(days);
      const view = await api<RunView>('POST', '/sweep', body);
      navigate(`#/runs/${view.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="page">
      <h1>Sweep</h1>
      <p class="lead">
        Runs the scenario at every combination of the values (the first parameter varies slowest), each point on the same replications.
      </p>
      <form class="stack" onSubmit={submit} data-sweep-form="">
        <label>
          scenario{' '}
          <select value={name} onChange={(e) => setScenario((e.target as HTMLSelectElement).value)}>
            {names.map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          parameters, one <code>path=v1,v2,…</code> a line
          <textarea rows={3} value={params} onInput={(e) => setParams((e.target as HTMLTextAreaElement).value)} data-sweep-params="" />
        </label>
        <label>
          overrides at every point (optional), one <code>path=value</code> a line
          <textarea rows={2} value={overrides} onInput={(e) => setOverrides((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label>
          replications per point{' '}
          <input class="short" value={replications} onInput={(e) => setReplications((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          days (optional){' '}
          <input class="short" value={days} onInput={(e) => setDays((e.target as HTMLInputElement).value)} data-sweep-days="" />
        </label>
        <ErrorBox error={error} />
        <p>
          <button type="submit" class="primary" disabled={busy || !name} data-action="start-sweep">
            Start the sweep
          </button>
        </p>
      </form>
    </div>
  );
}
