/**
 * The report's schema (docs/report.md), in code: what `buildReport` and `mergeReplications` produce,
 * what `compare --json` and `sweep --json` print, with a description (meaning and unit) on every
 * field. The TypeScript types the CLI, the HTML report and the experiments read reports through
 * are derived from it (`Static`), and docs/report.schema.json is generated from it
 * (`npm run schema`, scripts/write-report-schema.mjs) so that tools outside see the same contract.
 *
 * Times are hours unless a field's name says otherwise (`_days`, `_seconds`). Shares and rates are
 * in [0, 1]. Fields are never renamed; new ones may be added (outside tools should ignore fields
 * they do not know). Objects list every field they have: the schema is closed, except the report's
 * top level, where a runtime may add a section of its own (as the BullMQ runtime adds `bullmq`).
 */
import {
  Type,
  type Static,
  type TNull,
  type TNumber,
  type TOptional,
  type TProperties,
  type TSchema,
  type TUnion,
} from '../vendor/typebox.js';

// ---------------------------------------------------------------------------------------------
// building blocks

const hours = (description: string) => Type.Number({ minimum: 0, description: `${description} (hours)` });
const count = (description: string) => Type.Number({ minimum: 0, description });
const share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const nullableNumber = (description: string, opts: { minimum?: number; maximum?: number } = {}) =>
  Type.Union([Type.Number(opts), Type.Null()], { description });

/** A schema of a key that a merged report gives a `<key>_ci95` sibling (a number, or a number or null). */
type Statistic = TNumber | TUnion<[TNumber, TNull]>;
type StatisticKeys<P extends TProperties> = { [K in keyof P & string]: P[K] extends Statistic ? K : never }[keyof P & string];
/** `P` with an optional `<key>_ci95` number after every statistic of P. */
export type WithCi95<P extends TProperties> = P & { [K in StatisticKeys<P> as `${K}_ci95`]: TOptional<TNumber> };

const isStatistic = (s: TSchema): boolean =>
  s.type === 'number' ||
  (Array.isArray(s.anyOf) &&
    s.anyOf.some((x: TSchema) => x.type === 'number') &&
    s.anyOf.every((x: TSchema) => x.type === 'number' || x.type === 'null'));

/** The suffix of the 95% half-width a merged report puts next to each averaged statistic. */
export const CI95_SUFFIX = '_ci95';

/**
 * For an object of numeric statistics: each statistic followed by its optional `<key>_ci95`, the
 * 95% confidence half-width that mergeReplications adds when it averages replications (src/stats/replications.ts).
 * Keys a merged report does not average (labels, fixed settings, sums) must not be passed here.
 */
export function withCi95<P extends TProperties>(props: P): WithCi95<P> {
  const out: TProperties = {};
  for (const [k, s] of Object.entries(props)) {
    out[k] = s;
    if (isStatistic(s)) {
      out[`${k}${CI95_SUFFIX}`] = Type.Optional(
        Type.Number({
          minimum: 0,
          description: `Merged replications only: 95% confidence half-width of ${k} across the replications (t distribution, n - 1 degrees of freedom), in ${k}'s unit; absent in a single replication's report`,
        }),
      );
    }
  }
  return out as WithCi95<P>;
}

/** The statistic `k` of `o` with its 95% half-width when `o` comes from merged replications. */
export function ci95Of<T extends object, K extends keyof T & string>(o: T, k: K): number | undefined {
  const v = (o as Record<string, unknown>)[`${k}${CI95_SUFFIX}`];
  return typeof v === 'number' ? v : undefined;
}

/** A shared schema with another description where it is used (the $ref keeps its own). */
function described<T extends TSchema>(s: T, description: string): T {
  return { ...s, description };
}

const closed = { additionalProperties: false } as const;

