/**
 * The gateway registry, adapter half: each registered gateway's adapter (./<id>/adapter.ts) by id. The
 * data half, which pricing loads without any of this network code, is ./catalog.ts.
 */
import { apiframe } from './apiframe/adapter.js';
import { apiinone } from './apiinone/adapter.js';
import type { GatewayId } from './catalog.js';
import { evolink } from './evolink/adapter.js';
import { fal } from './fal/adapter.js';
import { kling } from './kling/adapter.js';
import { modellix } from './modellix/adapter.js';
import type { GatewayAdapter } from './types.js';

export const ADAPTERS: Readonly<Record<GatewayId, GatewayAdapter>> = {
  apiinone,
  apiframe,
  evolink,
  modellix,
  kling,
  fal,
};
