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

/** The route of (flow, lane) in what buildRoutes returns. */
export const routeIndex = (flow: number, lane: Lane) => flow * LANES.length + lane;

/**
 * Every route, by routeIndex(flow, lane): intake, the flow's port handling, the lane's stages,
 * release. Without flows, the four lane routes as they always were.
 */
export function buildRoutes(s: Scenario): Route[] {
  const routes: Route[] = [];
  for (let flow = 0; flow < flowCount(s); flow++) {
    const handling = s.flows[flow]?.handling ?? [];
    s.flow.lanes.forEach((laneStages, lane) => {
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
  return routes;
}