/** Every schema with an $id, by it: docs/report.schema.json has each in $defs once, with the description it was made with. */
const SHARED = new Map<string, TSchema>();
function shared<T extends TSchema>(s: T): T {
  if (SHARED.has(s.$id!)) throw new Error(`report schema: two schemas with $id ${s.$id}`);
  SHARED.set(s.$id!, s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// the report

export const LANE_KEYS = ['green', 'yellow', 'red', 'blue'] as const;

/** One object per lane: green, yellow and red always, blue when the scenario uses it. */
function perLane<T extends TSchema>(item: T, what: string, id: string) {
  return shared(
    Type.Object(
      {
        green: described(item, `${what}: green lane (released on the declaration)`),
        yellow: described(item, `${what}: yellow lane (documentary check)`),
        red: described(item, `${what}: red lane (physical inspection)`),
        blue: Type.Optional(described(item, `${what}: blue lane (post-clearance audit); only when a flow or tier uses it`)),
      },
      {
        $id: id,
        description: `${what}, by lane: green, yellow and red always; blue only when the scenario's flow or a tier uses it`,
        ...closed,
      },
    ),
  );
}

export const HoursStatsSchema = shared(
  Type.Object(
    withCi95({
      mean: hours('Mean'),
      sd: hours('Standard deviation'),
      p50: hours('Median'),
      p90: hours('90th percentile'),
      p95: hours('95th percentile'),
      p99: hours('99th percentile'),
      max: hours("Largest value (in a merged report: the mean over replications of each one's largest)"),
    }),
    {
      $id: 'HoursStats',
      description:
        'Summary of a duration over the shipments reported (released, arrived after the warm-up), in hours. ' +
        'Percentiles come from a log-linear histogram (0.4% relative precision). All 0 when there were no shipments.',
      ...closed,
    },
  ),
);
export type HoursStats = Static<typeof HoursStatsSchema>;

export const ReleasedWithinSchema = shared(
  Type.Object(
    withCi95({
      '1h': share('Share released within 1 hour of arrival'),
      '24h': share('Share released within 24 hours of arrival'),
      '48h': share('Share released within 48 hours of arrival'),
    }),
    {
      $id: 'ReleasedWithin',
      description:
        'Shares of shipments released within the Time Release Study service standards (1, 24, 48 hours of arrival); 0 when there were no shipments',
      ...closed,
    },
  ),
);
export type ReleasedWithin = Static<typeof ReleasedWithinSchema>;

export const TierLanesSchema = shared(
  Type.Object(
    withCi95({
      green: count('Shipments sent green (released on the declaration)'),
      yellow: count('Shipments sent yellow (documentary check)'),
      red: count('Shipments sent red (physical inspection)'),
      blue: Type.Optional(count('Shipments sent blue (post-clearance audit); only when the scenario uses the blue lane')),
    }),
    { $id: 'TierLanes', description: "A tier's shipments by lane (counts)", ...closed },
  ),
);

export const TierReportSchema = shared(
  Type.Object(
    {
      label: Type.String({ description: "The tier's label, as the scenario gives it" }),
      aeo: Type.Boolean({ description: 'Whether the tier is an authorized economic operator (AEO) tier' }),
      ...withCi95({
        count: count('Shipments reported (released, arrived after warm-up)'),
        share: share("Share of all reported shipments that are this tier's"),
      }),
      clearance_hours: described(
        HoursStatsSchema,
        'Clearance time: arrival of the goods to release (hours; 0 when released before arrival)',
      ),
      released_within: ReleasedWithinSchema,
      lanes: TierLanesSchema,
      ...withCi95({
        inspection_rate: share('Share sent to physical inspection: lanes.red / count, as China Customs counts it'),
        hit_rate: share(
          'Findings per checked shipment: among shipments in the yellow or red lane, the share with a finding (0 when none was checked)',
        ),
        detection_rate: share(
          'Share of the non-compliant shipments that a check found: findings over noncompliant (0 when none was non-compliant)',
        ),
        noncompliant: count('Non-compliant shipments (observed)'),
        findings: count('Checked (yellow or red) shipments with a finding: the numerator of hit_rate'),
        pre_lodged_share: share('Share lodged before the goods arrived'),
        value_cny: Type.Number({
          minimum: 0,
          description: 'Total declared value of the observed shipments (CNY; 0 when the tier has no value)',
        }),
        value_share: share("Share of the declared value of all reported shipments that is this tier's"),
        guarantee_waived_cny: Type.Number({
          minimum: 0,
          description:
            'For a guarantee_exempt tier, the guarantees waived (CNY): value × guarantee.amount_rate over its declarations that would have needed one; 0 for other tiers',
        }),
      }),
      segments_mean_hours: Type.Object(
        withCi95({
          lodgement_delay: hours('Mean wait for a declaration lodged after arrival, per shipment'),
          guarantee: hours('Mean time lodging the guarantee, per shipment'),
          hold: hours('Mean hold after a finding, per shipment'),
        }),
        { description: 'Three Time Release Study segments, mean hours per shipment (the full split is in segments.by_tier)', ...closed },
      ),
    },
    { $id: 'TierReport', description: 'One trader tier: clearance times, lanes, checks and money', ...closed },
  ),
);
export type TierReport = Static<typeof TierReportSchema>;

export const OverallSchema = shared(
  Type.Object(
    {
      ...withCi95({ count: count('Shipments reported') }),
      clearance_hours: described(HoursStatsSchema, 'Clearance time of all shipments, arrival to release (hours)'),
      released_within: ReleasedWithinSchema,
      ...withCi95({ inspection_rate: share('Share of all shipments sent red (physical inspection)') }),
    },
    { $id: 'Overall', description: 'All reported shipments together', ...closed },
  ),
);

export const GroupReportSchema = shared(
  Type.Object(
    {
      ...withCi95({ count: count("Shipments reported in the group's tiers") }),
      clearance_hours: described(HoursStatsSchema, "Clearance time of the group's shipments, arrival to release (hours)"),
      released_within: ReleasedWithinSchema,
      percentiles: Type.Array(Type.Number({ minimum: 0 }), {
        minItems: 99,
        maxItems: 99,
        description:
          "Clearance-time percentiles p1 to p99 of the group (hours; item k is p(k+1)): the CDF a Time Release Study plots. In a merged report, the first replication's",
      }),
    },
    { $id: 'GroupReport', description: 'The AEO tiers together, or the non-AEO tiers together', ...closed },
  ),
);
export type GroupReport = Static<typeof GroupReportSchema>;

export const AeoVsNonAeoSchema = shared(
  Type.Object(
    {
      aeo: described(GroupReportSchema, 'The AEO tiers together'),
      non_aeo: described(GroupReportSchema, 'The non-AEO tiers together'),
      ...withCi95({
        mean_ratio: nullableNumber(
          'AEO mean clearance divided by non-AEO mean clearance; null when there are no AEO shipments or the non-AEO mean is 0',
          { minimum: 0 },
        ),
      }),
    },
    { $id: 'AeoVsNonAeo', description: 'The headline comparison: AEO against non-AEO clearance', ...closed },
  ),
);

export const LaneReportSchema = shared(
  Type.Object(
    {
      ...withCi95({
        count: count('Shipments reported in the lane'),
        share: share('Share of all reported shipments in the lane'),
      }),
      clearance_hours: described(HoursStatsSchema, "Clearance time of the lane's shipments, arrival to release (hours)"),
    },
    { $id: 'LaneReport', description: 'One lane', ...closed },
  ),
);

export const StageTierSchema = shared(
  Type.Object(
    {
      ...withCi95({ count: count("The tier's shipments that went through the stage") }),
      wait_hours: described(HoursStatsSchema, "The tier's wait in the stage's queue (hours)"),
    },
    { $id: 'StageTier', description: "One tier's shipments at a stage", ...closed },
  ),
);

export const StageReportSchema = shared(
  Type.Object(
    {
      servers: Type.Union([Type.Integer({ minimum: 0 }), Type.Literal('unlimited')], {
        description: "Servers (officers, teams, lanes) the scenario gives the stage, or 'unlimited' (a pure delay)",
      }),
      ...withCi95({ count: count('Observed shipments that started service at the stage') }),
      wait_hours: described(
        HoursStatsSchema,
        "Time in the stage's queue before service starts (hours); waiting for the goods before a needs_goods stage is not queue time",
      ),
      service_hours: described(HoursStatsSchema, 'Service time at the stage (hours)'),
      ...withCi95({
        utilization: nullableNumber(
          'Busy over available server-time in the observation window (opening hours and disruptions counted); null for an unlimited stage',
          { minimum: 0, maximum: 1 },
        ),
      }),
      queue: Type.Object(
        withCi95({
          mean: count('Time-average number waiting over the observation window (shipments)'),
          max: count('Largest number waiting in the observation window (shipments)'),
        }),
        { description: 'Queue length, shipments waiting for a server', ...closed },
      ),
      ...withCi95({
        busy_mean: count(
          'Time-average busy servers over the observation window (for an unlimited stage: the mean number of shipments in it)',
        ),
      }),
      by_tier: Type.Record(Type.String(), StageTierSchema, { description: 'The stage by trader tier (every tier of the scenario)' }),
    },
    { $id: 'StageReport', description: 'One stage (declaration processing, checks, payment, ...)', ...closed },
  ),
);
export type StageReport = Static<typeof StageReportSchema>;

export const CountAndClearanceSchema = shared(
  Type.Object(
    {
      ...withCi95({ count: count('Shipments') }),
      clearance_hours: described(HoursStatsSchema, 'Clearance time, arrival to release (hours)'),
    },
    { $id: 'CountAndClearance', description: 'A count of shipments and their clearance time', ...closed },
  ),
);
export type CountAndClearance = Static<typeof CountAndClearanceSchema>;

export const DisruptionReportSchema = shared(
  Type.Object(
    {
      name: Type.String({ description: "The disruption's name" }),
      start_hours: Type.Number({ description: "When it starts, hours from the clock's start (Monday 00:00 of day 0)" }),
      end_hours: Type.Number({ description: "When it ends, hours from the clock's start" }),
      window_end_hours: Type.Number({
        description: "End of its window: end_hours plus the scenario's priority recovery (hours from the clock's start)",
      }),
      by_tier: Type.Record(Type.String(), CountAndClearanceSchema, { description: 'Shipments arriving in the window, by tier' }),
      by_lane: perLane(CountAndClearanceSchema, 'Shipments arriving in the window', 'DisruptionLanes'),
      aeo_vs_non_aeo: Type.Object(
        {
          aeo: described(CountAndClearanceSchema, 'AEO shipments arriving in the window'),
          non_aeo: described(CountAndClearanceSchema, 'Non-AEO shipments arriving in the window'),
          ...withCi95({
            mean_ratio: nullableNumber(
              'AEO mean clearance over non-AEO mean clearance in the window; null when the non-AEO mean is 0 (no non-AEO shipments)',
              { minimum: 0 },
            ),
          }),
        },
        { description: 'AEO against non-AEO in the window', ...closed },
      ),
    },
    {
      $id: 'DisruptionReport',
      description: 'Shipments that arrived during a disruption or its recovery window (start to end + priority.recovery)',
      ...closed,
    },
  ),
);
export type DisruptionReport = Static<typeof DisruptionReportSchema>;

/** Where a shipment's time goes: the Time Release Study segments, in the order a shipment lives them. */
export type SegmentKind = 'lodgement' | 'wait' | 'service' | 'guarantee' | 'hold' | 'goods_wait';
export interface Segment {
  /** The key in segments.by_tier.<tier> and segments.by_lane.<lane>. */
  key: string;
  kind: SegmentKind;
  /** The stage of a wait or service segment. */
  stage?: string;
}

/**
 * The segments of a report whose stages are `stages` (in the scenario's order, as report.stages
 * lists them): lodgement, each stage's wait and service, guarantee, hold, goods_wait. The one
 * place their keys are made: nothing needs to take a key apart to find its stage.
 */
export function segmentsOf(stages: readonly string[]): Segment[] {
  return [
    { key: 'lodgement', kind: 'lodgement' },
    ...stages.flatMap((stage): Segment[] => [
      { key: `${stage}_wait`, kind: 'wait', stage },
      { key: `${stage}_service`, kind: 'service', stage },
    ]),
    { key: 'guarantee', kind: 'guarantee' },
    { key: 'hold', kind: 'hold' },
    { key: 'goods_wait', kind: 'goods_wait' },
  ];
}

const segmentProps = withCi95({
  lodgement: hours('Waiting for a declaration lodged after the goods arrived'),
  guarantee: hours('Lodging the guarantee'),
  hold: hours('Held after a finding'),
  goods_wait: hours('Any time after arrival that no other segment accounts for, normally 0: a needs_goods stage waiting for the goods'),
});
const stageSegment = {
  type: 'number',
  minimum: 0,
  description:
    "<stage>_wait: the stage's queue; <stage>_service: its service (mean hours per shipment); <key>_ci95: a merged report's 95% half-width",
};
/** Mean hours per shipment in each segment; keys as segmentsOf() makes them. */
export const SegmentMeansSchema = shared(
  Type.Unsafe<Record<string, number>>({
    ...Type.Object(segmentProps),
    $id: 'SegmentMeans',
    description:
      "Mean hours per shipment in each Time Release Study segment, in the order a shipment lives them: lodgement, each stage's <stage>_wait and <stage>_service, guarantee, hold, goods_wait. " +
      "Only time after the goods arrived counts, so a shipment's segments add up to its clearance time. segmentsOf(stage names) gives the keys.",
    // (goods_wait is not a stage's: the pattern leaves it to its property)
    patternProperties: { [`^(?!goods_wait(${CI95_SUFFIX})?$).+_(wait|service)(${CI95_SUFFIX})?$`]: stageSegment },
    ...closed,
  }),
);

export const SegmentsSchema = shared(
  Type.Object(
    {
      by_tier: Type.Record(Type.String(), SegmentMeansSchema, { description: 'Per trader tier' }),
      by_lane: perLane(SegmentMeansSchema, 'Segments', 'SegmentLanes'),
    },
    { $id: 'Segments', description: 'Arrival-to-release time split into Time Release Study segments (mean hours per shipment)', ...closed },
  ),
);

export const WarmupSchema = shared(
  Type.Object(
    {
      ...withCi95({
        configured_days: Type.Number({
          minimum: 0,
          description: 'Warm-up the scenario configures (days): shipments arriving then are simulated, not reported',
        }),
        mser5_days: Type.Number({ minimum: 0, description: 'Warm-up MSER-5 suggests on the series (days)' }),
      }),
      sufficient: Type.Boolean({
        description:
          "Whether the configured warm-up is at least what MSER-5 suggests (in a merged report, the first replication's verdict)",
      }),
      series: Type.String({ description: 'What MSER-5 ran on' }),
    },
    { $id: 'Warmup', description: 'Is the warm-up long enough? MSER-5 on mean clearance by hour of arrival', ...closed },
  ),
);

export const ShipmentsSchema = shared(
  Type.Object(
    {
      arrived: count('Shipments whose declaration or goods came in the run, warm-up included (a merged report: total over replications)'),
      released: count('Of those, released by the end of the run (a merged report: total)'),
      in_progress: count('Of those, still in progress at the end: arrived - released (a merged report: total)'),
      observed: count('Released shipments that arrived after the warm-up: the ones every statistic is about (a merged report: total)'),
      per_replication: Type.Optional(
        Type.Object(
          {
            arrived: count('Mean shipments arrived per replication'),
            arrived_ci95: Type.Number({ minimum: 0, description: '95% half-width of arrived per replication' }),
          },
          { description: 'Merged replications only: arrivals per replication', ...closed },
        ),
      ),
    },
    { $id: 'Shipments', description: 'How many shipments the run saw', ...closed },
  ),
);

export const PerReplicationSchema = shared(
  Type.Object(
    {
      replication: Type.Integer({ minimum: 0, description: 'Replication index r (seeded with (seed, r))' }),
      aeo_mean_hours: hours("The replication's AEO mean clearance"),
      non_aeo_mean_hours: hours("The replication's non-AEO mean clearance"),
      by_tier: Type.Record(
        Type.String(),
        Type.Object(
          {
            count: count('Shipments reported'),
            mean: hours('Mean clearance'),
            p90: hours('90th percentile of clearance'),
            inspection_rate: share('Share sent red'),
          },
          { description: 'One tier in the replication', ...closed },
        ),
        { description: 'By tier' },
      ),
    },
    { $id: 'PerReplication', description: "One replication's headline figures", ...closed },
  ),
);

export const TimelineSchema = shared(
  Type.Object(
    {
      hours: Type.Array(Type.Number(), { description: "Sampling times, hours from the clock's start (Monday 00:00 of day 0)" }),
      stages: Type.Record(
        Type.String(),
        Type.Object(
          {
            queue: Type.Array(Type.Number({ minimum: 0 }), { description: 'Shipments waiting at each sampling time' }),
            busy: Type.Array(Type.Number({ minimum: 0 }), { description: 'Busy servers (shipments in service) at each sampling time' }),
            capacity: Type.Array(Type.Union([Type.Number({ minimum: 0 }), Type.Null()]), {
              description: 'Servers available at each sampling time (opening hours and disruptions counted); null for an unlimited stage',
            }),
          },
          { description: "One stage's samples, one per item of hours", ...closed },
        ),
        { description: 'By stage' },
      ),
    },
    {
      $id: 'Timeline',
      description:
        "Every stage's queue, busy servers and capacity sampled over simulated time (the first replication's); only when the run was asked for it (clearsim run --report)",
      ...closed,
    },
  ),
);
export type Timeline = Static<typeof TimelineSchema>;

export const BullmqSectionSchema = shared(
  Type.Object(
    {
      run_id: Type.String({ description: "The run's id: its queues and keys in Redis (the first replication's in a merged report)" }),
      ...withCi95({
        time_scale: Type.Number({ exclusiveMinimum: 0, description: 'Simulated seconds per wall second' }),
        worker_processes: count('Worker processes serving Redis when the run started (local ones and ones started elsewhere)'),
        redis_hz: nullableNumber("Redis's hz setting (how often it promotes delayed jobs); null when CONFIG GET is not allowed", {
          minimum: 0,
        }),
        duplicate_releases: count('Releases seen twice and ignored (0 when every shipment was released exactly once)'),
        pipeline_seconds: Type.Number({ minimum: 0, description: "Wall seconds from the simulated clock's start to the last release" }),
        last_release_hours: Type.Optional(
          nullableNumber(
            "Simulated time of the last release, hours from the clock's start (the embedded engine stops at its own: a comparison of events needs both); null when nothing was released",
          ),
        ),
      }),
      lag: Type.Object(
        {
          ...withCi95({
            mean_wall_seconds: Type.Number({
              minimum: 0,
              description:
                "How late delayed steps started (lodgement, guarantee, holds, waiting for goods, unlimited stages), in wall seconds: each shipment's largest lag, averaged over shipments",
            }),
            p95_wall_seconds: Type.Number({ minimum: 0, description: '95th percentile of the lag, in wall seconds' }),
            max_wall_seconds: Type.Number({ minimum: 0, description: 'Largest lag, in wall seconds' }),
            p95_sim_hours: hours('95th percentile of the lag in simulated time'),
          }),
          keeping_up: Type.Boolean({
            description: 'Whether the p95 lag stayed within 0.5 wall seconds: when false the workers fell behind and queueing is distorted',
          }),
        },
        { description: 'How far the workers ran behind the simulated clock', ...closed },
      ),
    },
    { $id: 'BullmqSection', description: 'The BullMQ runtime only: how the distributed run went', ...closed },
  ),
);
export type BullmqSection = Static<typeof BullmqSectionSchema>;

// ---------------------------------------------------------------------------------------------
// firms and costs (scenarios with a firms section)

const cny = (description: string) => Type.Number({ description: `${description} (CNY)` });

export const FirmTierSchema = shared(
  Type.Object(
    {
      ...withCi95({
        firms: count('Firms in the tier (after certifications); the same in every replication: firms are drawn once per seed'),
        share_of_firms: share('Share of all firms'),
        declarations: count("Observed declarations of the tier's firms"),
        share_of_declarations: share('Share of all observed declarations'),
        value_cny: cny('Declared value of those declarations'),
        share_of_value: share('Share of all observed declared value'),
        guarantee_waived_cny: cny('Guarantee amounts waived (guarantee-exempt tiers only)'),
        guarantee_waived_cny_per_year: cny('The same, per year (scaled from the observed days)'),
        noncompliance: share("The firms' noncompliance propensity, weighted by expected declarations"),
      }),
      sectors: Type.Record(Type.String(), share("Share of the tier's firms in the sector"), {
        description: "Share of the tier's firms in each sector (every sector of the scenario)",
      }),
    },
    { $id: 'FirmTier', description: "A tier's firms and what they lodge", ...closed },
  ),
);

export const FirmRowSchema = shared(
  Type.Object(
    {
      id: Type.String({ description: 'Firm id (F00001 ...): the same firm in every scenario of the seed' }),
      tier: Type.String({ description: 'Tier after certifications' }),
      base_tier: Type.String({ description: "Tier as the scenario's tiers assign it, before certifications" }),
      sector: Type.String({ description: 'Sector' }),
      declarations: count('Observed declarations (a merged report: mean per replication)'),
      declarations_per_year: count('Expected declarations per year (its share of the arrivals)'),
      value_cny: cny('Declared value of the observed declarations (a merged report: mean per replication)'),
      clearance_hours: Type.Object(
        {
          mean: hours('Mean clearance of its declarations'),
          p90: hours('90th percentile (to about 4.5%; a merged report: mean over replications)'),
        },
        { description: 'Clearance of its declarations (arrival to release)', ...closed },
      ),
      inspections: count('Declarations sent red (physical inspection)'),
      noncompliance: share('Noncompliance propensity: the probability that a declaration is non-compliant'),
      guarantee_waived_cny: cny('Guarantee amounts waived over the observed days'),
      guarantee_waived_cny_per_year: cny('The same, per year'),
    },
    { $id: 'FirmRow', description: 'One firm', ...closed },
  ),
);
export type FirmRow = Static<typeof FirmRowSchema>;

export const FirmsSectionSchema = shared(
  Type.Object(
    {
      count: count('Firms in the district'),
      observed_days: Type.Number({
        minimum: 0,
        description: 'Days whose declarations are reported (horizon minus warm-up): per-year figures scale from them',
      }),
      sectors: Type.Record(Type.String(), share('Share of all firms'), { description: 'Share of all firms in each sector' }),
      by_tier: Type.Record(Type.String(), FirmTierSchema, { description: "By tier, in the scenario's order" }),
      certifications: Type.Array(
        Type.Object(
          {
            name: Type.String({ description: 'The policy' }),
            from: Type.String({ description: 'Tier the firms leave' }),
            to: Type.String({ description: 'Tier they join' }),
            firms: count('Firms moved'),
            ids: Type.Array(Type.String(), { description: 'Their ids, in the order chosen' }),
          },
          { description: 'One certification policy as applied', ...closed },
        ),
        { description: 'The certification policies, in order (empty when none)' },
      ),
      top: Type.Array(FirmRowSchema, { description: 'The 20 largest firms by observed declared value, in that order' }),
      concentration: Type.Object(
        {
          firm_share: Type.Array(share('Share of firms'), { description: 'Shares of firms, largest by observed value first' }),
          value_share: Type.Array(share('Share of value'), { description: 'Share of declared value those firms carry' }),
          declaration_share: Type.Array(share('Share of declarations'), { description: 'Share of declarations those firms lodge' }),
        },
        {
          description: 'Concentration curve: the largest firms by value against the share of value and declarations they carry',
          ...closed,
        },
      ),
    },
    {
      $id: 'FirmsSection',
      description:
        "The firm population (scenarios with a firms section): shares by tier follow from the firms; `top` the largest firms. Shares are over the run's firms and observed declarations",
      ...closed,
    },
  ),
);
export type FirmsSection = Static<typeof FirmsSectionSchema>;

export const CostTierSchema = shared(
  Type.Object(
    withCi95({
      time_cost_cny: cny('Time cost of the goods held in clearance: value x clearance days x time_cost_per_day'),
      guarantee_fees_cny: cny('Fees on the guarantees lodged: amount x guarantee_fee_rate'),
      guarantee_fees_avoided_cny: cny('Fees not paid on guarantees waived'),
      cost_per_declaration_cny: cny('Time cost and guarantee fees per observed declaration'),
    }),
    { $id: 'CostTier', description: "A tier's clearance costs over the observed days", ...closed },
  ),
);

export const CostsSectionSchema = shared(
  Type.Object(
    {
      time_cost_per_day: share("Share of the goods' value one day of clearance costs (the scenario's costs, or the default 0.01)"),
      guarantee_fee_rate: share('Fee on a guarantee lodged, as a share of its amount (default 0.01)'),
      by_tier: Type.Record(Type.String(), CostTierSchema, { description: "By tier, in the scenario's order" }),
      overall: CostTierSchema,
    },
    { $id: 'CostsSection', description: 'What clearance costs traders, in CNY (scenarios with firms or a costs section)', ...closed },
  ),
);
export type CostsSection = Static<typeof CostsSectionSchema>;

// ---------------------------------------------------------------------------------------------
// trade flows (scenarios with a flows section)

export const DirectionReportSchema = shared(
  Type.Object(
    {
      ...withCi95({ count: count('Shipments reported'), share: share('Share of all shipments reported') }),
      clearance_hours: described(HoursStatsSchema, 'Clearance time, arrival to release (hours), port handling included'),
      released_within: ReleasedWithinSchema,
      lodgement_to_release_hours: described(
        HoursStatsSchema,
        'Lodgement of the declaration to release (hours), as a Time Release Study also reports',
      ),
      aeo_vs_non_aeo: Type.Object(
        {
          aeo: CountAndClearanceSchema,
          non_aeo: CountAndClearanceSchema,
          ...withCi95({
            mean_ratio: nullableNumber('AEO mean clearance over non-AEO mean; null when either group is empty or non-AEO mean is 0'),
          }),
        },
        { description: 'AEO against non-AEO shipments of the direction', ...closed },
      ),
    },
    { $id: 'DirectionReport', description: 'Imports or exports: clearance as published figures split it', ...closed },
  ),
);

export const ModeReportSchema = shared(
  Type.Object(
    {
      ...withCi95({ count: count('Shipments reported'), share: share('Share of all shipments reported') }),
      clearance_hours: described(HoursStatsSchema, 'Clearance time, arrival to release (hours)'),
      by_direction: Type.Record(Type.String(), CountAndClearanceSchema, { description: "The mode's imports and exports (those it has)" }),
    },
    { $id: 'ModeReport', description: 'One transport mode', ...closed },
  ),
);

export const FlowReportSchema = shared(
  Type.Object(
    {
      direction: Type.String({ description: 'import or export' }),
      mode: Type.String({ description: 'Transport mode' }),
      ...withCi95({ count: count('Shipments reported'), share: share('Share of all shipments reported') }),
      clearance_hours: described(HoursStatsSchema, 'Clearance time, arrival to release (hours)'),
      released_within: Type.Record(Type.String(), share('Share released within that many hours'), {
        description: "Shares released within 1h, 24h, 48h and the flow's own service standards (keys like '72h')",
      }),
      lodgement_to_release_hours: described(HoursStatsSchema, 'Lodgement to release (hours)'),
    },
    { $id: 'FlowReport', description: 'One trade flow of the scenario', ...closed },
  ),
);

export const DestinationReportSchema = shared(
  Type.Object(
    {
      mra_factor: share("The scenario's factor on an AEO's destination clearance at an MRA partner"),
      aeo_mra: described(CountAndClearanceSchema, 'AEO exports to MRA partners: destination clearance (hours)'),
      aeo_other: described(CountAndClearanceSchema, 'AEO exports elsewhere'),
      non_aeo_mra: described(CountAndClearanceSchema, 'Non-AEO exports to MRA partners'),
      non_aeo_other: described(CountAndClearanceSchema, 'Non-AEO exports elsewhere'),
      ...withCi95({
        mra_saving_hours: Type.Number({
          description: 'Mean hours an AEO export to an MRA partner saves at destination against an AEO export elsewhere',
        }),
      }),
    },
    {
      $id: 'DestinationReport',
      description: "Exports' clearance at destination (not part of domestic clearance): what mutual recognition of AEOs is worth abroad",
      ...closed,
    },
  ),
);

export const TwoStepReportSchema = shared(
  Type.Object(
    {
      stage: Type.String({ description: 'The stage that processes complete declarations' }),
      deadline_hours: Type.Number({ minimum: 0, description: 'Complete declarations are due within this of release (hours)' }),
      ...withCi95({
        declarations: count('Imports released on a summary declaration (observed)'),
        share_of_imports: share('Their share of observed imports'),
        officer_hours: Type.Number({
          minimum: 0,
          description: 'Officer hours spent on complete declarations after release, within the observation window (warm-up to horizon)',
        }),
        share_of_stage_busy: share("Those hours' share of the stage's busy hours: the post-release workload"),
      }),
      release_hours: Type.Object(
        {
          two_step: described(HoursStatsSchema, 'Clearance of imports released on a summary declaration (hours)'),
          full: described(HoursStatsSchema, 'Clearance of the other imports (hours)'),
        },
        { description: 'Import release times with and without two-step declaration', ...closed },
      ),
      complete_declarations: Type.Object(
        {
          ...withCi95({
            count: count('Complete declarations lodged after release (of observed shipments)'),
            reviewed: count(
              "Of them, reviewed by an officer at the stage: those whose lane's checks include it (the rest are accepted as lodged)",
            ),
          }),
          wait_hours: described(HoursStatsSchema, 'Wait of the reviewed ones at the stage (hours)'),
          service_hours: described(HoursStatsSchema, 'Officer time of each reviewed one (hours)'),
          done_after_release_hours: described(HoursStatsSchema, 'Release of the goods to the review done (hours)'),
        },
        { description: 'The complete declarations, processed after release', ...closed },
      ),
    },
    {
      $id: 'TwoStepReport',
      description: 'Two-step declaration: release on a summary declaration, the complete declaration processed after release',
      ...closed,
    },
  ),
);

export const OverloadWarningSchema = shared(
  Type.Object(
    {
      code: Type.Union([Type.Literal('stage_overloaded'), Type.Literal('queue_growing')], {
        description:
          "stage_overloaded: the stage is offered at least its capacity over the horizon (offered load >= 1, as validate computes it); queue_growing: the stage's queue was still long at the end of the horizon (Little's law test, docs/report.md)",
      }),
      stage: Type.String({ description: 'The stage (a key of stages)' }),
      message: Type.String({ description: 'What the warning says, as the CLI prints it' }),
      offered_load: Type.Optional(
        Type.Number({ minimum: 0, description: 'stage_overloaded: offered server-hours per available server-hour' }),
      ),
      wait_ratio: Type.Optional(
        Type.Number({
          minimum: 0,
          description:
            'queue_growing: hours the observed shipments waited at the stage over the queue-hours the stage held in the observation window (about 1 for a stable queue)',
        }),
      ),
      utilization: Type.Optional(Type.Number({ minimum: 0, description: "queue_growing: the stage's utilization in the window" })),
      replications: Type.Optional(
        Type.Integer({ minimum: 1, description: 'A merged report: how many of its replications raised the warning' }),
      ),
    },
    { $id: 'OverloadWarning', description: 'A warning that a stage is overloaded: its results depend on the horizon', ...closed },
  ),
);
export type OverloadWarning = Static<typeof OverloadWarningSchema>;

export const PrecisionSchema = shared(
  Type.Object(
    {
      replications: Type.Integer({ minimum: 1, description: 'Replications it took (the last batch run)' }),
      max_replications: Type.Integer({ minimum: 1, description: 'The most --max-replications allowed' }),
      met: Type.Boolean({ description: 'Every goal met (false: stopped at max_replications)' }),
      targets: Type.Array(
        Type.Object(
          {
            path: Type.String({
              description: 'The statistic: a numeric path of the report (compare: of each report, the statistic being b - a)',
            }),
            goal: Type.String({ description: "The goal as given: '5%' (of the estimate) or an absolute half-width ('0.5h', '0.5')" }),
            half_width_goal: Type.Number({
              minimum: 0,
              description: "The goal as a half-width, in the statistic's unit (hours for durations)",
            }),
            estimate: Type.Union([Type.Number(), Type.Null()], {
              description: 'Mean over the replications (compare: the mean paired difference b - a); null if not a number',
            }),
            half_width: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'Its 95% half-width; null if not a number' }),
            met: Type.Boolean({ description: 'half_width <= half_width_goal' }),
          },
          { description: 'One --precision goal', ...closed },
        ),
        { description: 'One per --precision, in order' },
      ),
    },
    {
      $id: 'Precision',
      description:
        '--precision: replications were added until the 95% half-width of each named statistic met its goal (or max_replications)',
      ...closed,
    },
  ),
);
export type PrecisionJson = Static<typeof PrecisionSchema>;

