/**
 * Every error a user can cause, with a code, in one place (as fastify keeps its errors).
 * Anything that is a ClearsimError is bad input: the CLI prints its message and exits 2,
 * the API answers 400. Anything else is a bug or an outside failure: exit 1 / HTTP 500.
 */
export class ClearsimError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ClearsimError';
  }
}

export interface ScenarioIssue {
  /** File name, or the override that caused it. */
  source: string;
  line?: number;
  /** Dotted path of the field, e.g. tiers.aeo.lanes.red ('' for the whole document). */
  path: string;
  message: string;
}

export function formatIssue(i: ScenarioIssue): string {
  const where = i.line ? `${i.source}:${i.line}` : i.source;
  return i.path ? `${where} ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

export class ScenarioError extends ClearsimError {
  constructor(readonly issues: ScenarioIssue[]) {
    super('CLEARSIM_SCENARIO_INVALID', issues.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
  }
}

export class UsageError extends ClearsimError {
  constructor(message: string) {
    super('CLEARSIM_BAD_USAGE', message);
    this.name = 'UsageError';
  }
}
