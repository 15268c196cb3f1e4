import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { fmtH, fmtNum, fmtPct, fmtSigned, isNum } from '../format';
import { AEO_COLOR, ChartView, NON_AEO_COLOR, TIER_COLORS } from './chart';
import { Meta, Table } from './table';

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});

interface Interval {
  diff: number;
  lo: number;
  hi: number;
  half_width: number;
  unpaired_half_width: number;
  mean_a: number;
  mean_b: number;
}

const STATS: [string, string, (x: number) => string][] = [
  ['mean', 'mean clearance (h)', fmtH],
  ['p50', 'p50 (h)', fmtH],
  ['p90', 'p90 (h)', fmtH],
  ['inspection_rate', 'inspection rate', (x) => fmtPct(x, 2)],
];

/** `compare` (paired, common random numbers): b − a per group with its paired 95% interval, as `clearsim compare --report`. */
export function ComparisonView(props: { result: unknown }) {
  const c = obj(props.result);
  const groups = Object.entries(obj(c.groups)).map(([k, g]) => [k, obj(g)] as [string, Obj]);
  const [stat, setStat] = useState('mean');
  const chart = useMemo<ChartConfiguration<'bar'>>(() => {
    const ivs = groups.map(([, g]) => obj(g[stat]) as unknown as Interval);
    return {
      type: 'bar',
      data: {
        labels: groups.map(([k, g]) => String(g.label ?? k)),
        datasets: [
          {
            label: 'paired 95% interval of b − a',
            data: ivs.map((iv) => (isNum(iv.lo) && isNum(iv.hi) ? [iv.lo, iv.hi] : [iv.diff, iv.diff])) as unknown as number[],
            backgroundColor: ivs.map((iv) => (iv.hi < 0 ? `${AEO_COLOR}aa` : iv.lo > 0 ? `${NON_AEO_COLOR}aa` : '#99999988')),
            borderSkipped: false,
            barPercentage: 0.5,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const iv = ivs[ctx.dataIndex];
                const f = STATS.find((s) => s[0] === stat)![2];
                return `b − a ${fmtSigned(iv.diff, f)} (95%: ${f(iv.lo)} to ${f(iv.hi)}); a ${f(iv.mean_a)}, b ${f(iv.mean_b)}`;
              },
            },
          },
        },
        scales: { x: { title: { display: true, text: `b − a, ${STATS.find((s) => s[0] === stat)![1]}` } } },
      },
    };
  }, [props.result, stat]);
  const rows = groups.flatMap(([k, g]) =>
    STATS.filter(([s]) => g[s]).map(([s, label, f], i) => {
      const iv = obj(g[s]) as unknown as Interval;
      const narrower = isNum(iv.half_width) && iv.unpaired_half_width > 0 ? 1 - iv.half_width / iv.unpaired_half_width : Number.NaN;
      return [
        i === 0 ? String(g.label ?? k) : '',
        label,
        f(iv.mean_a),
        f(iv.mean_b),
        fmtSigned(iv.diff, f),
        isNum(iv.lo) ? `${f(iv.lo)} to ${f(iv.hi)}` : '–',
        isNum(iv.unpaired_half_width) ? `± ${f(iv.unpaired_half_width)}` : '–',
        fmtPct(narrower, 0),
      ];
    }),
  );
  return (
    <div class="comparison" data-comparison="">
      <Meta
        items={[
          ['a', String(c.a)],
          ['b', String(c.b)],
          ['seed', String(c.seed)],
          ['replications', String(c.replications)],
          ['pairing narrows the intervals by', fmtPct(c.pairing_narrows_by, 0)],
        ]}
      />
      <section>
        <h2>In plain words</h2>
        <ul class="lines" data-lines="">
          {(Array.isArray(c.lines) ? c.lines : []).map((l) => (
            <li>{String(l)}</li>
          ))}
        </ul>
      </section>
      <section>
        <h2>Differences with their intervals</h2>
        <p>
          Each bar is the paired 95% interval of b − a: green where b is surely lower, red where surely higher, grey where the interval
          holds 0.{' '}
          <label>
            statistic{' '}
            <select value={stat} onChange={(e) => setStat((e.target as HTMLSelectElement).value)} data-compare-stat="">
              {STATS.map(([s, label]) => (
                <option value={s}>{label}</option>
              ))}
            </select>
          </label>
        </p>
        <ChartView
          name="compare-intervals"
          label="Differences b − a with paired intervals"
          config={chart}
          height={60 + 34 * groups.length}
        />
      </section>
      <section>
        <h2>Table</h2>
        <Table
          name="comparison"
          leftCols={2}
          head={[
            'group',
            'statistic',
            `a: ${String(c.a)}`,
            `b: ${String(c.b)}`,
            'b − a',
            'paired 95% interval',
            'unpaired 95% interval',
            'paired narrower by',
          ]}
          rows={rows}
        />
      </section>
    </div>
  );
}

