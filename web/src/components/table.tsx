import type { ComponentChildren } from 'preact';

/** A table of the results: numbers right-aligned, the first `leftCols` columns as labels. */
export function Table(props: { name: string; head: string[]; rows: ComponentChildren[][]; leftCols?: number; caption?: string }) {
  const left = props.leftCols ?? 1;
  return (
    <div class="table-wrap">
      <table data-table={props.name}>
        {props.caption ? <caption>{props.caption}</caption> : null}
        <thead>
          <tr>
            {props.head.map((h, i) => (
              <th class={i < left ? 'l' : ''}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              {r.map((c, i) => (
                <td class={i < left ? 'l' : ''}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Label–value pairs. */
export function Meta(props: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="meta">
      {props.items.map(([k, v]) => (
        <div>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
