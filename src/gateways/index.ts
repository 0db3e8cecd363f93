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
  BalanceReply,
  ErrorDetails,
  GatewayAdapter,
  GatewayPaths,
  HeaderLookup,
  ParseContext,
  SubmitReply,
  SucceededTask,
  Task,
  TaskCost,
  TaskStatus,
  UploadFile,
  UploadReply,
  UploadWireRequest,
  Video,
  WebhookReply,
  WireRequest,
} from './types.js';
