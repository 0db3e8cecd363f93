import type { GatewayId } from '../types.js';
import { apiframe } from './apiframe.js';
import { apiinone } from './apiinone.js';
import { evolink } from './evolink.js';
import { fal } from './fal.js';
import { kling } from './kling.js';
import { modellix } from './modellix.js';
import type { GatewayProtocol } from './protocol.js';

/**
 * Each registered gateway's simulated protocol (one independent file per gateway, written from the vendor's
 * docs), keyed by the registry's ids: tsc names a registered gateway that has none, and the route table
 * (../handlers.ts) is built from the registry's ids through this record.
 */
export const PROTOCOLS: Readonly<Record<GatewayId, GatewayProtocol>> = {
  apiinone,
  apiframe,
  evolink,
  modellix,
  fal,
  kling,
};

export type { GatewayError, GatewayProtocol, ReplyContext, WireReply } from './protocol.js';
