import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import type { FlowDisruption, FlowStage, ReleasedPerHour } from '../api';
import { fmtClock, fmtInt } from '../format';
import type { Route } from '../scenario-doc';
import { ChartView, LANE_COLORS, TIER_COLORS } from './chart';

/** What the flow view shows at one moment: a live `flow` event or a frame of the recorded timeline. */
export interface FlowState {
  clock_hours: number;
  stages: (FlowStage & { name: string })[];
  released_per_hour: ReleasedPerHour;
  disruptions: FlowDisruption[];
  active_disruptions: number;
}

const BOX_W = 150;
const BOX_H = 80;
const COL = 190;
const ROW = 104;
const LANE_ORDER = ['green', 'yellow', 'red', 'blue'];

interface Node {
  key: string;
  kind: 'stage' | 'risk' | 'sink' | 'source';
  x: number;
  y: number;
}

/** Where each box goes: intake, handling, risk selection, the lanes as branches, release, released. */
function layout(route: Route, stageNames: string[]) {
  const known = route.intake.length + route.handling.length + Object.keys(route.lanes).length + route.release.length > 0;
  // without a route (a scenario the app could not read), the stages in a line
  const main = known ? [...route.intake, ...route.handling] : stageNames;
  const rank = (lane: string) => (LANE_ORDER.includes(lane) ? LANE_ORDER.indexOf(lane) : LANE_ORDER.length);
  const lanes = Object.keys(route.lanes).sort((a, b) => rank(a) - rank(b));
  const laneLen = Math.max(0, ...lanes.map((l) => route.lanes[l].length));
  const nLanes = Math.max(1, lanes.length);
  const height = Math.max(BOX_H + 90, nLanes * ROW + 40);
  const mid = height / 2;
  const laneY = (i: number) => mid + (i - (nLanes - 1) / 2) * ROW;
  const nodes = new Map<string, Node>();
  let col = 0;
  const x = (c: number) => 30 + BOX_W / 2 + c * COL;
  nodes.set('source', { key: 'source', kind: 'source', x: x(col) - 20, y: mid });
  col += 0.6;
  for (const s of main) nodes.set(s, { key: s, kind: 'stage', x: x(col++), y: mid });
  let laneStart = col;
  if (known && lanes.length) {
    nodes.set('risk', { key: 'risk', kind: 'risk', x: x(col) - 30, y: mid });
    // room between risk selection and the lanes' first stages for the lanes' names
    col += 1;
    laneStart = col;
    lanes.forEach((lane, i) => {
      route.lanes[lane].forEach((s, p) => {
        if (!nodes.has(s)) nodes.set(s, { key: s, kind: 'stage', x: x(laneStart + p), y: laneY(i) });
      });
    });
    col += Math.max(1, laneLen);
  }
  const laneEnd = col;
  for (const s of known ? route.release : []) if (!nodes.has(s)) nodes.set(s, { key: s, kind: 'stage', x: x(col++), y: mid });
  nodes.set('sink', { key: 'sink', kind: 'sink', x: x(col) - 30, y: mid });
  // stages the route does not name (e.g. used only by flows the app did not read): a row below
  const extra = stageNames.filter((s) => !nodes.has(s));
  extra.forEach((s, i) => {
    nodes.set(s, { key: s, kind: 'stage', x: x(i + 0.6), y: height + BOX_H / 2 + 10 });
  });
  const width = x(col) + 20;
  const fullHeight = extra.length ? height + BOX_H + 30 : height;

  // edges: the main line, then each lane from risk selection through its stages to release
  const edges: { lane: string; points: [number, number][] }[] = [];
  const at = (k: string): [number, number] => [nodes.get(k)!.x, nodes.get(k)!.y];
  const first = ['source', ...main];
  for (let i = 1; i < first.length; i++) edges.push({ lane: '', points: [at(first[i - 1]), at(first[i])] });
  const afterLanes = known ? route.release.find((s) => nodes.get(s)?.y === mid && nodes.get(s)!.x >= x(laneEnd)) : undefined;
  const target = afterLanes ?? 'sink';
  if (known && lanes.length) {
    edges.push({ lane: '', points: [at(first[first.length - 1]), at('risk')] });
    lanes.forEach((lane, i) => {
      const y = laneY(i);
      const pts: [number, number][] = [at('risk'), [x(laneStart) - BOX_W / 2 - 12, y]];
      for (const s of route.lanes[lane]) pts.push(at(s));
      pts.push([x(laneEnd - 1) + BOX_W / 2 + 12, y], at(target));
      edges.push({ lane, points: pts });
    });
  } else {
    edges.push({ lane: '', points: [at(first[first.length - 1]), at(target)] });
  }
  const rel = known ? route.release.filter((s) => nodes.get(s)?.y === mid) : [];
  for (let i = 1; i < rel.length; i++) edges.push({ lane: '', points: [at(rel[i - 1]), at(rel[i])] });
  if (rel.length) edges.push({ lane: '', points: [at(rel[rel.length - 1]), at('sink')] });
  return { nodes, edges, width, height: fullHeight, lanes, laneY, laneStart, x };
}

