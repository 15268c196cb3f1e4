import { ScenarioError, formatIssue } from '../errors.js';
import { loadScenarioFile, type Override } from '../scenario/load.js';
import { DEFAULT_MAX_EVENTS } from '../scenario/limits.js';
import { describeWork, estimateWork, formatCount } from '../scenario/work-estimate.js';
import { offeredLoads } from '../model/offered-load.js';
import { formatInteger } from '../format-integer.js';

/**
 * Validates each file; prints every problem, or a digest: the stages' offered loads, and the
 * expected work (shipments and events per replication) that `run` checks against its budget.
 */
export function validateCommand(files: string[], overrides: Override[]): number {
  let bad = 0;
  for (const f of files) {
    try {
      const s = loadScenarioFile(f, overrides);
      const loads = offeredLoads(s).map(
        (l) => `${l.stage} ${l.utilization === null ? 'unlimited' : `${(l.utilization * 100).toFixed(0)}%`}`,
      );
      process.stdout.write(`${f}: ok (${s.name}, ${s.tiers.length} tiers, ${s.stages.length} stages; offered load: ${loads.join(', ')})\n`);
      process.stdout.write(`${f}: work: ${describeWork(s)}\n`);
      for (const l of offeredLoads(s)) {
        if (l.utilization !== null && l.utilization >= 1)
          process.stderr.write(
            `${f}: warning: stages.${l.stage} is offered ${(l.utilization * 100).toFixed(0)}% of its capacity on average: its queue will grow without bound\n`,
          );
      }
      const events = estimateWork(s).events * s.replications;
      if (!(events <= DEFAULT_MAX_EVENTS)) {
        process.stderr.write(
          `${f}: warning: ~${formatCount(events)} events is above the default budget of ${formatInteger(DEFAULT_MAX_EVENTS)}: clearsim run refuses it unless given --max-events\n`,
        );
      }
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      bad++;
      for (const i of err.issues) process.stderr.write(`${formatIssue(i)}\n`);
    }
  }
  return bad ? 2 : 0;
}
