import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { parseDocument } from 'yaml';
import { ApiRequestError, api, type Issue, type RunView, type ScenarioSummary } from '../api';
import { ErrorBox } from '../components/errors';
import { navigate } from '../router';
import { commonFields, type Field, parseScenario } from '../scenario-doc';
import { rememberRunText } from '../run-texts';
import { saveScenario, savedText } from '../saved-scenarios';

type Mode = 'embedded' | 'paced' | 'bullmq' | 'distributed';
type Value = number | string;

/** How the editor writes YAML back (comments kept by the yaml package): lines as scenario files wrap them, `[1, 2]` as they write lists. */
const YAML_OUT = { lineWidth: 100, flowCollectionPadding: false } as const;

const MODES: [Mode, string][] = [
  ['embedded', 'embedded, as fast as possible'],
  ['paced', 'embedded, paced (live flow view)'],
  ['bullmq', 'BullMQ workers (live, real time)'],
  ['distributed', 'replications on BullMQ workers'],
];

/** A form field's text as typed, read back as the value the override carries. */
function readValue(f: Field, text: string): Value | null {
  const t = text.trim();
  if (t === '') return null;
  if (f.kind === 'priority') return t;
  if (f.kind === 'servers' && t === 'unlimited') return t;
  const n = Number(t);
  return Number.isFinite(n) ? n : t; // not a number: sent as typed, and the server says what is wrong
}

function FieldInput(props: { f: Field; value: Value | undefined; edited: boolean; issue?: Issue; onChange: (v: string) => void }) {
  const { f } = props;
  const id = `field-${f.path}`;
  const shown = props.value === undefined ? '' : String(props.value);
  return (
    <div class={`field${props.edited ? ' edited' : ''}${props.issue ? ' invalid' : ''}`}>
      <label for={id}>{f.label}</label>
      {f.kind === 'priority' ? (
        <select id={id} value={shown} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)} data-field={f.path}>
          {shown === '' ? <option value="">(not set)</option> : null}
          <option value="always">always</option>
          <option value="disruption">disruption</option>
          <option value="never">never</option>
        </select>
      ) : (
        <input
          id={id}
          type="text"
          inputMode={f.kind === 'servers' ? 'text' : 'decimal'}
          value={shown}
          placeholder={f.value === undefined ? 'default' : ''}
          onInput={(e) => props.onChange((e.target as HTMLInputElement).value)}
          data-field={f.path}
        />
      )}
      {props.issue ? (
        <span class="field-error" data-field-error={f.path}>
          {props.issue.message}
        </span>
      ) : null}
    </div>
  );
}

/** The YAML text with line numbers; the lines with a problem are marked, and a click on a problem selects its line. */
function YamlEditor(props: {
  text: string;
  onInput: (t: string) => void;
  badLines: Set<number>;
  jump: { line: number; n: number } | null;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = props.text.split('\n').length;
  useEffect(() => {
    const a = area.current;
    if (!a || !props.jump) return;
    const all = a.value.split('\n');
    const start = all.slice(0, props.jump.line - 1).reduce((s, l) => s + l.length + 1, 0);
    a.focus();
    a.setSelectionRange(start, start + (all[props.jump.line - 1]?.length ?? 0));
    const lineHeight = a.scrollHeight / Math.max(1, all.length);
    a.scrollTop = Math.max(0, (props.jump.line - 5) * lineHeight);
  }, [props.jump]);
  return (
    <div class="yaml-editor">
      <div class="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => (
          <div class={props.badLines.has(i + 1) ? 'bad' : ''}>{i + 1}</div>
        ))}
      </div>
      <textarea
        ref={area}
        spellcheck={false}
        value={props.text}
        onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop;
        }}
        aria-label="scenario YAML"
        data-yaml=""
      />
    </div>
  );
}

/**
 * One scenario: the common parameters as a form (what is changed there is sent as overrides, as
 * `--set` would be), the whole scenario as YAML; checked by the server's loader as you type, with
 * its own `scenario:line path: message` problems shown at the line or the field. Run it here,
 * compare it with the form's changes, sweep it, or save it.
 */