export const ReportSchema = shared(
  Type.Object(
    {
      scenario: Type.String({ description: "The scenario's name" }),
      description: Type.String({ description: "The scenario's description ('' when none)" }),
      seed: Type.Integer({ minimum: 0, description: 'Seed; replication r draws from (seed, r)' }),
      replications: Type.Integer({
        minimum: 1,
        description: 'Replications merged into this report (1: a single replication, no _ci95 fields)',
      }),
      runtime: Type.String({
        description:
          "Which runtime simulated the shipments: 'embedded' (the virtual-time engine) or 'bullmq' (stage queues on BullMQ/Redis, in real time). Replications distributed to workers (--distribute) run embedded",
      }),
      horizon_days: Type.Number({ exclusiveMinimum: 0, description: 'Simulated days' }),
      warmup_days: Type.Number({ minimum: 0, description: 'Warm-up days: shipments arriving before are simulated but not reported' }),
      shipments: ShipmentsSchema,
      by_tier: Type.Record(Type.String(), TierReportSchema, { description: "By trader tier, in the scenario's order" }),
      overall: OverallSchema,
      aeo_vs_non_aeo: AeoVsNonAeoSchema,
      by_lane: perLane(LaneReportSchema, 'Clearance', 'ByLane'),
      stages: Type.Record(Type.String(), StageReportSchema, { description: "By stage, in the scenario's order" }),
      disruptions: Type.Array(DisruptionReportSchema, {
        description: 'One per disruption of the scenario, in its order (empty when it has none)',
      }),
      segments: SegmentsSchema,
      warmup: WarmupSchema,
      warnings: Type.Optional(
        Type.Array(OverloadWarningSchema, {
          description:
            'Present only when a stage is overloaded or its queue still growing at the end of the horizon (a merged report: raised by any replication)',
        }),
      ),
      events: Type.Integer({
        minimum: 0,
        description:
          'Simulation events processed (arrivals, lodgements, service ends, delays ending, capacity and priority changes; BullMQ: releases), a measure of work; a merged report: total',
      }),
      wall_seconds: Type.Number({ minimum: 0, description: 'Wall-clock seconds the run took (a merged report: the whole run)' }),
      by_direction: Type.Optional(
        Type.Record(Type.String(), DirectionReportSchema, {
          description: 'With flows: by direction (import, export), those the scenario has',
        }),
      ),
      by_mode: Type.Optional(Type.Record(Type.String(), ModeReportSchema, { description: 'With flows: by transport mode' })),
      by_flow: Type.Optional(Type.Record(Type.String(), FlowReportSchema, { description: "With flows: by flow, in the scenario's order" })),
      destination: Type.Optional(DestinationReportSchema),
      two_step: Type.Optional(TwoStepReportSchema),
      firms: Type.Optional(FirmsSectionSchema),
      costs: Type.Optional(CostsSectionSchema),
      firm_rows: Type.Optional(
        Type.Unknown({
          description:
            'Internal, never printed: per-firm columns of the run, for --firms files and per-firm comparisons (removed from --json, the API and report files)',
        }),
      ),
      bullmq: Type.Optional(BullmqSectionSchema),
      timeline: Type.Optional(TimelineSchema),
      per_replication: Type.Optional(
        Type.Array(PerReplicationSchema, { description: "Merged replications only: each replication's headline figures" }),
      ),
      precision: Type.Optional(PrecisionSchema),
    },
    {
      $id: 'Report',
      title: 'clearsim report',
      description:
        "A run's report (docs/report.md): clearance times by trader tier, lane and stage, AEO against non-AEO, disruptions, Time Release Study segments. " +
        'A merged report (replications > 1) holds the mean over replications of every statistic, with a <name>_ci95 sibling (95% half-width), and per_replication. ' +
        'Times are hours. A runtime may add a section of its own at the top level.',
      additionalProperties: true,
    },
  ),
);

