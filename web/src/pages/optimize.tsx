import { useState } from 'preact/hooks';
import { ApiRequestError, api, type RunView, type ScenarioSummary } from '../api';
import { ErrorBox, issueText } from '../components/errors';
import { rememberRunText } from '../run-texts';
import { navigate } from '../router';
import { savedSummaries, scenarioRef } from '../saved-scenarios';
import { useGet } from '../use-api';

const lines = (t: string) =>
  t
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The select's choice for "the YAML pasted below" (no scenario name can hold a space). */
const TEXT = ' text';

const FIELDS = ['vary', 'target', 'confidence', 'replications', 'max_replications'] as const;
type Field = (typeof FIELDS)[number];

/**
 * The server's 400 split by the form field it names (`body.vary[1]: HI must be above LO` goes under
 * the vary lines, with that line's text); what names no field stays in the box under the form.
 */
function byField(err: unknown, sent: { vary: string[]; target: string[] }): { fields: Partial<Record<Field, string[]>>; rest: unknown } {
  if (!(err instanceof ApiRequestError) || !err.issues.length) return { fields: {}, rest: err };
  const fields: Partial<Record<Field, string[]>> = {};
  const others = err.issues.filter((i) => {
    if (i.source !== 'body') return true;
    const m = /^(vary|target|confidence|replications|max_replications)(?:[[./](\d+)\]?)?$/.exec(i.path);
    if (!m) return true;
    const f = m[1] as Field;
    const k = m[2] === undefined ? null : Number(m[2]);
    const line = k !== null && (f === 'vary' || f === 'target') ? `${sent[f][k] ?? `line ${k + 1}`}: ` : '';
    fields[f] = [...(fields[f] ?? []), `${line}${i.message}`];
    return false;
  });
  const rest = others.length ? new ApiRequestError(err.status, err.code, others.map(issueText).join('\n'), others) : null;
  return { fields, rest };
}

function FieldError(props: { errors: Partial<Record<Field, string[]>>; field: Field }) {
  const es = props.errors[props.field];
  if (!es?.length) return null;
  return (
    <span class="field-error" role="alert" data-field-error={props.field}>
      {es.map((e) => (
        <div>{e}</div>
      ))}
    </span>
  );
}

/**
 * An optimisation: the cheapest values of the varied parameters meeting every target with the
 * chosen confidence, as `clearsim optimize` (docs/experiments.md).
 */
export function OptimizePage(props: { query: URLSearchParams }) {
  const { data } = useGet<{ scenarios: ScenarioSummary[] }>('/scenarios');
  const names = [...savedSummaries(), ...(data?.scenarios ?? [])].map((s) => s.name);
  const [scenario, setScenario] = useState(props.query.get('scenario') ?? '');
  const [text, setText] = useState('');
  const [vary, setVary] = useState('stages.inspection.servers=8..20');
  const [target, setTarget] = useState('disruptions.0.non_aeo.clearance_hours.p90<=48h');
  const [confidence, setConfidence] = useState('0.95');
  const [replications, setReplications] = useState('5');
  const [maxReplications, setMaxReplications] = useState('40');
  const [days, setDays] = useState('');
  const [error, setError] = useState<{ fields: Partial<Record<Field, string[]>>; rest: unknown }>({ fields: {}, rest: null });
  const [busy, setBusy] = useState(false);
  const name = scenario || names[0] || '';
  const pasted = name === TEXT;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError({ fields: {}, rest: null });
    const sent = { vary: lines(vary), target: lines(target) };
    try {
      const body: Record<string, unknown> = {
        ...(pasted ? { scenario_text: text } : scenarioRef(name, 'scenario_text', 'scenario')),
        ...sent,
        confidence: Number(confidence),
        replications: Number(replications),
        max_replications: Number(maxReplications),
      };
      if (days.trim()) body.days = Number(days);
      const view = await api<RunView>('POST', '/optimize', body);
      if (typeof body.scenario_text === 'string') rememberRunText(view.id, body.scenario_text);
      navigate(`#/runs/${view.id}`);
    } catch (err) {
      setError(byField(err, sent));
    } finally {
      setBusy(false);
    }
  };
  const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return (
    <div class="page">
      <h1>Optimize</h1>
      <p class="lead">
        Finds the cheapest values of the parameters varied that meet every target with the confidence asked, trying candidates in order of
        cost on the same replications, and adding replications to one too close to a target to tell.
      </p>
      <form class="stack" onSubmit={submit} data-optimize-form="">
        <label>
          scenario{' '}
          <select value={name} onChange={(e) => setScenario((e.target as HTMLSelectElement).value)} data-optimize-scenario="">
            {names.map((n) => (
              <option value={n}>{n}</option>
            ))}
            <option value={TEXT}>the YAML pasted below</option>
          </select>
        </label>
        {pasted ? (
          <label>
            scenario YAML
            <textarea rows={10} value={text} onInput={input(setText)} data-optimize-text="" />
          </label>
        ) : null}
        <label>
          vary, one <code>PATH=LO..HI[:COST]</code> a line (cost per unit, default 1)
          <textarea rows={3} value={vary} onInput={input(setVary)} data-optimize-vary="" />
          <FieldError errors={error.fields} field="vary" />
        </label>
        <label>
          targets, one <code>PATH OP VALUE</code> a line (a number of the report; OP one of &lt; &lt;= &gt; &gt;=; a value or a duration)
          <textarea rows={3} value={target} onInput={input(setTarget)} data-optimize-target="" />
          <FieldError errors={error.fields} field="target" />
        </label>
        <label>
          confidence <input class="short" value={confidence} onInput={input(setConfidence)} data-optimize-confidence="" />
          <FieldError errors={error.fields} field="confidence" />
        </label>
        <label>
          replications each candidate starts with{' '}
          <input class="short" value={replications} onInput={input(setReplications)} data-optimize-replications="" />
          <FieldError errors={error.fields} field="replications" />
        </label>
        <label>
          at most replications{' '}
          <input class="short" value={maxReplications} onInput={input(setMaxReplications)} data-optimize-max-replications="" />
          <FieldError errors={error.fields} field="max_replications" />
        </label>
        <label>
          days (optional) <input class="short" value={days} onInput={input(setDays)} />
        </label>
        <ErrorBox error={error.rest} />
        <p>
          <button type="submit" class="primary" disabled={busy || !name || (pasted && !text.trim())} data-action="start-optimize">
            Start the search
          </button>
        </p>
      </form>
    </div>
  );
}
