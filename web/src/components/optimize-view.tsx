import { fmtNum, fmtPct } from '../format';
import { Meta, Table } from './table';

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});
const arr = (x: unknown): Obj[] => (Array.isArray(x) ? x.map(obj) : []);

/** `path = value, …` of a candidate, in the order the parameters were given. */
const valuesText = (v: unknown, paths: string[]) => {
  const o = obj(v);
  const keys = paths.length ? paths.filter((p) => p in o) : Object.keys(o);
  return keys.map((k) => `${k} = ${fmtNum(o[k], 6)}`).join(', ');
};

/** A target's evidence on a candidate: estimate ± half-width against its threshold. */
const evidence = (t: Obj) =>
  `${fmtNum(t.estimate, 4)} ± ${fmtNum(t.half_width, 3)} (${String(t.op)} ${fmtNum(t.threshold, 4)}): ${String(t.verdict)}`;

const overloadText = (c: Obj) =>
  arr(c.overloaded)
    .map((o) => `${String(o.stage)} overloaded (load ${fmtNum(o.load, 3)})`)
    .join('; ');

/**
 * `optimize`: the answer first (the cheapest values meeting every target, or that none does), then
 * the cheaper neighbours it beat and why, then every candidate's evidence, as `clearsim optimize --report`.
 */
export function OptimizeView(props: { result: unknown }) {
  const o = obj(props.result);
  const params = arr(o.params);
  const paths = params.map((p) => String(p.path));
  const targets = (Array.isArray(o.targets) ? o.targets : []).map(String);
  const best = o.best ? obj(o.best) : null;
  const reps = obj(o.replications);
  const candidates = arr(o.candidates);
  const neighbours = arr(o.rejected_neighbours);
  const why = (c: Obj) =>
    c.verdict === 'overloaded'
      ? overloadText(c)
      : arr(c.targets)
          .filter((t) => t.verdict !== 'holds')
          .map((t) => `${String(t.target)}: ${evidence(t)}`)
          .join('; ');
  return (
    <div class="optimize" data-optimize="">
      <section>
        <h2>Answer</h2>
        {best ? (
          <div class="answer" data-optimize-answer="found">
            <p class="lead">
              The cheapest configuration meeting every target with {fmtPct(o.confidence, 0)} confidence:{' '}
              <strong data-optimize-values="">{valuesText(best.values, paths)}</strong>, at cost{' '}
              <strong data-optimize-cost="">{fmtNum(best.cost, 6)}</strong> ({String(best.replications)} replications).
            </p>
            <ul class="lines">
              {arr(best.targets).map((t) => (
                <li>
                  {String(t.target)}: {evidence(t)}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <div class="answer" data-optimize-answer="none">
            <p class="lead">
              <strong>No configuration meets the targets</strong> with {fmtPct(o.confidence, 0)} confidence in the ranges searched.
            </p>
          </div>
        )}
        {o.note ? <p class="note">{String(o.note)}</p> : null}
      </section>
      {neighbours.length ? (
        <section>
          <h2>Cheaper neighbours, rejected</h2>
          <p class="note">Each configuration one step cheaper in one parameter than the answer, and why it does not do.</p>
          <Table
            name="optimize-neighbours"
            leftCols={3}
            head={['values', 'verdict', 'why', 'cost']}
            rows={neighbours.map((c) => [valuesText(c.values, paths), String(c.verdict), why(c), fmtNum(c.cost, 6)])}
          />
        </section>
      ) : null}
      <section>
        <h2>Evidence</h2>
        <Meta
          items={[
            ['scenario', String(o.scenario)],
            ['seed', String(o.seed)],
            ['search', String(o.search)],
            [
              'varied',
              params
                .map(
                  (p) =>
                    `${String(p.path)} ${fmtNum(p.lo, 6)}..${fmtNum(p.hi, 6)}${p.unit ? ` ${String(p.unit)}` : ''} (cost ${fmtNum(p.cost, 6)})`,
                )
                .join('; '),
            ],
            ['targets', targets.join('; ')],
            ['replications', `${String(reps.initial)} each, up to ${String(reps.max)}`],
            ['candidates', String(candidates.length)],
          ]}
        />
        <Table
          name="optimize-candidates"
          head={['values', 'cost', ...targets, 'replications', 'verdict']}
          rows={candidates.map((c) => {
            const ts = arr(c.targets);
            return [
              valuesText(c.values, paths),
              fmtNum(c.cost, 6),
              ...targets.map((name, i) => {
                const t = ts.find((x) => x.target === name) ?? ts[i];
                return t ? `${fmtNum(t.estimate, 4)} ± ${fmtNum(t.half_width, 3)}` : c.verdict === 'overloaded' ? overloadText(c) : '–';
              }),
              String(c.replications),
              String(c.verdict),
            ];
          })}
        />
      </section>
    </div>
  );
}
