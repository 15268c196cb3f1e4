import type { Issue } from '../api';
import { ApiRequestError } from '../api';

/** An issue as the loader writes it: `scenario:14 horizon.days: must be …`, `overrides["x"]: …`. */
export function issueText(i: Issue): string {
  const where = i.line ? `${i.source}:${i.line}` : i.source;
  if (where === `overrides[${JSON.stringify(i.path)}]`) return `${where}: ${i.message}`;
  return i.path ? `${where} ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

/** An API error with its issues, one per line. */
export function ErrorBox(props: { error: unknown; onJump?: (line: number) => void }) {
  const e = props.error;
  if (!e) return null;
  if (e instanceof ApiRequestError && e.issues.length) {
    return (
      <div class="error" role="alert" data-error={e.code}>
        <ul class="issues">
          {e.issues.map((i) => (
            <li data-issue-line={i.line ?? ''} data-issue-path={i.path}>
              {i.line && props.onJump ? (
                <button type="button" class="link" onClick={() => props.onJump!(i.line!)}>
                  {issueText(i)}
                </button>
              ) : (
                issueText(i)
              )}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div class="error" role="alert" data-error={e instanceof ApiRequestError ? e.code : 'error'}>
      {(e as Error).message ?? String(e)}
    </div>
  );
}