function StageBox(props: { node: Node; stage?: FlowStage }) {
  const { node, stage } = props;
  // a BullMQ run's coordinator knows the queues, not the workers' servers: both null, which is not "unlimited"
  const onWorkers = !!stage && stage.busy === null && stage.capacity === null;
  const unlimited = stage ? stage.capacity === null && !onWorkers : false;
  const cap = stage?.capacity ?? null;
  const busy = stage?.busy ?? null;
  const share = cap && busy !== null ? Math.min(1, busy / cap) : 0;
  const closed = cap === 0;
  const queue = stage?.queue ?? 0;
  const x0 = node.x - BOX_W / 2;
  const y0 = node.y - BOX_H / 2;
  return (
    <g
      class={`stage${closed ? ' closed' : ''}${queue > 0 ? ' waiting' : ''}`}
      data-stage={node.key}
      data-queue={stage ? String(queue) : ''}
      data-busy={busy === null ? '' : String(busy)}
      data-capacity={cap === null ? (unlimited ? 'unlimited' : 'unknown') : String(cap)}
    >
      <title>
        {`${node.key}: ${fmtInt(queue)} waiting, ${busy === null ? 'busy servers unknown here (on the workers)' : `${fmtInt(busy)} in service`}${unlimited ? ' (unlimited servers)' : cap === null ? '' : ` of ${fmtInt(cap)} servers available`}`}
      </title>
      <rect x={x0} y={y0} width={BOX_W} height={BOX_H} rx={8} class="box" />
      <text x={node.x} y={y0 + 17} class="stage-name">
        {node.key}
      </text>
      <text x={x0 + 10} y={y0 + 40} class="queue-label">
        queue
      </text>
      <text x={x0 + BOX_W - 10} y={y0 + 41} class="queue-value">
        {stage ? fmtInt(queue) : '–'}
      </text>
      <rect x={x0 + 10} y={y0 + 52} width={BOX_W - 20} height={9} rx={3} class="bar-bg" />
      <rect x={x0 + 10} y={y0 + 52} width={(BOX_W - 20) * share} height={9} rx={3} class="bar" />
      <text x={node.x} y={y0 + 74} class="servers">
        {!stage
          ? 'no data yet'
          : onWorkers
            ? 'served by the BullMQ workers'
            : unlimited
              ? `${busy === null ? '?' : fmtInt(busy)} in progress · unlimited`
              : closed
                ? `closed · ${busy === null ? '?' : fmtInt(busy)} finishing`
                : `busy ${busy === null ? '?' : fmtInt(busy)} / ${fmtInt(cap)} available`}
      </text>
    </g>
  );
}

function releasedChart(r: ReleasedPerHour, tiers: { name: string; label: string }[]): ChartConfiguration<'bar'> {
  const names = tiers.length ? tiers.map((t) => t.name) : Object.keys(r.by_tier);
  const label = (h: number) => `d${Math.floor(h / 24)} ${String(((h % 24) + 24) % 24).padStart(2, '0')}h`;
  return {
    type: 'bar',
    data: {
      labels: r.hour.map(label),
      datasets: names.map((name, i) => ({
        label: tiers.find((t) => t.name === name)?.label ?? name,
        data: r.by_tier[name] ?? [],
        backgroundColor: TIER_COLORS[i % TIER_COLORS.length],
        stack: 'released',
      })),
    },
    options: {
      scales: {
        x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 12 } },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: 'released / simulated h' } },
      },
      plugins: { legend: { position: 'bottom' }, tooltip: { mode: 'index', intersect: false } },
    },
  };
}

