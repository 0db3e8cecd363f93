// The gateways layer's entry: the adapter registry and the adapter contract's types.
export { ADAPTERS } from './adapters.js';

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
