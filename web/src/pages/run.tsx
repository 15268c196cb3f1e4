import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, download, eventsUrl, FINISHED, type FlowSnapshot, type ReleasedPerHour, type RunView, type Timeline } from '../api';
import { ErrorBox } from '../components/errors';
import { ComparisonView, SweepView } from '../components/experiment-views';
import { OptimizeView } from '../components/optimize-view';
import { FlowView, type FlowState } from '../components/flow-view';
import { ReportView } from '../components/report-view';
import { Meta } from '../components/table';
import { fmtClock, fmtDate, fmtDuration, fmtPct } from '../format';
import { navigate } from '../router';
import { runText } from '../run-texts';
import { savedText } from '../saved-scenarios';
import { parseScenario, type Route, routeOf, tiersOf } from '../scenario-doc';

type WithRoute = { route?: Route };

/** The route to draw: the server's if it sends one, else read from the scenario text this browser started the run with, else the bundled or saved scenario's. */
function useRoute(view: RunView | null, fromServer: Route | undefined) {
  const [route, setRoute] = useState<{ route: Route; tiers: { name: string; label: string }[] } | null>(null);
  useEffect(() => {
    if (!view) return;
    const text = runText(view.id);
    if (text) {
      const doc = parseScenario(text);
      setRoute({ route: routeOf(doc), tiers: tiersOf(doc) });
      return;
    }
    if (view.kind && view.kind !== 'run') return;
    const saved = savedText(view.scenario);
    if (saved !== null) {
      const doc = parseScenario(saved);
      setRoute({ route: routeOf(doc), tiers: tiersOf(doc) });
      return;
    }
    const none = () => setRoute({ route: { intake: [], handling: [], lanes: {}, release: [] }, tiers: [] });
    // only a bundled name is asked for: another is no error, just a route the app cannot read
    api<{ scenarios: { name: string }[] }>('GET', '/scenarios')
      .then((l) => {
        if (!l.scenarios.some((s) => s.name === view.scenario)) return none();
        return api<{ text: string }>('GET', `/scenarios/${encodeURIComponent(view.scenario)}`).then((s) => {
          const doc = parseScenario(s.text);
          setRoute({ route: routeOf(doc), tiers: tiersOf(doc) });
        });
      })
      .catch(none);
  }, [view?.id]);
  if (fromServer) return { route: fromServer, tiers: route?.tiers ?? [] };
  return route;
}

/** The last 48 whole simulated hours up to the clock, as a live event has them (an hour with no release counts 0). */
function windowOf(r: ReleasedPerHour, clock: number): ReleasedPerHour {
  const at = new Map(r.hour.map((h, k) => [h, k]));
  const last = Math.floor(clock) - 1;
  const hour = Array.from({ length: 48 }, (_, i) => last - 47 + i).filter((h) => h >= 0);
  const by_tier = Object.fromEntries(
    Object.entries(r.by_tier).map(([t, xs]) => [t, hour.map((h) => (at.has(h) ? (xs[at.get(h)!] ?? 0) : 0))]),
  );
  return { hour, by_tier };
}

function frameState(tl: Timeline, i: number): FlowState {
  const f = tl.frames[Math.min(i, tl.frames.length - 1)];
  return {
    clock_hours: f.clock_hours,
    stages: f.stages.map((s, k) => ({ ...s, name: tl.stages[k]?.name ?? `stage ${k}` })),
    released_per_hour: windowOf(tl.released_per_hour, f.clock_hours),
    disruptions: tl.disruptions.map((d) => ({ ...d, active: f.clock_hours >= d.start_hour && f.clock_hours < d.end_hour })),
    active_disruptions: f.active_disruptions,
  };
}

/** The recorded flow of a finished run, played back: a slider over the simulated time and a play button. */
function Replay(props: { timeline: Timeline; route: Route; tiers: { name: string; label: string }[] }) {
  const tl = props.timeline;
  const [i, setI] = useState(tl.frames.length - 1);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(12);
  useEffect(() => {
    if (!playing) return;
    const t = setInterval(() => {
      setI((x) => {
        if (x >= tl.frames.length - 1) {
          setPlaying(false);
          return x;
        }
        return x + 1;
      });
    }, 1000 / speed);
    return () => clearInterval(t);
  }, [playing, speed, tl]);
  const state = useMemo(() => frameState(tl, i), [tl, i]);
  const tiers = props.tiers.length ? props.tiers : tl.tiers;
  return (
    <div class="replay" data-replay="">
      <div class="row">
        <button
          type="button"
          onClick={() => {
            if (i >= tl.frames.length - 1) setI(0);
            setPlaying(!playing);
          }}
          data-action="replay"
        >
          {playing ? 'Pause' : 'Play'}
        </button>
        <input
          type="range"
          min={0}
          max={tl.frames.length - 1}
          value={i}
          onInput={(e) => {
            setPlaying(false);
            setI(Number((e.target as HTMLInputElement).value));
          }}
          aria-label="simulated time"
          data-replay-slider=""
        />
        <span class="clock-small">{fmtClock(state.clock_hours)}</span>
        <label>
          speed{' '}
          <select value={String(speed)} onChange={(e) => setSpeed(Number((e.target as HTMLSelectElement).value))}>
            <option value="4">4 h/s</option>
            <option value="12">12 h/s</option>
            <option value="48">2 days/s</option>
          </select>
        </label>
      </div>
      <FlowView route={props.route} state={state} tiers={tiers} source="replay" />
    </div>
  );
}

