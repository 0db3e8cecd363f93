import type { GatewayId } from '../types.js';
import { apiframe } from './apiframe.js';
import { apiinone } from './apiinone.js';
import { evolink } from './evolink.js';
import { modellix } from './modellix.js';
import type { GatewayProtocol } from './protocol.js';

export const PROTOCOLS: Readonly<Record<GatewayId, GatewayProtocol>> = {
  apiinone,
  apiframe,
  evolink,
  modellix,
};

export { looksLikeApiInOneId } from './apiinone.js';
export type { GatewayError, GatewayProtocol, ReplyContext, WireReply } from './protocol.js';
