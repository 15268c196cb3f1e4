import type { HoursStats } from './report-schema.js';
import type { Summary } from './summary.js';

/** A summary of hours as every report section gives it: mean, sd, p50, p90, p95, p99, max. */
export const hoursStats = (s: Summary): HoursStats => ({
  mean: s.mean,
  sd: Math.sqrt(s.variance),
  p50: s.percentile(50),
  p90: s.percentile(90),
  p95: s.percentile(95),
  p99: s.percentile(99),
  max: s.max,
});
