import { Lane, type Scenario } from '../scenario/types.js';

/** The stages a shipment of a lane passes, in order, and where its release phase begins. */
export interface Route {
  lane: Lane;
  stages: Int32Array;
  /** Index in `stages` where the release phase (guarantee, release stages) begins. */
  releaseStart: number;
  /** Whether the lane's stages are checks (yellow, red): counted for hit rate. */
  checked: boolean;
}

export function buildRoutes(s: Scenario): Route[] {
  return s.flow.lanes.map((laneStages, lane) => {
    const head = [...s.flow.intake, ...laneStages];
    return {
      lane,
      stages: Int32Array.from([...head, ...s.flow.release]),
      releaseStart: head.length,
      checked: lane === Lane.Yellow || lane === Lane.Red,
    };
  });
}