function Downloads(props: { view: RunView }) {
  const { view } = props;
  const [error, setError] = useState<unknown>(null);
  const items: [string, string, string][] = [
    ['report_html', 'report (HTML)', `clearsim-${view.id}.html`],
    ['report_json', view.kind === 'run' || !view.kind ? 'report JSON' : 'result JSON', `clearsim-${view.id}.json`],
    ['trace', 'shipment trace (CSV)', `clearsim-${view.id}-trace.csv`],
    ['firms', 'firms table (CSV)', `clearsim-${view.id}-firms.csv`],
  ];
  const present = items.filter(([k]) => view.links[k]);
  if (!present.length) return null;
  return (
    <div class="downloads" data-downloads="">
      <strong>Download:</strong>{' '}
      {present.map(([k, label, file]) => (
        <button
          type="button"
          class="link"
          data-download={k}
          onClick={() => {
            setError(null);
            download(view.links[k]!, file).catch(setError);
          }}
        >
          {label}
        </button>
      ))}
      <ErrorBox error={error} />
    </div>
  );
}

/** Overrides as given: a list of "path=value", a map, or a comparison's or sweep's {set, params}. */
function overridesText(o: unknown): string {
  if (!o || (typeof o === 'object' && Object.keys(o).length === 0)) return 'none';
  if (Array.isArray(o)) return o.join(', ');
  if (typeof o === 'object')
    return Object.entries(o as Record<string, unknown>)
      .map(([k, v]) => (Array.isArray(v) ? `${k}: ${v.join(', ')}` : `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`))
      .join(', ');
  return String(o);
}

const statusLabel = (v: RunView) => (v.status === 'running' ? `running · ${fmtPct(v.progress, 0)}` : v.status);

/**
 * One run (or comparison, or sweep): its progress live (server-sent events), the live flow view
 * while a run goes, and once done its results, downloads and the replay of its recorded flow.
 */