/** `sweep`: one row of statistics per point of the grid; the chart follows the first parameter. */
export function SweepView(props: { result: unknown }) {
  const s = obj(props.result);
  const params = (Array.isArray(s.params) ? s.params : []).map((p) => obj(p));
  const points = (Array.isArray(s.points) ? s.points : []).map((p) => obj(p));
  const paths = params.map((p) => String(p.path));
  const meanCols = points.length ? Object.keys(points[0]).filter((k) => k.endsWith('_mean_h') && !k.startsWith('disruption')) : [];
  const [cols, setCols] = useState<Set<string>>(new Set(meanCols.filter((k) => k === 'aeo_mean_h' || k === 'non_aeo_mean_h')));
  const label = (p: Obj) => paths.map((k) => `${k}=${typeof p[k] === 'object' ? JSON.stringify(p[k]) : String(p[k])}`).join(', ');
  const chart = useMemo<ChartConfiguration<'line'>>(
    () => ({
      type: 'line',
      data: {
        labels: points.map(label),
        datasets: meanCols
          .filter((k) => cols.has(k))
          .map((k, i) => {
            const color =
              k === 'aeo_mean_h' ? AEO_COLOR : k === 'non_aeo_mean_h' ? NON_AEO_COLOR : TIER_COLORS[(i + 2) % TIER_COLORS.length];
            return {
              label: k.replace(/_mean_h$/, '').replace(/_/g, '-'),
              data: points.map((p) => Number(p[k])),
              borderColor: color,
              backgroundColor: color,
            };
          }),
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmtH(c.parsed.y)} h` } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: 'mean clearance (h)' } } },
      },
    }),
    [props.result, [...cols].join('|')],
  );
  const shownCols = points.length ? Object.keys(points[0]).filter((k) => !paths.includes(k)) : [];
  const tableCols = shownCols.filter((k) => /_(mean_h|p90_h|utilization|inspection_rate)$/.test(k)).slice(0, 14);
  return (
    <div class="sweep" data-sweep="">
      <Meta
        items={[
          ['scenario', String(s.scenario)],
          ['replications per point', String(s.replications)],
          ['parameters', params.map((p) => `${p.path} = ${(p.values as unknown[]).join(', ')}`).join('; ')],
          ['points', String(points.length)],
        ]}
      />
      <section>
        <h2>Mean clearance across the points</h2>
        <fieldset class="tier-switches">
          <legend>Groups shown</legend>
          {meanCols.map((k) => (
            <label>
              <input
                type="checkbox"
                checked={cols.has(k)}
                onChange={() => {
                  const next = new Set(cols);
                  if (next.has(k)) next.delete(k);
                  else next.add(k);
                  setCols(next);
                }}
              />{' '}
              {k.replace(/_mean_h$/, '')}
            </label>
          ))}
        </fieldset>
        <ChartView name="sweep-means" label="Mean clearance at each point" config={chart} />
      </section>
      <section>
        <h2>Points</h2>
        <Table
          name="sweep-points"
          leftCols={paths.length}
          head={[...paths, ...tableCols]}
          rows={points.map((p) => [
            ...paths.map((k) => (typeof p[k] === 'object' ? JSON.stringify(p[k]) : String(p[k]))),
            ...tableCols.map((k) => (k.endsWith('_utilization') || k.endsWith('_rate') ? fmtPct(p[k]) : fmtNum(p[k]))),
          ])}
        />
      </section>
    </div>
  );
}