export function DisruptionBanner(props: { disruptions: FlowDisruption[]; clock: number; active: number }) {
  const { disruptions, clock } = props;
  const on = disruptions.filter((d) => d.active ?? (clock >= d.start_hour && clock < d.end_hour));
  if (on.length === 0 && props.active === 0) {
    const next = disruptions.filter((d) => d.start_hour > clock).sort((a, b) => a.start_hour - b.start_hour)[0];
    return (
      <div class="banner calm" data-disruption-banner="off">
        No disruption now{next ? ` · next: ${next.name}, from ${fmtClock(next.start_hour)}` : ''}
      </div>
    );
  }
  return (
    <div class="banner alert" data-disruption-banner="on" role="alert">
      <strong>Disruption</strong>{' '}
      {on.length ? on.map((d) => `${d.name} (${fmtClock(d.start_hour)} – ${fmtClock(d.end_hour)})`).join('; ') : `${props.active} active`}
    </div>
  );
}

/**
 * The route as a diagram: each stage with its queue and its busy and available servers, risk
 * selection branching into the lanes, released shipments per simulated hour by tier, the
 * disruption banner and the simulated clock.
 */
export function FlowView(props: { route: Route; state: FlowState | null; tiers: { name: string; label: string }[]; source: string }) {
  const { route, state } = props;
  const stageNames = state?.stages.map((s) => s.name) ?? [];
  const geo = useMemo(() => layout(route, stageNames), [route, stageNames.join('|')]);
  const byName = new Map((state?.stages ?? []).map((s) => [s.name, s]));
  const released = state?.released_per_hour;
  const lastHour = released?.hour.length ? Object.values(released.by_tier).reduce((s, xs) => s + (xs[xs.length - 1] ?? 0), 0) : 0;
  const chart = useMemo(() => (released ? releasedChart(released, props.tiers) : null), [released, props.tiers]);
  return (
    <div class="flow-view" data-flow-view={props.source}>
      <div class="flow-head">
        <div class="clock" data-clock={state ? String(state.clock_hours) : ''}>
          <span class="label">simulated clock</span> {state ? fmtClock(state.clock_hours) : 'waiting for the first snapshot…'}
        </div>
        {state ? <DisruptionBanner disruptions={state.disruptions} clock={state.clock_hours} active={state.active_disruptions} /> : null}
      </div>
      <svg
        class="flow"
        viewBox={`0 0 ${geo.width} ${geo.height}`}
        style={{ maxWidth: `${geo.width}px` }}
        role="img"
        aria-label="The route: stages with their queues and servers, lanes as branches"
        data-flow=""
      >
        {geo.lanes.map((lane, i) => (
          <text x={geo.x(geo.laneStart) - BOX_W / 2 - 16} y={geo.laneY(i) - 7} class="lane-label" fill={LANE_COLORS[lane] ?? '#555'}>
            {lane} lane
          </text>
        ))}
        {geo.edges.map((e) => (
          <polyline
            points={e.points.map((p) => p.join(',')).join(' ')}
            class={`edge${e.lane ? ' lane' : ''}`}
            stroke={e.lane ? (LANE_COLORS[e.lane] ?? '#777') : '#777'}
          />
        ))}
        {[...geo.nodes.values()].map((n) => {
          if (n.kind === 'stage') return <StageBox node={n} stage={byName.get(n.key)} />;
          if (n.kind === 'risk')
            return (
              <g class="risk">
                <polygon points={`${n.x},${n.y - 34} ${n.x + 34},${n.y} ${n.x},${n.y + 34} ${n.x - 34},${n.y}`} />
                <text x={n.x} y={n.y - 2}>
                  risk
                </text>
                <text x={n.x} y={n.y + 12}>
                  selection
                </text>
              </g>
            );
          if (n.kind === 'source')
            return (
              <g class="terminal">
                <circle cx={n.x} cy={n.y} r={22} />
                <text x={n.x} y={n.y + 4}>
                  lodged
                </text>
              </g>
            );
          return (
            <g class="terminal sink" data-released-last-hour={String(lastHour)}>
              <circle cx={n.x} cy={n.y} r={30} />
              <text x={n.x} y={n.y - 4}>
                released
              </text>
              <text x={n.x} y={n.y + 12} class="small">
                {fmtInt(lastHour)} last h
              </text>
            </g>
          );
        })}
      </svg>
      {chart ? (
        <ChartView name="released-per-hour" label="Released shipments per simulated hour, by tier" config={chart} height={200} />
      ) : null}
    </div>
  );
}
