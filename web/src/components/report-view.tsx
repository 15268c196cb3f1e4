import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import type { Report, Timeline } from '../api';
import { fmtClock, fmtCny, fmtCount, fmtH, fmtInt, fmtNum, fmtPct, fmtSigned, isNum, withCi } from '../format';
import { AEO_COLOR, ChartView, LANE_COLORS, NON_AEO_COLOR, STAGE_COLORS, TIER_COLORS } from './chart';
import { Meta, Table } from './table';

/**
 * A run's results: the content of the HTML report (`clearsim run --report`), interactive. Hover a
 * chart for its values, click a legend entry to hide a series, and the tier switches at the top
 * show or hide a tier everywhere (charts and tables).
 */

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});
const entries = (x: unknown): [string, Obj][] => Object.entries(obj(x)).map(([k, v]) => [k, obj(v)]);

const STATS = ['mean', 'p50', 'p90', 'p95', 'p99'] as const;
const LANES = ['green', 'yellow', 'red', 'blue'];

function Card(props: { label: string; color: string; g: Obj; name: string }) {
  const ch = obj(props.g.clearance_hours);
  const w = obj(props.g.released_within);
  return (
    <div class="card" style={{ '--c': props.color }} data-card={props.name}>
      <h3>{props.label}</h3>
      <div class="big">
        {withCi(ch, 'mean')} <small>h mean clearance</small>
      </div>
      <Meta
        items={[
          ['shipments', fmtCount(props.g.count)],
          ['median (p50)', `${withCi(ch, 'p50')} h`],
          ['p90', `${withCi(ch, 'p90')} h`],
          ['released within 1 h', withCi(w, '1h', fmtPct)],
          ['released within 24 h', withCi(w, '24h', fmtPct)],
          ['released within 48 h', withCi(w, '48h', fmtPct)],
        ]}
      />
    </div>
  );
}

function clearanceByTierChart(r: Report, tiers: string[], colorOf: (t: string) => string): ChartConfiguration<'bar'> {
  const byTier = obj(r.by_tier);
  return {
    type: 'bar',
    data: {
      labels: STATS.map((s) => (s === 'mean' ? 'mean' : s)),
      datasets: tiers.map((t) => {
        const ch = obj(obj(byTier[t]).clearance_hours);
        return {
          label: String(obj(byTier[t]).label ?? t),
          data: STATS.map((s) => (isNum(ch[s]) ? (ch[s] as number) : Number.NaN)),
          backgroundColor: colorOf(t),
        };
      }),
    },
    options: {
      // hovering a statistic shows every tier's value of it
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmtH(c.parsed.y)} h` } },
      },
      scales: { y: { beginAtZero: true, title: { display: true, text: 'hours from arrival to release' } } },
    },
  };
}

function segmentsChart(r: Report, tiers: string[]): ChartConfiguration<'bar'> | null {
  const seg = obj(obj(r.segments).by_tier);
  const rows = tiers.map((t) => obj(seg[t]));
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((k) =>
    rows.some((row) => isNum(row[k]) && (row[k] as number) > 1e-9),
  );
  if (!keys.length) return null;
  const stages = Object.keys(obj(r.stages));
  const colorOf = (k: string, i: number) => {
    const st = stages.findIndex((s) => k === `${s}_wait` || k === `${s}_service`);
    if (st >= 0) return `${STAGE_COLORS[st % STAGE_COLORS.length]}${k.endsWith('_wait') ? '88' : ''}`;
    return ['#999999', '#bf812d', '#8073ac', '#e0e0e0', '#35978f'][i % 5];
  };
  const byTier = obj(r.by_tier);
  return {
    type: 'bar',
    data: {
      labels: tiers.map((t) => String(obj(byTier[t]).label ?? t)),
      datasets: keys.map((k, i) => ({
        label: k.replace(/_/g, ' '),
        data: rows.map((row) => (isNum(row[k]) ? (row[k] as number) : 0)),
        backgroundColor: colorOf(k, i),
        stack: 'time',
      })),
    },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmtH(c.parsed.x)} h` } },
      },
      scales: { x: { stacked: true, title: { display: true, text: 'mean hours per shipment' } }, y: { stacked: true } },
    },
  };
}