export function EditorPage(props: { name: string }) {
  const [text, setText] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [checked, setChecked] = useState<ScenarioSummary | null>(null);
  const [busy, setBusy] = useState(false);
  const [jump, setJump] = useState<{ line: number; n: number } | null>(null);
  const [mode, setMode] = useState<Mode>('paced');
  const [timeScale, setTimeScale] = useState('86400');
  const [workers, setWorkers] = useState('2');
  const [saveName, setSaveName] = useState('');
  const [note, setNote] = useState('');

  useEffect(() => {
    setText(null);
    setEdits({});
    const local = savedText(props.name);
    if (local !== null) {
      setText(local);
      setSaved(true);
      setSaveName(props.name);
      return;
    }
    api<{ name: string; saved: boolean; text: string }>('GET', `/scenarios/${encodeURIComponent(props.name)}`).then((s) => {
      setText(s.text);
      setSaved(s.saved);
      setSaveName(s.saved ? s.name : `${s.name}-edited`);
    }, setLoadError);
  }, [props.name]);

  const doc = useMemo(() => (text === null ? null : parseScenario(text)), [text]);
  const lastGood = useRef<Field[]>([]);
  const fields = useMemo(() => {
    const f = commonFields(doc);
    if (f.length) lastGood.current = f;
    return lastGood.current;
  }, [doc]);

  // what the form changes: only the fields whose value differs from the text's
  const overrides = useMemo(() => {
    const out: Record<string, Value> = {};
    for (const f of fields) {
      if (!(f.path in edits)) continue;
      const v = readValue(f, edits[f.path]);
      if (v !== null && v !== f.value) out[f.path] = v;
    }
    return out;
  }, [fields, edits]);

  // sent as `--set` takes them ("path=value", the value read as YAML): the run's record keeps them as typed
  const setList = useMemo(() => Object.entries(overrides).map(([p, v]) => `${p}=${v}`), [overrides]);

  // the server's loader checks the text and the overrides as they change
  useEffect(() => {
    if (text === null) return;
    let live = true;
    const timer = setTimeout(() => {
      api<{ valid: boolean; scenario: ScenarioSummary }>('POST', '/scenarios/validate', { scenario_text: text, overrides: setList }).then(
        (r) => {
          if (!live) return;
          setProblem(null);
          setChecked(r.scenario);
        },
        (e) => {
          if (!live) return;
          setProblem(e);
          setChecked(null);
        },
      );
    }, 500);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, JSON.stringify(overrides)]);

  const issues = problem instanceof ApiRequestError ? problem.issues : [];
  // the issues with a line are the text's (the body's scenario_text): the overrides' have none
  const inText = (i: Issue) => !!i.line && !i.source.startsWith('overrides');
  const badLines = new Set(issues.filter(inText).map((i) => i.line!));
  const fieldIssue = (path: string) =>
    issues.find((i) => i.source.startsWith('overrides') && (i.path === path || i.source === `overrides[${JSON.stringify(path)}]`));

  const runBody = () => {
    const body: Record<string, unknown> = { scenario_text: text, overrides: setList };
    if (mode === 'bullmq') body.runtime = 'bullmq';
    if (mode === 'distributed') body.distribute = true;
    if (mode === 'paced' || mode === 'bullmq') body.time_scale = Number(timeScale);
    if (mode === 'bullmq' || mode === 'distributed') body.workers = Number(workers);
    return body;
  };

  const start = async (what: 'run' | 'compare' | 'sweep') => {
    setBusy(true);
    setNote('');
    try {
      if (what === 'run') {
        const view = await api<RunView>('POST', '/runs', runBody());
        rememberRunText(view.id, text!);
        navigate(`#/runs/${view.id}`);
      } else if (what === 'compare') {
        const set = setList;
        if (!set.length) {
          setNote('Change a parameter in the form first: the comparison is this scenario (a) against it with the form’s changes (b).');
          return;
        }
        const view = await api<RunView>('POST', '/compare', { a_text: text, set, ...(mode === 'distributed' ? { distribute: true } : {}) });
        rememberRunText(view.id, text!);
        navigate(`#/runs/${view.id}`);
      }
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(false);
    }
  };

  const applyToYaml = () => {
    if (text === null) return;
    const d = parseDocument(text);
    for (const [path, v] of Object.entries(overrides)) d.setIn(path.split('.'), v);
    setText(d.toString(YAML_OUT));
    setEdits({});
  };

  // what is saved is what would run: the form's changes written into the YAML, under the new name
  const save = () => {
    setNote('');
    try {
      const d = parseDocument(text ?? '');
      for (const [path, v] of Object.entries(overrides)) d.setIn(path.split('.'), v);
      if (d.has('name')) d.set('name', saveName);
      saveScenario(saveName, d.toString(YAML_OUT));
      setEdits({});
      setNote(`Saved as ${saveName} in this browser.`);
      if (saveName !== props.name) navigate(`#/scenarios/${saveName}`);
    } catch (e) {
      setNote((e as Error).message);
    }
  };

  if (loadError) return <ErrorBox error={loadError} />;
  if (text === null) return <p>Loading {props.name}…</p>;
  const groups = [...new Set(fields.map((f) => f.group))];
  return (
    <div class="page editor" data-editor={props.name}>
      <h1>
        {props.name} {saved ? <span class="badge">saved</span> : null}
      </h1>
      <div class="editor-grid">
        <section class="form">
          <h2>Common parameters</h2>
          <p class="note">
            Changes here are overrides on top of the YAML (like <code>--set</code>); the YAML itself is unchanged until you apply them.
          </p>
          {groups.map((g) => (
            <fieldset>
              <legend>{g}</legend>
              {fields
                .filter((f) => f.group === g)
                .map((f) => (
                  <FieldInput
                    f={f}
                    value={f.path in edits ? edits[f.path] : f.value}
                    edited={f.path in overrides}
                    issue={fieldIssue(f.path)}
                    onChange={(v) => setEdits({ ...edits, [f.path]: v })}
                  />
                ))}
            </fieldset>
          ))}
          <p class="overrides" data-overrides={JSON.stringify(overrides)}>
            {Object.keys(overrides).length
              ? `Overrides: ${Object.entries(overrides)
                  .map(([p, v]) => `${p}=${v}`)
                  .join(', ')}`
              : 'No overrides.'}
            {Object.keys(overrides).length ? (
              <>
                {' '}
                <button type="button" class="link" onClick={applyToYaml}>
                  write them into the YAML
                </button>{' '}
                <button type="button" class="link" onClick={() => setEdits({})}>
                  undo them
                </button>
              </>
            ) : null}
          </p>
        </section>
        <section class="yaml">
          <h2>Scenario YAML</h2>
          <YamlEditor text={text} onInput={setText} badLines={badLines} jump={jump} />
          <div class="check" data-validation={problem ? 'invalid' : checked ? 'valid' : 'pending'}>
            {problem ? (
              <ErrorBox error={problem} onJump={(line) => setJump({ line, n: Date.now() })} />
            ) : checked ? (
              <p class="ok">
                Valid: {checked.name}, {checked.stages.length} stages, {checked.tiers.length} tiers.
              </p>
            ) : (
              <p class="note">Checking…</p>
            )}
          </div>
        </section>
      </div>
      <section class="run-controls">
        <h2>Run</h2>
        <div class="row">
          <label>
            where{' '}
            <select value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as Mode)} data-run-mode="">
              {MODES.map(([m, label]) => (
                <option value={m}>{label}</option>
              ))}
            </select>
          </label>
          {mode === 'paced' || mode === 'bullmq' ? (
            <label title="simulated seconds per wall second: 86400 = a simulated day each second">
              time scale{' '}
              <input
                class="short"
                value={timeScale}
                onInput={(e) => setTimeScale((e.target as HTMLInputElement).value)}
                data-time-scale=""
              />
            </label>
          ) : null}
          {mode === 'bullmq' || mode === 'distributed' ? (
            <label>
              workers <input class="short" value={workers} onInput={(e) => setWorkers((e.target as HTMLInputElement).value)} />
            </label>
          ) : null}
        </div>
        <div class="row">
          <button type="button" class="primary" disabled={busy} onClick={() => start('run')} data-action="run">
            Run
          </button>
          <button type="button" disabled={busy} onClick={() => start('compare')} data-action="compare">
            Compare with the form’s changes
          </button>
          <a class="button" href={`#/sweep?scenario=${encodeURIComponent(props.name)}`}>
            Sweep…
          </a>
          <span class="spacer" />
          <label>
            save as <input value={saveName} onInput={(e) => setSaveName((e.target as HTMLInputElement).value)} data-save-name="" />
          </label>
          <button type="button" disabled={busy} onClick={save} data-action="save">
            Save
          </button>
        </div>
        {note ? (
          <p class="note" data-note="">
            {note}
          </p>
        ) : null}
      </section>
    </div>
  );
}