export function RunPage(props: { id: string }) {
  const [view, setView] = useState<RunView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [flow, setFlow] = useState<(FlowSnapshot & WithRoute) | null>(null);
  const [timeline, setTimeline] = useState<(Timeline & WithRoute) | null>(null);
  const [live, setLive] = useState(false);
  const snapshots = useRef(0);

  const load = () =>
    api<RunView>('GET', `/runs/${encodeURIComponent(props.id)}`).then((v) => {
      setView(v);
      return v;
    }, setError);

  useEffect(() => {
    setView(null);
    setFlow(null);
    setTimeline(null);
    snapshots.current = 0;
    let source: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | undefined;
    load().then((v) => {
      if (!v || FINISHED.has(v.status)) return;
      source = new EventSource(eventsUrl(props.id));
      setLive(true);
      source.addEventListener('status', (e) => {
        const s = JSON.parse((e as MessageEvent).data);
        setView((old) => (old ? { ...old, status: s.status, progress: s.progress ?? old.progress } : old));
      });
      source.addEventListener('progress', (e) => {
        const p = JSON.parse((e as MessageEvent).data);
        setView((old) => (old ? { ...old, progress: p.progress, status: old.status === 'queued' ? 'running' : old.status } : old));
      });
      source.addEventListener('flow', (e) => {
        snapshots.current++;
        setFlow(JSON.parse((e as MessageEvent).data));
      });
      source.addEventListener('end', () => {
        source?.close();
        setLive(false);
        load();
      });
      source.onerror = () => {
        // no stream (refused, or the server went away): follow the run by reading it every second instead
        if (source?.readyState === EventSource.CLOSED && !poll) {
          setLive(false);
          poll = setInterval(() => {
            load().then((now) => {
              if (!now || FINISHED.has(now.status)) clearInterval(poll);
            });
          }, 1000);
        }
      };
    });
    return () => {
      source?.close();
      clearInterval(poll);
    };
  }, [props.id]);

  useEffect(() => {
    if (view?.status === 'done' && view.links.timeline && !timeline)
      api<Timeline & WithRoute>('GET', view.links.timeline).then(setTimeline, () => setTimeline(null));
  }, [view?.status, view?.links.timeline]);

  const route = useRoute(view, flow?.route ?? timeline?.route);

  if (error && !view) return <ErrorBox error={error} />;
  if (!view) return <p>Loading run…</p>;
  const kind = view.kind ?? 'run';
  const going = !FINISHED.has(view.status);
  const tiers = route?.tiers.length ? route.tiers : Object.keys(flow?.released_per_hour.by_tier ?? {}).map((t) => ({ name: t, label: t }));
  const flowState: FlowState | null = flow
    ? { ...flow, stages: flow.stages.map((s, i) => ({ ...s, name: s.name ?? `stage ${i}` })) }
    : null;
  return (
    <div class="page run" data-run={view.id} data-status={view.status} data-kind={kind}>
      <h1>
        {kind === 'compare' ? 'Comparison' : kind === 'sweep' ? 'Sweep' : kind === 'optimize' ? 'Optimization' : 'Run'}: {view.scenario}{' '}
        <span class={`status ${view.status}`} data-run-status={view.status}>
          {statusLabel(view)}
        </span>
      </h1>
      <div class="progress" data-progress={String(view.progress)}>
        <div class="bar" style={{ width: `${Math.round(view.progress * 100)}%` }} />
        <span>
          {fmtPct(view.progress, 0)}
          {live ? ' · live' : ''}
        </span>
      </div>
      <Meta
        items={[
          ['runtime', `${view.runtime}${view.distribute ? ' (distributed)' : ''}`],
          ['time scale', view.time_scale ? `${view.time_scale} simulated s per s` : 'as fast as possible'],
          ['replications', String(view.replications)],
          ['horizon', `${view.horizon_days} days`],
          ['seed', String(view.seed)],
          ['overrides', overridesText(view.overrides)],
          ['created', fmtDate(view.created_at)],
          ['took', fmtDuration(view.started_at, view.finished_at)],
        ]}
      />
      {going ? (
        <p>
          <button type="button" onClick={() => api('DELETE', `/runs/${view.id}`).then(load, setError)} data-action="cancel">
            Cancel
          </button>
        </p>
      ) : null}
      {view.runtime === 'bullmq' || view.distribute ? (
        <p class="note">
          The stage queues of this run on Redis:{' '}
          <a href="/queues" target="_blank" rel="noreferrer" data-queues-link="">
            the BullMQ board
          </a>{' '}
          (read-only; with a token, /queues-admin).
        </p>
      ) : null}
      {view.error ? (
        <div class="error" role="alert">
          {view.error}
        </div>
      ) : null}
      {(view.warnings ?? []).map((w) => (
        <div class="warning">{w}</div>
      ))}
      <ErrorBox error={error} />

      {kind === 'run' && going ? (
        <section>
          <h2>Live flow</h2>
          {view.time_scale === null && view.runtime === 'embedded' ? (
            <p class="note">This run is not paced: it goes as fast as the CPU allows, so the flow view shows snapshots as they come.</p>
          ) : null}
          <FlowView
            route={route?.route ?? { intake: [], handling: [], lanes: {}, release: [] }}
            state={flowState}
            tiers={tiers}
            source="live"
          />
        </section>
      ) : null}

      {view.status === 'done' ? (
        <>
          {kind !== 'optimize' ? <Downloads view={view} /> : null}
          {kind === 'run' && timeline && timeline.frames.length ? (
            <section>
              <h2>Flow, replayed</h2>
              <p class="note">The recorded flow of replication 0, hour by hour of simulated time.</p>
              <Replay timeline={timeline} route={route?.route ?? { intake: [], handling: [], lanes: {}, release: [] }} tiers={tiers} />
            </section>
          ) : null}
          {kind === 'run' && view.report ? (
            <section>
              <h2>Results</h2>
              <ReportView report={view.report} timeline={timeline} />
            </section>
          ) : null}
          {kind === 'compare' && view.result ? <ComparisonView result={view.result} /> : null}
          {kind === 'sweep' && view.result ? <SweepView result={view.result} /> : null}
          {/* an optimisation leads with its answer; its downloads come after the evidence */}
          {kind === 'optimize' && view.result ? <OptimizeView result={view.result} /> : null}
          {kind === 'optimize' ? <Downloads view={view} /> : null}
        </>
      ) : null}
      <p>
        <button type="button" class="link" onClick={() => navigate('#/runs')}>
          All runs
        </button>
      </p>
    </div>
  );
}