function cdfChart(r: Report): ChartConfiguration<'line'> | null {
  const avn = obj(r.aeo_vs_non_aeo);
  const groups: [string, string, unknown][] = [
    ['AEO', AEO_COLOR, obj(avn.aeo).percentiles],
    ['non-AEO', NON_AEO_COLOR, obj(avn.non_aeo).percentiles],
  ];
  const datasets = groups
    .filter(([, , ps]) => Array.isArray(ps) && ps.length && ps.every(isNum))
    .map(([label, color, ps]) => {
      const qs = ps as number[];
      return {
        label,
        borderColor: color,
        backgroundColor: color,
        stepped: true as const,
        pointRadius: 0,
        borderWidth: 2.5,
        data: [{ x: qs[0], y: 0 }, ...qs.map((q, k) => ({ x: q, y: (k + 1) / (qs.length + 1) }))],
      };
    });
  if (!datasets.length) return null;
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmtPct(c.parsed.y, 0)} released within ${fmtH(c.parsed.x)} h` } },
      },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'hours from arrival to release' } },
        y: {
          min: 0,
          max: 1,
          ticks: { callback: (v) => `${Math.round(Number(v) * 100)}%` },
          title: { display: true, text: 'share released' },
        },
      },
    },
  };
}

function stageTimelineChart(name: string, i: number, tl: Timeline): ChartConfiguration<'line'> {
  const k = tl.stages.findIndex((s) => s.name === name);
  const color = STAGE_COLORS[i % STAGE_COLORS.length];
  const pts = (f: (s: { queue: number; busy: number | null; capacity: number | null }) => number | null) =>
    tl.frames.map((fr) => {
      const v = f(fr.stages[k]);
      return { x: fr.clock_hours / 24, y: v === null || !isNum(v) ? Number.NaN : v };
    });
  const unlimited = tl.frames.every((fr) => fr.stages[k]?.capacity === null);
  const datasets = [
    { label: 'queue', data: pts((s) => s.queue), borderColor: color, backgroundColor: color, borderWidth: 1.8, pointRadius: 0 },
    {
      label: unlimited ? 'in progress' : 'servers busy',
      data: pts((s) => s.busy),
      borderColor: '#555',
      backgroundColor: '#555',
      borderWidth: 1.2,
      pointRadius: 0,
    },
  ];
  if (!unlimited)
    datasets.push({
      label: 'servers available',
      data: pts((s) => s.capacity),
      borderColor: '#999',
      backgroundColor: '#999',
      borderWidth: 1.2,
      pointRadius: 0,
      // biome-ignore lint/suspicious/noExplicitAny: Chart.js types a dataset's extras per chart type
      ...({ stepped: true, borderDash: [5, 4] } as any),
    });
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { title: (items) => fmtClock((items[0]?.parsed.x ?? 0) * 24) } },
      },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'simulated days' } },
        y: { beginAtZero: true },
      },
    },
  };
}

export function TierSwitches(props: { tiers: { name: string; label: string }[]; shown: Set<string>; onToggle: (t: string) => void }) {
  return (
    <fieldset class="tier-switches" data-tier-switches="">
      <legend>Tiers shown</legend>
      {props.tiers.map((t, i) => (
        <label style={{ '--c': TIER_COLORS[i % TIER_COLORS.length] }}>
          <input type="checkbox" checked={props.shown.has(t.name)} onChange={() => props.onToggle(t.name)} data-tier={t.name} /> {t.label}
        </label>
      ))}
    </fieldset>
  );
}

export function ReportView(props: { report: Report; timeline?: Timeline | null }) {
  const r = props.report;
  const allTiers = useMemo(
    () => entries(r.by_tier).map(([name, t]) => ({ name, label: String(t.label ?? name), aeo: t.aeo === true })),
    [r],
  );
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const shown = new Set(allTiers.map((t) => t.name).filter((t) => !hidden.has(t)));
  const tiers = allTiers.filter((t) => shown.has(t.name)).map((t) => t.name);
  const colorOf = (t: string) => TIER_COLORS[allTiers.findIndex((x) => x.name === t) % TIER_COLORS.length];
  const toggle = (t: string) => {
    const next = new Set(hidden);
    if (next.has(t)) next.delete(t);
    else next.add(t);
    setHidden(next);
  };
  const key = tiers.join('|');
  const byTierChart = useMemo(() => clearanceByTierChart(r, tiers, colorOf), [r, key]);
  const segChart = useMemo(() => segmentsChart(r, tiers), [r, key]);
  const cdf = useMemo(() => cdfChart(r), [r]);
  const avn = obj(r.aeo_vs_non_aeo);
  const ship = obj(r.shipments);
  const warm = obj(r.warmup);
  const byTier = obj(r.by_tier);
  const stages = entries(r.stages);
  const tl = props.timeline;
  const tlCharts = useMemo(
    () => (tl?.frames.length ? tl.stages.map((s, i) => ({ name: s.name, config: stageTimelineChart(s.name, i, tl) })) : []),
    [tl],
  );
  const ratio = avn.mean_ratio;
  return (
    <div class="report" data-report={r.scenario}>
      <Meta
        items={[
          ['scenario', r.scenario],
          ['seed', String(r.seed ?? '–')],
          ['replications', fmtInt(r.replications)],
          ['runtime', String(r.runtime ?? '–')],
          ['horizon', `${fmtNum(r.horizon_days)} days (warm-up ${fmtNum(r.warmup_days)})`],
          ['shipments arrived', fmtCount(ship.arrived)],
          ['released', fmtCount(ship.released)],
          ['in the statistics', fmtCount(ship.observed)],
          ['events', fmtCount(r.events)],
          ['wall time', isNum(r.wall_seconds) ? `${fmtNum(r.wall_seconds)} s` : '–'],
        ]}
      />
      {typeof r.description === 'string' ? <p class="report-description">{r.description}</p> : null}
      <TierSwitches tiers={allTiers} shown={shown} onToggle={toggle} />

      <section>
        <h2>Headline: AEO vs non-AEO</h2>
        <p class="lead" data-lead="headline">
          {isNum(ratio)
            ? `AEO shipments take ${fmtPct(ratio, 0)} of the non-AEO mean clearance time (${withCi(obj(avn.aeo).clearance_hours as Obj, 'mean')} h against ${withCi(obj(avn.non_aeo).clearance_hours as Obj, 'mean')} h).`
            : 'One of the groups has no shipments in the statistics.'}
        </p>
        <div class="cards">
          <Card label="AEO" color={AEO_COLOR} g={obj(avn.aeo)} name="aeo" />
          <Card label="non-AEO" color={NON_AEO_COLOR} g={obj(avn.non_aeo)} name="non_aeo" />
        </div>
      </section>

      <section>
        <h2>Clearance time by tier</h2>
        <div class="charts">
          <figure>
            <figcaption>Mean and percentiles of clearance, by tier</figcaption>
            <ChartView name="clearance-by-tier" label="Clearance hours by tier" config={byTierChart} />
          </figure>
          {cdf ? (
            <figure>
              <figcaption>Share released within a given time, AEO vs non-AEO (p1 to p99)</figcaption>
              <ChartView name="clearance-cdf" label="Share released within a given time" config={cdf} />
            </figure>
          ) : null}
        </div>
      </section>

      {segChart ? (
        <section>
          <h2>Where the time goes: arrival to release</h2>
          <p>Mean hours per shipment in each segment of its route (waiting and service at each stage, lodgement, guarantee, holds).</p>
          <ChartView name="segments" label="Where the time goes, by tier" config={segChart} height={80 + 42 * Math.max(1, tiers.length)} />
        </section>
      ) : null}

      <section>
        <h2>Queues and servers over simulated time</h2>
        {tlCharts.length ? (
          <div class="charts">
            {tlCharts.map((c) => (
              <figure>
                <figcaption>{c.name}: queue, busy and available servers (replication 0)</figcaption>
                <ChartView name={`timeline-${c.name}`} label={`${c.name} over simulated time`} config={c.config} height={200} />
              </figure>
            ))}
          </div>
        ) : (
          <p class="note">No recorded timeline for this run.</p>
        )}
      </section>

      <section>
        <h2>By trader tier</h2>
        <Table
          name="by-tier"
          head={[
            'tier',
            'shipments',
            'share',
            'mean (h)',
            'p50',
            'p90',
            'p95',
            'p99',
            '≤1 h',
            '≤24 h',
            '≤48 h',
            'green',
            'yellow',
            'red',
            'inspection rate',
            'hit rate',
            'detection rate',
            'value',
            'guarantees waived',
          ]}
          rows={tiers.map((t) => {
            const g = obj(byTier[t]);
            const ch = obj(g.clearance_hours);
            const w = obj(g.released_within);
            const lanes = obj(g.lanes);
            return [
              <span class="swatch" style={{ '--c': colorOf(t) }}>
                {String(g.label ?? t)}
              </span>,
              fmtCount(g.count),
              fmtPct(g.share),
              withCi(ch, 'mean'),
              withCi(ch, 'p50'),
              withCi(ch, 'p90'),
              withCi(ch, 'p95'),
              withCi(ch, 'p99'),
              fmtPct(w['1h']),
              fmtPct(w['24h']),
              fmtPct(w['48h']),
              fmtCount(lanes.green),
              fmtCount(lanes.yellow),
              fmtCount(lanes.red),
              fmtPct(g.inspection_rate, 2),
              fmtPct(g.hit_rate),
              fmtPct(g.detection_rate),
              fmtCny(g.value_cny),
              fmtCny(g.guarantee_waived_cny),
            ];
          })}
        />
      </section>

      <section>
        <h2>By lane</h2>
        <Table
          name="by-lane"
          head={['lane', 'shipments', 'share', 'mean (h)', 'p50', 'p90', 'p99']}
          rows={LANES.filter((l) => obj(r.by_lane)[l]).map((l) => {
            const g = obj(obj(r.by_lane)[l]);
            const ch = obj(g.clearance_hours);
            return [
              <span class="swatch" style={{ '--c': LANE_COLORS[l] }}>
                {l}
              </span>,
              fmtCount(g.count),
              fmtPct(g.share),
              withCi(ch, 'mean'),
              withCi(ch, 'p50'),
              withCi(ch, 'p90'),
              withCi(ch, 'p99'),
            ];
          })}
        />
      </section>

      <section>
        <h2>Stages</h2>
        <p>
          Utilization is busy over available server-time (opening hours and disruptions counted); queue is the time-average and maximum
          number waiting.
        </p>
        <Table
          name="stages"
          head={[
            'stage',
            'servers',
            'shipments',
            'wait mean (h)',
            'wait p90',
            'service mean (h)',
            'utilization',
            'queue mean',
            'queue max',
            ...tiers.map((t) => `${t} wait (h)`),
          ]}
          rows={stages.map(([name, s]) => [
            name,
            String(s.servers ?? '–'),
            fmtCount(s.count),
            withCi(obj(s.wait_hours), 'mean'),
            withCi(obj(s.wait_hours), 'p90'),
            withCi(obj(s.service_hours), 'mean'),
            withCi(s, 'utilization', fmtPct),
            fmtNum(obj(s.queue).mean),
            fmtCount(obj(s.queue).max),
            ...tiers.map((t) => withCi(obj(obj(obj(s.by_tier)[t]).wait_hours), 'mean')),
          ])}
        />
      </section>

      {Array.isArray(r.disruptions) && r.disruptions.length ? (
        <section>
          <h2>Disruptions</h2>
          <p>
            Clearance of the shipments that arrived in each disruption’s window (from its start to the end of the recovery window), against
            all shipments of the run.
          </p>
          <Table
            name="disruptions"
            leftCols={2}
            head={['disruption', 'group', 'shipments in window', 'mean (h)', 'p90 (h)', 'mean, whole run (h)', 'difference (h)']}
            rows={(r.disruptions as Obj[]).flatMap((d) => {
              const groups: [string, Obj, Obj][] = [
                ['AEO', obj(obj(d.aeo_vs_non_aeo).aeo), obj(avn.aeo)],
                ['non-AEO', obj(obj(d.aeo_vs_non_aeo).non_aeo), obj(avn.non_aeo)],
                ...tiers.map((t): [string, Obj, Obj] => [t, obj(obj(d.by_tier)[t]), obj(byTier[t])]),
              ];
              return groups.map(([label, g, all], k) => {
                const m = obj(g.clearance_hours).mean;
                const base = obj(all.clearance_hours).mean;
                return [
                  k === 0 ? (
                    <span>
                      <b>{String(d.name)}</b>
                      <br />
                      <span class="sub">
                        {fmtClock(d.start_hours as number)} – {fmtClock(d.end_hours as number)}
                      </span>
                    </span>
                  ) : (
                    ''
                  ),
                  label,
                  fmtCount(g.count),
                  withCi(obj(g.clearance_hours), 'mean'),
                  withCi(obj(g.clearance_hours), 'p90'),
                  withCi(obj(all.clearance_hours), 'mean'),
                  isNum(m) && isNum(base) ? fmtSigned(m - base) : '–',
                ];
              });
            })}
          />
        </section>
      ) : null}

      {r.by_direction ? (
        <section>
          <h2>Trade flows</h2>
          <Table
            name="by-direction"
            head={['direction', 'shipments', 'share', 'mean (h)', 'p50', 'p90', '≤24 h', '≤48 h', 'AEO / non-AEO mean']}
            rows={entries(r.by_direction).map(([dir, g]) => [
              dir,
              fmtCount(g.count),
              fmtPct(g.share),
              withCi(obj(g.clearance_hours), 'mean'),
              withCi(obj(g.clearance_hours), 'p50'),
              withCi(obj(g.clearance_hours), 'p90'),
              fmtPct(obj(g.released_within)['24h']),
              fmtPct(obj(g.released_within)['48h']),
              fmtPct(obj(g.aeo_vs_non_aeo).mean_ratio, 0),
            ])}
          />
          {r.by_mode ? (
            <Table
              name="by-mode"
              head={['mode', 'shipments', 'share', 'mean (h)', 'p50', 'p90']}
              rows={entries(r.by_mode).map(([mode, g]) => [
                mode,
                fmtCount(g.count),
                fmtPct(g.share),
                withCi(obj(g.clearance_hours), 'mean'),
                withCi(obj(g.clearance_hours), 'p50'),
                withCi(obj(g.clearance_hours), 'p90'),
              ])}
            />
          ) : null}
        </section>
      ) : null}

      {r.firms ? (
        <section>
          <h2>Firms</h2>
          <Table
            name="firms-by-tier"
            head={[
              'tier',
              'firms',
              'share of firms',
              'declarations',
              'share of declarations',
              'value',
              'share of value',
              'guarantees waived a year',
            ]}
            rows={tiers.map((t) => {
              const f = obj(obj(obj(r.firms).by_tier)[t]);
              return [
                String(obj(byTier[t]).label ?? t),
                fmtCount(f.firms),
                fmtPct(f.share_of_firms, 2),
                fmtCount(f.declarations),
                fmtPct(f.share_of_declarations),
                fmtCny(f.value_cny),
                fmtPct(f.share_of_value),
                fmtCny(f.guarantee_waived_cny_per_year),
              ];
            })}
          />
        </section>
      ) : null}

      {r.costs ? (
        <section>
          <h2>Costs</h2>
          <Table
            name="costs"
            head={['tier', 'time cost', 'guarantee fees', 'fees avoided', 'cost per declaration']}
            rows={[
              ...tiers.map((t) => [t, obj(obj(obj(r.costs).by_tier)[t])] as [string, Obj]),
              ['all', obj(obj(r.costs).overall)] as [string, Obj],
            ].map(([t, c]) => [
              t,
              fmtCny(c.time_cost_cny),
              fmtCny(c.guarantee_fees_cny),
              fmtCny(c.guarantee_fees_avoided_cny),
              fmtCny(c.cost_per_declaration_cny),
            ])}
          />
        </section>
      ) : null}

      {warm.configured_days !== undefined ? (
        <section>
          <h2>Warm-up</h2>
          <p data-lead="warmup">
            Configured warm-up {fmtNum(warm.configured_days)} days; MSER-5 suggests {fmtNum(warm.mser5_days)} days:{' '}
            {warm.sufficient ? 'the configured warm-up is long enough.' : 'the configured warm-up looks too short.'}
          </p>
        </section>
      ) : null}
    </div>
  );
}
