/**
 * `kling-sdk/testing`: a faithful offline stand-in for the four Kling 3.0 gateways, from their public docs.
 * msw is loaded only from here (an optional peer dependency of the package).
 */

export { FAL_SIMULATOR_JWKS } from './gateways/fal.js';
export { KLING_SIMULATOR_WEBHOOK_SECRET } from './gateways/kling.js';
export { FAIL_TRIGGER, INVALID_API_KEY, NO_CREDITS_TRIGGER } from './operations.js';
export { SAMPLE_VIDEO } from './sample-video.js';
export { startGatewaySimulator } from './server.js';
export { createGatewaySimulator } from './simulator.js';
export type {
  ApiInOneShape,
  CallbackRecord,
  FaultKind,
  FaultRule,
  GatewaySimulator,
  JsonObject,
  JsonValue,
  RequestRecord,
  RunningSimulator,
  SimulatedTask,
  SimulatedUpload,
  SimulatorOp,
  SimulatorOptions,
  SimulatorStats,
  TaskState,
} from './types.js';
