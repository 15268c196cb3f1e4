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

/**
 * A paired comparison (common random numbers: both see the same shipments) of two scenarios, or
 * of a scenario with itself under overrides (b = a with `path=value` lines), as `clearsim compare`.
 */
export function ComparePage(props: { query: URLSearchParams }) {
  const { data } = useGet<{ scenarios: ScenarioSummary[] }>('/scenarios');
  const names = [...savedSummaries(), ...(data?.scenarios ?? [])].map((s) => s.name);
  const [a, setA] = useState(props.query.get('a') ?? '');
  const [mode, setMode] = useState<'set' | 'b'>(props.query.get('b') ? 'b' : 'set');
  const [b, setB] = useState(props.query.get('b') ?? '');
  const [set, setSet] = useState(props.query.get('set') ?? 'priority.mode=never');
  const [replications, setReplications] = useState('10');
  const [days, setDays] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const aName = a || names[0] || '';
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { ...scenarioRef(aName, 'a_text', 'a'), replications: Number(replications) };
      if (mode === 'b') Object.assign(body, scenarioRef(b || names[0], 'b_text', 'b'));
      else body.set = lines(set);
      if (days.trim()) body.days = Number(days);
      const view = await api<RunView>('POST', '/compare', body);
      navigate(`#/runs/${view.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="page">
      <h1>Compare</h1>
      <p class="lead">
        Runs a and b on the same replications, so each pair sees the same shipments: the difference is the policy’s, not the dice’s. The
        answer is b − a with paired 95% intervals.
      </p>
      <form class="stack" onSubmit={submit} data-compare-form="">
        <label>
          a{' '}
          <select value={aName} onChange={(e) => setA((e.target as HTMLSelectElement).value)} data-compare-a="">
            {names.map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>b</legend>
          <label>
            <input type="radio" checked={mode === 'set'} onChange={() => setMode('set')} /> a with these overrides (one{' '}
            <code>path=value</code> a line)
          </label>
          {mode === 'set' ? (
            <textarea rows={3} value={set} onInput={(e) => setSet((e.target as HTMLTextAreaElement).value)} data-compare-set="" />
          ) : null}
          <label>
            <input type="radio" checked={mode === 'b'} onChange={() => setMode('b')} data-compare-mode-b="" /> another scenario{' '}
            {mode === 'b' ? (
              <select value={b || names[0]} onChange={(e) => setB((e.target as HTMLSelectElement).value)} data-compare-b="">
                {names.map((n) => (
                  <option value={n}>{n}</option>
                ))}
              </select>
            ) : null}
          </label>
        </fieldset>
        <label>
          replications{' '}
          <input
            class="short"
            value={replications}
            onInput={(e) => setReplications((e.target as HTMLInputElement).value)}
            data-compare-replications=""
          />
        </label>
        <label>
          days (optional){' '}
          <input class="short" value={days} onInput={(e) => setDays((e.target as HTMLInputElement).value)} data-compare-days="" />
        </label>
        <ErrorBox error={error} />
        <p>
          <button type="submit" class="primary" disabled={busy || !aName} data-action="start-compare">
            Start the comparison
          </button>
        </p>
      </form>
    </div>
  );
}
