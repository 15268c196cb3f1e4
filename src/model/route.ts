import { LANES, Lane, type Scenario } from '../scenario/types.js';

/** The stages a shipment of a flow and lane passes, in order, and where its release phase begins. */
export interface Route {
  /** Index of the flow (0 in a scenario without flows: one undifferentiated stream). */
  flow: number;
  lane: Lane;
  stages: Int32Array;
  /** Index in `stages` where the release phase (guarantee, release stages) begins. */
  releaseStart: number;
  /** Whether the lane's stages are checks (yellow, red): counted for hit rate. */
  checked: boolean;
}

/** How many flows routes are built for: the scenario's, or the one stream of a scenario without flows. */
export const flowCount = (s: Scenario) => Math.max(1, s.flows.length);

/** Routes per (flow, lane): 2 with two-step declaration (on a full declaration, on a summary one), else 1. */
export const routeVariants = (s: Scenario) => (s.twoStep ? 2 : 1);

/** The route of (flow, lane, two-step or not) in what buildRoutes returns. */
export const routeIndex = (flow: number, lane: Lane, twoStep = 0, variants = 1) => (flow * variants + twoStep) * LANES.length + lane;

/**
 * Every route, by routeIndex(flow, lane, twoStep, routeVariants(s)): intake, the flow's port
 * handling, the lane's stages, release; released on a summary declaration (two-step), without
 * the two-step stage before release. Without flows, the four lane routes as they always were.
 */
export function buildRoutes(s: Scenario): Route[] {
  const routes: Route[] = [];
  for (let flow = 0; flow < flowCount(s); flow++) {
    const handling = s.flows[flow]?.handling ?? [];
    for (let twoStep = 0; twoStep < routeVariants(s); twoStep++) {
      s.flow.lanes.forEach((lanePart, lane) => {
        const laneStages = twoStep ? lanePart.filter((st) => st !== s.twoStep!.stage) : lanePart;
        const head = [...s.flow.intake, ...handling, ...laneStages];
        routes.push({
          flow,
          lane,
          stages: Int32Array.from([...head, ...s.flow.release]),
          releaseStart: head.length,
          checked: lane === Lane.Yellow || lane === Lane.Red,
        });
      });
    }
  }
  return routes;
}

/** What a complete declaration passes after its goods' release (two-step): the one stage that processes it. */
export function completionRoute(s: Scenario): Route | null {
  if (!s.twoStep) return null;
  return { flow: 0, lane: Lane.Green, stages: Int32Array.of(s.twoStep.stage), releaseStart: 1, checked: false };
}
