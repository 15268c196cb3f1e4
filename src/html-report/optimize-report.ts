/**
 * The HTML report of `clearsim optimize`: the answer, the rejected cheaper neighbours and every
 * candidate's evidence, in one self-contained page (no script, no network); text escaped.
 */
import type { Candidate, Optimization } from '../experiments/optimize.js';
import type { TargetResult } from '../experiments/target.js';
import { formatMagnitude } from '../scenario/duration.js';
import { esc } from './svg.js';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h1 .kind{display:block;font-size:.8rem;color:#666;font-weight:normal}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.ok{color:#1a7f37;font-weight:600}.no{color:#b42318}.unsure{color:#9a6700}
.answer{background:#eef6ee;border-left:4px solid #1a7f37;padding:.6rem 1rem}.none{background:#fbeeee;border-left:4px solid #b42318;padding:.6rem 1rem}
p.desc{color:#555}`;

const num = (x: number) => formatMagnitude(x);
/** A parameter's value or a cost as given: no padding digits. */
const val = (x: number) => (Number.isFinite(x) ? String(+x.toPrecision(6)) : '–');
const cls = (v: string) => (v === 'holds' || v === 'accepted' ? 'ok' : v === 'unsure' ? 'unsure' : 'no');

function targetCell(t: TargetResult | undefined): string {
  if (!t) return '<td>–</td>';
  return `<td class="${cls(t.verdict)}">${esc(num(t.estimate))} ± ${esc(num(t.half_width))} <small>${esc(t.verdict)}</small></td>`;
}

function candidateRows(o: Optimization, cs: (Candidate & { implied_by?: Record<string, number> })[]): string {
  return cs
    .map((c) => {
      const verdict = c.verdict === 'overloaded' ? 'overloaded' : c.feasible ? 'accepted' : 'rejected';
      const note = c.implied_by
        ? `implied by ${Object.entries(c.implied_by)
            .map(([k, v]) => `${k}=${val(v)}`)
            .join(', ')}`
        : c.verdict === 'overloaded'
          ? c.overloaded.map((x) => `${x.stage} load ${x.load.toFixed(2)}`).join(', ')
          : '';
      return `<tr>${o.params.map((p) => `<td>${esc(val(c.values[p.path]))}</td>`).join('')}<td>${esc(val(c.cost))}</td><td>${c.replications}</td>${o.targets
        .map((_, i) => targetCell(c.targets[i]))
        .join('')}<td class="l ${cls(verdict)}">${esc(verdict)}${note ? ` <small>(${esc(note)})</small>` : ''}</td></tr>`;
    })
    .join('\n');
}

export function renderOptimizeReport(o: Optimization): string {
  const head = `<tr>${o.params.map((p) => `<th>${esc(p.path)}</th>`).join('')}<th>cost</th><th>replications</th>${o.targets
    .map((t) => `<th>${esc(t)}</th>`)
    .join('')}<th class="l">verdict</th></tr>`;
  const conf = `${+(o.confidence * 100).toFixed(2)}%`;
  const answer = o.best
    ? `<div class="answer"><p><strong>Cheapest configuration meeting every target with ${esc(conf)} confidence:</strong> ${Object.entries(
        o.best.values,
      )
        .map(([k, v]) => `${esc(k)} = <strong>${esc(val(v))}</strong>`)
        .join(', ')}; cost ${esc(val(o.best.cost))}.</p><ul>${o.best.targets
        .map(
          (t) =>
            `<li>${esc(t.target)}: ${esc(num(t.estimate))} ± ${esc(num(t.half_width))} over ${t.replications} replications (one-sided ${esc(conf)} bound ${esc(num(t.bound))}): <span class="${cls(t.verdict)}">${esc(t.verdict)}</span></li>`,
        )
        .join('')}</ul></div>`
    : `<div class="none"><p><strong>No configuration found.</strong> ${esc(o.note)}</p></div>`;
  const neighbours = o.rejected_neighbours.length
    ? `<h2>Cheaper neighbours, rejected</h2><table>${head}${candidateRows(o, o.rejected_neighbours)}</table>`
    : '';
  const body = `<header><h1><span class="kind">clearsim · optimize</span>${esc(o.scenario)}</h1>
<p class="desc">Search: ${esc(o.search)} over ${o.params
    .map((p) => `${esc(p.path)} ${esc(val(p.lo))}..${esc(val(p.hi))} (cost ${esc(String(p.cost))} per unit)`)
    .join(
      '; ',
    )}. Every candidate ran the same replications (seed ${o.seed}, r), starting with ${o.replications.initial} and doubling up to ${o.replications.max} while an interval straddled its target; a stage at offered load ≥ 1 fails without simulating. ± is the 95% half-width.</p></header>
${answer}
${neighbours}
<h2>Every candidate evaluated</h2><table>${head}${candidateRows(o, o.candidates)}</table>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(`clearsim optimize: ${o.scenario}`)}</title><style>${CSS}</style></head><body>${body}</body></html>\n`;
}