/** The report of a run: one replication's, or merged replications' (then with `_ci95` siblings and per_replication). */
export type Report = Static<typeof ReportSchema>;

// ---------------------------------------------------------------------------------------------
// compare and sweep

const interval = (description: string) =>
  nullableNumber(`${description}; null when undefined (a single replication, or no shipments in the group)`);
export const IntervalSchema = shared(
  Type.Object(
    {
      diff: interval('Mean over replications of b - a'),
      lo: interval('Lower end of the paired 95% interval of the difference'),
      hi: interval('Upper end of the paired 95% interval'),
      half_width: interval('Half-width of the paired 95% interval (from the differences of replications run on the same seeds)'),
      unpaired_half_width: interval('Half-width an unpaired comparison of the same runs would give (Welch)'),
      mean_a: interval("Mean of the statistic over a's replications"),
      mean_b: interval("Mean of the statistic over b's replications"),
    },
    {
      $id: 'Interval',
      description:
        "A difference b - a of a statistic with its 95% interval, in the statistic's unit (hours, or a share for inspection_rate)",
      ...closed,
    },
  ),
);

export const ComparisonGroupSchema = shared(
  Type.Object(
    {
      label: Type.String({ description: 'What the group is' }),
      mean: described(IntervalSchema, 'Mean clearance (hours)'),
      p50: described(IntervalSchema, 'Median clearance (hours)'),
      p90: described(IntervalSchema, '90th percentile of clearance (hours)'),
      inspection_rate: described(IntervalSchema, 'Share sent red'),
    },
    { $id: 'ComparisonGroup', description: 'One group: differences b - a with paired 95% intervals', ...closed },
  ),
);

