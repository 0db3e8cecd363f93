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
import { klingLegacy } from './kling/legacy.js';
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

/**
 * The adapter a client uses: its gateway's, or for the official Kling API the legacy standard's
 * (`/v1/videos/…`, `model_name`) when the client is set to it (`klingApi: 'legacy'`).
 */
export function adapterFor(gateway: GatewayId, klingApi?: 'new' | 'legacy'): GatewayAdapter {
  return gateway === 'kling' && klingApi === 'legacy' ? klingLegacy : ADAPTERS[gateway];
}
