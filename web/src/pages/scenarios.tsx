import { useState } from 'preact/hooks';
import type { ScenarioSummary } from '../api';
import { ErrorBox } from '../components/errors';
import { fmtInt, fmtNum, fmtPct } from '../format';
import { href } from '../router';
import { deleteSaved, savedSummaries } from '../saved-scenarios';
import { useGet } from '../use-api';

/** The bundled and saved scenarios, with their descriptions: open one to edit and run it. */
export function ScenariosPage() {
  const { data, error } = useGet<{ scenarios: ScenarioSummary[] }>('/scenarios');
  const [saved, setSaved] = useState(savedSummaries);
  const list = data?.scenarios ?? [];
  const groups: [string, ScenarioSummary[]][] = [
    ['Saved in this browser', saved],
    ['Bundled scenarios', list],
  ];
  return (
    <div class="page">
      <h1>Scenarios</h1>
      <p class="lead">
        Pick a scenario to change its parameters, run it, and follow it live. Scenarios you save are kept in this browser; the bundled ones
        ship with clearsim.
      </p>
      <ErrorBox error={error} />
      {!data && !error ? <p>Loading…</p> : null}
      {groups.map(([title, items]) =>
        items.length ? (
          <section>
            <h2>{title}</h2>
            <div class="scenario-list">
              {items.map((s) => (
                <article class="scenario" data-scenario={s.name}>
                  <h3>
                    <a href={href('scenarios', s.name)}>{s.name}</a>
                    {s.saved ? <span class="badge">saved</span> : null}
                  </h3>
                  <p class="description">{s.description || 'No description.'}</p>
                  <p class="facts">
                    {fmtInt(s.per_day)} declarations a day · {fmtNum(s.horizon_days)} days (warm-up {fmtNum(s.warmup_days)}) ·{' '}
                    {s.replications} replication{s.replications === 1 ? '' : 's'} · seed {s.seed}
                  </p>
                  <p class="facts">
                    tiers:{' '}
                    {s.tiers
                      .map((t) => `${t.label || t.name}${typeof t.shipment_share === 'number' ? ` ${fmtPct(t.shipment_share, 0)}` : ''}`)
                      .join(', ')}
                  </p>
                  <p class="facts">stages: {s.stages.join(' → ')}</p>
                  <p class="actions">
                    <a class="button primary" href={href('scenarios', s.name)}>
                      Edit and run
                    </a>
                    <a class="button" href={`${href('compare')}?a=${encodeURIComponent(s.name)}`}>
                      Compare
                    </a>
                    <a class="button" href={`${href('sweep')}?scenario=${encodeURIComponent(s.name)}`}>
                      Sweep
                    </a>
                    {s.saved ? (
                      <button
                        type="button"
                        onClick={() => {
                          deleteSaved(s.name);
                          setSaved(savedSummaries());
                        }}
                        data-action="delete-saved"
                      >
                        Delete
                      </button>
                    ) : null}
                  </p>
                </article>
              ))}
            </div>
          </section>
        ) : null,
      )}
    </div>
  );
}