const maybe = (description: string) => nullableNumber(`${description}; null with a single replication`);
export const EstimateSchema = shared(
  Type.Object(
    {
      estimate: Type.Number({ description: 'Mean over replications' }),
      lo: maybe('Lower end of the 95% interval'),
      hi: maybe('Upper end of the 95% interval'),
      half_width: maybe('Half-width of the 95% interval (t, replications - 1 degrees of freedom)'),
    },
    { $id: 'Estimate', description: "A figure estimated over paired replications, with its 95% interval, in the figure's unit", ...closed },
  ),
);
export type Estimate = Static<typeof EstimateSchema>;

export const FirmBenefitGroupSchema = shared(
  Type.Object(
    {
      key: Type.Optional(Type.String({ description: 'The group (moved, others, all)' })),
      label: Type.String({ description: 'What the group is' }),
      firms: count('Firms in the group'),
      declarations_per_year: count("The group's declarations per year"),
      mean: described(IntervalSchema, "Mean clearance of the group's declarations, b - a (hours)"),
      hours_saved_per_year: described(EstimateSchema, 'Clearance hours saved a year, a - b, summed over their declarations'),
      time_cost_saved_cny_per_year: described(EstimateSchema, "Time cost of goods held saved a year (CNY, at a's time_cost_per_day)"),
      guarantee_fees_saved_cny_per_year: described(EstimateSchema, "Guarantee fees saved a year (CNY, at a's guarantee_fee_rate)"),
      money_saved_cny_per_year: described(EstimateSchema, 'Time cost and guarantee fees saved a year (CNY)'),
      guarantee_waived_cny_per_year_change: described(EstimateSchema, 'Change in guarantee amounts waived a year, b - a (CNY)'),
    },
    { $id: 'FirmBenefitGroup', description: 'A group of firms: what b saves them against a, paired firm by firm', ...closed },
  ),
);
export type FirmBenefitGroup = Static<typeof FirmBenefitGroupSchema>;

