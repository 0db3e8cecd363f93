import type { GatewayId } from '../catalog/index.js';
import { apiframe } from './apiframe.js';
import { apiinone } from './apiinone.js';
import { evolink } from './evolink.js';
import { modellix } from './modellix.js';
import type { GatewayAdapter } from './types.js';

export const ADAPTERS: Readonly<Record<GatewayId, GatewayAdapter>> = {
  apiinone,
  apiframe,
  evolink,
  modellix,
};

export type {
  ErrorDetails,
  GatewayAdapter,
  GatewayPaths,
  ParseContext,
  SubmitReply,
  SucceededTask,
  Task,
  TaskCost,
  TaskStatus,
  Video,
  WireRequest,
} from './types.js';
