/** The HTML report of `clearsim compare <base> <a> <b> ...`: the ranking, and each scenario's differences from the base. */
import { statFormatter, type AdjustedInterval, type ManyComparison } from '../experiments/compare-many.js';
import { formatHours } from '../scenario/duration.js';
import { simplePage, simpleTable } from './simple-page.js';
import { dotWhisker, esc } from './svg.js';

const fin = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function renderCompareManyReport(c: Omit<ManyComparison, 'reports'>): string {
  const pct = `${+(c.confidence * 100).toFixed(2)}%`;
  const each = `${+((1 - (1 - c.confidence) / c.family_size) * 100).toFixed(2)}%`;
  const stat = statFormatter(c.rank_by);
  const num = (x: number) => (fin(x) ? stat(x) : '–');
  const signed = (x: number) => (fin(x) ? `${x > 0 ? '+' : x < 0 ? '−' : ''}${num(Math.abs(x))}` : '–');
  const ivText = (x: AdjustedInterval, f = signed) => (fin(x.diff) ? `${f(x.diff)} (${f(x.lo)} to ${f(x.hi)})` : '–');
  const hSigned = (x: number) => (fin(x) ? `${x > 0 ? '+' : x < 0 ? '−' : ''}${formatHours(Math.abs(x))}` : '–');
  const byName = new Map(c.comparisons.map((x) => [x.name, x]));
  const rankRows = c.ranking.map((r) => {
    const x = byName.get(r.name);
    return [
      String(r.rank),
      esc(r.name === c.base ? `${r.name} (base)` : r.name),
      esc(num(r.mean)),
      esc(x ? ivText(x.rank_stat) : '–'),
      esc(`${(r.probability_best * 100).toFixed(1)}%`),
      esc(x ? ivText(x.groups.aeo.mean, hSigned) : '–'),
      esc(x ? ivText(x.groups.non_aeo.mean, hSigned) : '–'),
      esc(x ? ivText(x.groups.all.mean, hSigned) : '–'),
    ];
  });
  const chart = dotWhisker({
    name: 'compare-many-diff',
    title: `${c.rank_by}: each scenario minus ${c.base}, simultaneous ${pct} intervals`,
    width: 1000,
    rows: c.comparisons.map((x) => ({ label: x.name, group: c.rank_by, value: x.rank_stat.diff, lo: x.rank_stat.lo, hi: x.rank_stat.hi })),
    xLabel: `difference (scenario − ${c.base})`,
    primaryLabel: `Bonferroni ${pct} interval (each at ${each})`,
    secondaryLabel: 'unadjusted intervals: not drawn',
    format: signed,
  });
  const warnings = Object.entries(c.warnings ?? {}).flatMap(([who, ws]) => ws.map((w) => `<li>${esc(who)}: ${esc(w.message)}</li>`));
  const body = `<header><h1><span class="kind">clearsim · comparison of several scenarios</span>${esc(c.variants.length)} scenarios vs ${esc(c.base)}</h1>
<p class="desc">Every scenario ran the same ${esc(c.replications)} replications (seed ${esc(c.seed)}, r) as the base, so each saw the same shipments. Differences are scenario − base; the intervals hold together with ${esc(pct)} confidence (Bonferroni over the ${esc(c.family_size)} comparisons with the base: each at ${esc(each)}). Ranked on <b>${esc(c.rank_by)}</b>, ${esc(c.better)} is better; the probability of being best is the share of ${esc(c.bootstrap.resamples)} bootstrap resamples of the paired replications (the same replications drawn for every scenario, seed '${esc(c.bootstrap.seed)}') in which the scenario has the best mean.</p></header>
${warnings.length ? `<div class="warn"><b>Overload</b><ul>${warnings.join('')}</ul></div>` : ''}
<section><h2>In plain words</h2><ul class="lines">${c.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></section>
<section><h2>Ranking</h2>${simpleTable('compare-many', ['rank', 'scenario', esc(c.rank_by), `vs base (${esc(pct)} simultaneous)`, 'P(best)', 'AEO mean vs base', 'non-AEO mean vs base', 'all mean vs base'], rankRows, 2)}</section>
<section><h2>Differences from the base</h2><figure><figcaption>${esc(c.rank_by)}, scenario − ${esc(c.base)}</figcaption>${chart}</figure></section>`;
  return simplePage(`clearsim comparison: ${esc(c.variants.length)} scenarios vs ${esc(c.base)}`, body);
}