export const FirmComparisonRowSchema = shared(
  Type.Object(
    {
      id: Type.String({ description: 'Firm id' }),
      sector: Type.String({ description: 'Sector' }),
      tier_a: Type.String({ description: 'Tier in a' }),
      tier_b: Type.String({ description: 'Tier in b' }),
      declarations: count('Observed declarations (mean per replication)'),
      value_cny: cny('Their declared value (mean per replication)'),
      clearance_mean_a: hours('Mean clearance in a'),
      clearance_mean_b: hours('Mean clearance in b'),
      clearance_mean_diff: Type.Number({ description: 'b - a (hours)' }),
      hours_saved_per_year: Type.Number({ description: 'Clearance hours saved a year, a - b' }),
      time_cost_saved_cny_per_year: cny('Time cost saved a year'),
      guarantee_fees_saved_cny_per_year: cny('Guarantee fees saved a year'),
      money_saved_cny_per_year: cny('Both, a year'),
      guarantee_waived_cny_per_year_a: cny('Guarantee amounts waived a year in a'),
      guarantee_waived_cny_per_year_b: cny('Guarantee amounts waived a year in b'),
    },
    { $id: 'FirmComparisonRow', description: 'One firm in a comparison (pooled over the replications)', ...closed },
  ),
);
export type FirmComparisonRow = Static<typeof FirmComparisonRowSchema>;

const spreadStats = (unit: string) =>
  Type.Object(
    {
      p10: Type.Number({ description: `10th percentile over the firms (${unit})` }),
      p25: Type.Number({ description: `25th percentile (${unit})` }),
      p50: Type.Number({ description: `Median firm (${unit})` }),
      p75: Type.Number({ description: `75th percentile (${unit})` }),
      p90: Type.Number({ description: `90th percentile (${unit})` }),
      max: Type.Number({ description: `The firm that gains most (${unit})` }),
      total: Type.Number({ description: `Sum over the firms (${unit})` }),
    },
    { description: `Distribution over the firms (${unit} a year)`, ...closed },
  );

export const FirmComparisonSchema = shared(
  Type.Object(
    {
      moved: Type.Object(
        {
          firms: count('Firms whose tier differs between a and b'),
          by_move: Type.Record(Type.String(), count('Firms'), { description: "Firms by move, 'from -> to'" }),
        },
        { description: 'The firms the policy moves', ...closed },
      ),
      time_cost_per_day: share("a's time cost per day of clearance, as a share of the goods' value"),
      guarantee_fee_rate: share("a's guarantee fee rate"),
      groups: Type.Record(Type.String(), FirmBenefitGroupSchema, {
        description: 'moved (the firms that change tier; only when some do), others, all',
      }),
      benefit: Type.Object(
        {
          over: Type.String({ description: "Whose benefit: 'moved' (the firms that change tier) or 'all' when none do" }),
          firms: count('Those firms with declarations'),
          gaining: count('Of them, firms that save money'),
          hours_saved_per_year: spreadStats('hours'),
          money_saved_cny_per_year: spreadStats('CNY'),
          bands: Type.Array(
            Type.Object(
              {
                from_cny: nullableNumber('Lower bound of money saved a year (CNY); null: no bound'),
                to_cny: nullableNumber('Upper bound (exclusive); null: no bound'),
                firms: count('Firms in the band'),
              },
              { ...closed },
            ),
            { description: 'How many firms save how much a year' },
          ),
          top: Type.Array(FirmComparisonRowSchema, { description: 'The 10 firms that save most' }),
        },
        { description: 'How the benefit spreads over the firms', ...closed },
      ),
    },
    {
      $id: 'FirmComparison',
      description: 'Firm by firm (both scenarios with the same firms): what b saves each firm against a; savings are a - b',
      ...closed,
    },
  ),
);
export type FirmComparisonJson = Static<typeof FirmComparisonSchema>;

export const ComparisonSchema = shared(
  Type.Object(
    {
      a: Type.String({ description: "Scenario a's name" }),
      b: Type.String({ description: "Scenario b's name (or a's with the overrides)" }),
      seed: Type.Integer({ minimum: 0, description: 'The seed both ran with' }),
      replications: Type.Integer({ minimum: 1, description: 'Replications of each, paired by seed (seed, r)' }),
      groups: Type.Record(Type.String(), ComparisonGroupSchema, {
        description:
          "Each tier both scenarios have (by name; a tier named like a group, e.g. 'aeo', is keyed '<name>_tier'), then aeo, non_aeo, import and export (when both have flows; their inspection_rate is null) and all",
      }),
      pairing_narrows_by: Type.Number({
        description: 'How much narrower the paired intervals are than unpaired ones (1 - mean ratio of half-widths over mean, p50, p90)',
      }),
      lines: Type.Array(Type.String(), {
        description: 'One sentence per group on its mean clearance (and, with firms, on what firms save)',
      }),
      firms: Type.Optional(FirmComparisonSchema),
      precision: Type.Optional(PrecisionSchema),
      disruptions: Type.Optional(
        Type.Array(
          Type.Object(
            {
              name: Type.String({ description: 'The disruption (the same name and window in both scenarios)' }),
              start_hours: Type.Number({ description: 'Start of its window (hours from the start of the run)' }),
              window_end_hours: Type.Number({ description: 'End of its window: the disruption end plus priority.recovery (hours)' }),
              groups: Type.Record(Type.String(), ComparisonGroupSchema, {
                description:
                  "The shipments arriving in the window: each tier both have, aeo, non_aeo and all, as the whole run's groups; inside a window the report keeps no inspection rate by tier or group (null) and no percentiles of all shipments (null)",
              }),
              lines: Type.Array(Type.String(), { description: 'One sentence each on the AEO, non-AEO and all shipments mean clearance' }),
            },
            { description: 'The comparison of the shipments arriving in one disruption window', ...closed },
          ),
          { description: 'Only when both scenarios have a disruption of the same name and window: one per such disruption' },
        ),
      ),
      warnings: Type.Optional(
        Type.Object(
          {
            a: Type.Optional(Type.Array(OverloadWarningSchema, { description: "a's overload warnings (from any replication)" })),
            b: Type.Optional(Type.Array(OverloadWarningSchema, { description: "b's overload warnings" })),
          },
          { description: 'Only when a stage of a or b is overloaded (docs/report.md, warnings)', ...closed },
        ),
      ),
    },
    {
      $id: 'Comparison',
      title: 'clearsim compare --json',
      description: 'clearsim compare: b against a, replications paired by seed; differences are b - a',
      ...closed,
    },
  ),
);
export type ComparisonJson = Static<typeof ComparisonSchema>;

