// The gateways layer's entry: the adapter registry and the adapter contract's types.
export { ADAPTERS, adapterFor } from './adapters.js';

export type {
  BalanceReply,
  CancelReply,
  ErrorDetails,
  GatewayAdapter,
  GatewayPaths,
  HeaderLookup,
  ParseContext,
  SubmitReply,
  SucceededTask,
  Task,
  TaskCost,
  TaskLocation,
  TaskStatus,
  UploadFile,
  UploadReply,
  UploadWireRequest,
  Video,
  WebhookKeySet,
  WebhookReply,
  WebhookSecrets,
  WireRequest,
} from './types.js';