export const SweepParamSchema = shared(
  Type.Object(
    {
      path: Type.String({ description: 'The scenario field varied (a --set path)' }),
      values: Type.Array(Type.String(), { description: 'Its values as written on the command line (read as YAML)' }),
    },
    { $id: 'SweepParam', description: 'One --param', ...closed },
  ),
);
export type SweepParam = Static<typeof SweepParamSchema>;

const rowValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
/** The AEO and non-AEO groups' columns of a sweep row (a tier named aeo has its columns replaced by the group's). */
const GROUP_COLUMNS = {
  aeo_mean_h: hours('Mean clearance of the AEO tiers'),
  aeo_mean_ci95: hours('Its 95% half-width'),
  aeo_p90_h: hours('90th percentile of AEO clearance'),
  aeo_p90_ci95: hours('Its 95% half-width'),
  non_aeo_mean_h: hours('Mean clearance of the non-AEO tiers'),
  non_aeo_mean_ci95: hours('Its 95% half-width'),
  non_aeo_p90_h: hours('90th percentile of non-AEO clearance'),
  non_aeo_p90_ci95: hours('Its 95% half-width'),
};
/** Columns of a sweep row whose names start with a tier, stage or disruption. */
const ROW_COLUMNS: Record<string, string> = {
  '^.+_mean_h$': '<tier>_mean_h: mean clearance of the tier (hours)',
  '^.+_mean_ci95$': '<tier>_mean_ci95: its 95% half-width (hours)',
  '^.+_p90_h$': '<tier>_p90_h: 90th percentile of clearance (hours)',
  '^.+_p90_ci95$': '<tier>_p90_ci95: its 95% half-width (hours)',
  '^.+_inspection_rate$': '<tier>_inspection_rate: share sent red',
  '^.+_utilization$': "<stage>_utilization: the stage's utilization ('' for an unlimited stage)",
  '^.+_wait_mean_h$': "<stage>_wait_mean_h: mean wait in the stage's queue (hours)",
  '^.+_wait_p90_h$': '<stage>_wait_p90_h: 90th percentile of the wait (hours)',
  '^disruption\\d+_.+_h$':
    "disruption<i>_aeo_mean_h, _aeo_p90_h, _non_aeo_mean_h, _non_aeo_p90_h, _red_p90_h: clearance of the shipments arriving in disruption i's window (hours)",
  '^.+_inspection_rate_ci95$': '<tier>_inspection_rate_ci95: its 95% half-width',
  '^.+_utilization_ci95$': "<stage>_utilization_ci95: its 95% half-width ('' for an unlimited stage)",
  '^.+_wait_(mean|p90)_ci95$': '<stage>_wait_mean_ci95, _wait_p90_ci95: their 95% half-widths (hours)',
  '^disruption\\d+_.+_ci95$': 'disruption<i>_<statistic>_ci95: its 95% half-width (hours)',
  '^target\\d+_value$':
    "sweep --target: target<i>_value, the i-th target's statistic at the point (mean over the replications; '' if not a number)",
  '^target\\d+_ci95$': 'target<i>_ci95: its 95% half-width',
  '^target\\d+_meets$': 'target<i>_meets: whether the estimate meets the target (true or false)',
  '^target\\d+_verdict$':
    'target<i>_verdict: holds, fails or unsure, by a one-sided test at the confidence level (holds: the far confidence bound meets the threshold)',
};
export const SweepRowSchema = shared(
  Type.Unsafe<Record<string, string | number | boolean>>({
    $id: 'SweepRow',
    type: 'object',
    description:
      "One point of a sweep, a column per statistic (the CSV's columns): first each --param's path with its value (a number, string or boolean as read; JSON text for an object), " +
      'then per tier and per group (aeo, non_aeo) <name>_mean_h, _mean_ci95, _p90_h, _p90_ci95 and per tier _inspection_rate, _inspection_rate_ci95, ' +
      'then per stage <stage>_utilization, _utilization_ci95, _wait_mean_h, _wait_mean_ci95, _wait_p90_h, _wait_p90_ci95, ' +
      'then per disruption i disruption<i>_aeo_mean_h, _aeo_p90_h, _non_aeo_mean_h, _non_aeo_p90_h, _red_p90_h, each followed by its _ci95, ' +
      'then per --target i target<i>_value, _ci95, _meets, _verdict. Means over the replications; the _ci95 are 95% half-widths.',
    required: Object.keys(GROUP_COLUMNS),
    properties: GROUP_COLUMNS,
    // (the groups' columns are properties: the patterns leave them out)
    patternProperties: Object.fromEntries(
      Object.entries(ROW_COLUMNS).map(([p, description]) => [
        `^(?!(non_)?aeo_(mean_h|mean_ci95|p90_h|p90_ci95)$)${p.slice(1)}`,
        { ...rowValue, description },
      ]),
    ),
    additionalProperties: { ...rowValue, description: "A --param's value at the point" },
  }),
);
export type SweepRow = Static<typeof SweepRowSchema>;

export const SweepSchema = shared(
  Type.Object(
    {
      scenario: Type.String({ description: "The scenario's name" }),
      replications: Type.Integer({ minimum: 1, description: 'Replications at every point, on the same seeds (seed, r)' }),
      params: Type.Array(SweepParamSchema, { description: 'The parameters, first varying slowest' }),
      targets: Type.Optional(
        Type.Array(Type.String(), { description: 'sweep --target: the expressions, in order (columns target<i>_...)' }),
      ),
      points: Type.Array(SweepRowSchema, { description: 'Every point of the full grid of values' }),
    },
    {
      $id: 'Sweep',
      title: 'clearsim sweep --json',
      description: 'clearsim sweep --json: a full grid of parameter values, one row of statistics per point',
      ...closed,
    },
  ),
);
export type SweepJson = Static<typeof SweepSchema>;

export const SweepFileSchema = shared(
  Type.Object(
    {
      scenario: Type.String({ description: "The scenario's name" }),
      replications: Type.Integer({ minimum: 1, description: 'Replications at every point, on the same seeds (seed, r)' }),
      params: Type.Array(SweepParamSchema, { description: 'The parameters, first varying slowest' }),
      targets: Type.Optional(
        Type.Array(Type.String(), { description: 'sweep --target: the expressions, in order (columns target<i>_...)' }),
      ),
      points: Type.Array(
        Type.Object(
          {
            params: Type.Record(Type.String(), Type.Unknown(), {
              description: "Each --param's path and its value at the point (as read: a number, string, boolean, object, ...)",
            }),
            summary: SweepRowSchema,
          },
          { description: 'One point', ...closed },
        ),
        { description: 'Every point of the full grid of values' },
      ),
    },
    {
      $id: 'SweepFile',
      title: 'clearsim sweep --out x.json',
      description: 'clearsim sweep --out <file>.json: the points with their parameter values and statistics',
      ...closed,
    },
  ),
);
export type SweepFile = Static<typeof SweepFileSchema>;

// ---------------------------------------------------------------------------------------------
// compare of several scenarios, sensitivity

const adjusted = (description: string) => nullableNumber(`${description}; null when undefined`);
export const AdjustedIntervalSchema = shared(
  Type.Object(
    {
      diff: adjusted('Mean over replications of scenario - base'),
      lo: adjusted('Lower end of the simultaneous (Bonferroni) interval'),
      hi: adjusted('Upper end of the simultaneous interval'),
      half_width: adjusted(
        'Its half-width: t at 1 - (1 - confidence) / (2 family_size), replications - 1 degrees of freedom, on the paired differences',
      ),
      mean_base: adjusted("Mean of the statistic over the base's replications"),
      mean_variant: adjusted("Mean over the scenario's replications"),
    },
    { $id: 'AdjustedInterval', description: 'A difference scenario - base with its Bonferroni-adjusted interval', ...closed },
  ),
);

const manyGroup = Type.Object(
  {
    label: Type.String({ description: 'What the group is' }),
    mean: described(AdjustedIntervalSchema, 'Mean clearance (hours)'),
    p90: described(AdjustedIntervalSchema, '90th percentile of clearance (hours)'),
  },
  { description: 'One group, scenario - base', ...closed },
);

export const ComparisonManySchema = shared(
  Type.Object(
    {
      base: Type.String({ description: "The base scenario's name" }),
      variants: Type.Array(Type.String(), {
        description: 'The scenarios compared with it (files by scenario name, --variant by its name; made unique)',
      }),
      seed: Type.Integer({ minimum: 0, description: "The base's seed, which every scenario ran with" }),
      replications: Type.Integer({ minimum: 1, description: 'Replications of each, paired by seed (seed, r)' }),
      confidence: Type.Number({ description: 'Simultaneous confidence of all the intervals together (0.95)' }),
      adjustment: Type.Literal('bonferroni', {
        description: 'Multiplicity adjustment: Bonferroni, each interval at 1 - (1 - confidence) / family_size',
      }),
      family_size: Type.Integer({ minimum: 1, description: 'Comparisons in the family: one per variant, against the base' }),
      rank_by: Type.String({ description: 'The report statistic ranked on (--rank-by)' }),
      better: Type.Union([Type.Literal('lower'), Type.Literal('higher')], { description: 'Which way is better (--higher-is-better)' }),
      comparisons: Type.Array(
        Type.Object(
          {
            name: Type.String({ description: 'The scenario' }),
            rank_stat: described(AdjustedIntervalSchema, 'The ranked statistic, scenario - base'),
            groups: Type.Object(
              { aeo: manyGroup, non_aeo: manyGroup, all: manyGroup },
              { description: 'AEO, non-AEO and all shipments: mean and p90 clearance, scenario - base', ...closed },
            ),
          },
          { description: 'One scenario against the base', ...closed },
        ),
        { description: 'One per variant, in the order given' },
      ),
      ranking: Type.Array(
        Type.Object(
          {
            name: Type.String({ description: 'The scenario (the base included)' }),
            mean: nullableNumber('Mean of the ranked statistic over its replications'),
            probability_best: Type.Number({
              minimum: 0,
              maximum: 1,
              description:
                'Share of bootstrap resamples of the paired replications (the same replications drawn for every scenario) in which it has the best mean (ties shared)',
            }),
            rank: Type.Integer({ minimum: 1, description: '1 = best mean' }),
          },
          { description: 'One scenario in the ranking', ...closed },
        ),
        { description: 'Every scenario, best mean first' },
      ),
      bootstrap: Type.Object(
        {
          resamples: Type.Integer({ minimum: 1, description: 'Bootstrap resamples' }),
          seed: Type.String({ description: 'Seed of the resampling (fixed: the same runs give the same probabilities)' }),
        },
        { description: 'How probability_best was estimated', ...closed },
      ),
      lines: Type.Array(Type.String(), { description: 'The answer in sentences: the best, then each scenario against the base' }),
      warnings: Type.Optional(
        Type.Record(Type.String(), Type.Array(OverloadWarningSchema), {
          description: 'Only when overloaded: overload warnings by scenario',
        }),
      ),
    },
    {
      $id: 'ComparisonMany',
      title: 'clearsim compare <base> <a> <b> ... --json',
      description:
        'clearsim compare of several scenarios against a base: differences with Bonferroni intervals, ranked with the probability of being best',
      ...closed,
    },
  ),
);

export const SensitivitySchema = shared(
  Type.Object(
    {
      scenario: Type.String({ description: "The scenario's name" }),
      seed: Type.Integer({ minimum: 0, description: 'The seed every run used' }),
      replications: Type.Integer({ minimum: 1, description: 'Replications of every run, paired by seed (seed, r)' }),
      stats: Type.Array(Type.String(), { description: 'The statistics measured (--stat paths of the report)' }),
      base: Type.Record(Type.String(), nullableNumber('Mean over the base replications'), { description: "Each statistic's base value" }),
      params: Type.Array(
        Type.Object(
          {
            path: Type.String({ description: 'The scenario field varied' }),
            text: Type.String({ description: 'The --param as given' }),
            kind: Type.Union([Type.Literal('integer'), Type.Literal('number'), Type.Literal('duration')], {
              description: 'integer: a count (servers: rounded, at least 1); duration: in hours; number: as is',
            }),
            base: Type.Number({ description: 'Its value in the scenario (durations in hours)' }),
            low: Type.Number({ description: 'Its low value as run' }),
            high: Type.Number({ description: 'Its high value as run' }),
            effects: Type.Record(
              Type.String(),
              Type.Object(
                {
                  low: described(IntervalSchema, 'The change from the base at the low value (b - a: low - base)'),
                  high: described(IntervalSchema, 'The change at the high value'),
                  swing: nullableNumber('|change at high - change at low|: what the tornado sorts by'),
                },
                { description: "One statistic's changes", ...closed },
              ),
              { description: 'By statistic' },
            ),
          },
          { description: 'One parameter, varied alone', ...closed },
        ),
        { description: 'One per --param, in the order given' },
      ),
      order: Type.Record(Type.String(), Type.Array(Type.String()), {
        description: "By statistic: the parameters' paths, largest swing first",
      }),
      lines: Type.Array(Type.String(), { description: 'Per statistic: the parameter that moves it most' }),
      warnings: Type.Optional(
        Type.Record(Type.String(), Type.Array(OverloadWarningSchema), {
          description: "Only when overloaded: overload warnings by run ('base' or '<path>=<value>')",
        }),
      ),
    },
    {
      $id: 'Sensitivity',
      title: 'clearsim sensitivity --json',
      description: 'clearsim sensitivity: one parameter at a time at a low and a high value, paired with the base',
      ...closed,
    },
  ),
);
// ---------------------------------------------------------------------------------------------
// the published document

export const REPORT_SCHEMA_ID = 'https://clearsim.dev/schema/report-v1.json';

/** The kinds of document docs/report.schema.json describes, by their name in $defs. */
export const DOCUMENT_KINDS = ['Report', 'Comparison', 'Sweep', 'SweepFile', 'ComparisonMany', 'Sensitivity'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * The JSON Schema (draft 2020-12) of reports, comparisons and sweeps, with every shared schema (those
 * with an $id above) in $defs once and referenced from where it is used: docs/report.schema.json.
 * Deterministic: the same schemas give the same document, key for key.
 */
export function reportSchemaDocument(): Record<string, unknown> {
  const defs: Record<string, Record<string, unknown>> = {};
  const plain = (s: unknown) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
  /** A shared schema's $defs entry, made (with the entries it uses) on first use. */
  const define = (id: string): Record<string, unknown> => {
    if (!defs[id]) {
      const s = SHARED.get(id);
      if (!s) throw new Error(`report schema: no shared schema with $id ${id}`);
      const { $id: _i, ...body } = plain(s);
      defs[id] = hoist(body) as Record<string, unknown>;
    }
    return defs[id];
  };
  /** The schema with each shared schema in it replaced by a $ref (and the description it has where used, when its own). */
  const hoist = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(hoist);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$id === 'string') {
      const { $id: id, description, ...body } = o;
      const { description: own, ...defBody } = define(id);
      if (JSON.stringify(defBody) !== JSON.stringify(hoist(body)))
        throw new Error(`report schema: ${id} is used with other content than its own (only the description may differ)`);
      return description !== undefined && description !== own ? { $ref: `#/$defs/${id}`, description } : { $ref: `#/$defs/${id}` };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, hoist(x)]));
  };
  for (const kind of DOCUMENT_KINDS) define(kind);
  const ordered = Object.fromEntries(
    [
      ...DOCUMENT_KINDS,
      ...Object.keys(defs)
        .filter((k) => !(DOCUMENT_KINDS as readonly string[]).includes(k))
        .sort(),
    ].map((k) => [k, defs[k]]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: REPORT_SCHEMA_ID,
    title: 'clearsim reports',
    description:
      "The JSON clearsim writes: a run's report (clearsim run --json/--out, GET /runs/:id), a comparison (clearsim compare --json/--out), a sweep (clearsim sweep --json, and --out <file>.json). " +
      'Validate a document against #/$defs/Report, #/$defs/Comparison, #/$defs/Sweep, #/$defs/SweepFile, #/$defs/ComparisonMany (compare of several scenarios) or #/$defs/Sensitivity. Generated from src/stats/report-schema.ts by `npm run schema`; times are hours.',
    $defs: ordered,
  };
}

/** The document as docs/report.schema.json holds it: 2-space JSON and a final newline. */
export function reportSchemaText(doc: Record<string, unknown> = reportSchemaDocument()): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
