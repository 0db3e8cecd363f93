/**
 * The gateway registry, data half: each registered gateway's catalog (./<id>/catalog.ts) by id, and the
 * pure look-ups over it. No network code and no packages: `kling-sdk/pricing` loads it (through
 * src/catalog/index.ts), test/architecture.test.ts keeps it so. The adapters are registered in
 * ./adapters.ts, the simulator's protocols in src/testing/gateways/index.ts; both are records keyed by
 * `GatewayId`, so tsc names each one that lacks a gateway added here.
 */
import {
  type GatewayCapabilities,
  missingRequiredOn,
  type UnsupportedUse,
  unsupportedUsesOn,
} from '../catalog/capabilities.js';
import type { GatewayCatalog, GatewayInfo } from '../catalog/gateways.js';
import type { RateRow, RateTable } from '../catalog/rates.js';
import type { RenderTime } from '../catalog/render-times.js';
import type { Mode, VideoRequest } from '../catalog/video-request.js';
import { catalog as apiframe } from './apiframe/catalog.js';
import { catalog as apiinone } from './apiinone/catalog.js';
import { catalog as evolink } from './evolink/catalog.js';
import { catalog as fal } from './fal/catalog.js';
import { catalog as kling } from './kling/catalog.js';
import { catalog as modellix } from './modellix/catalog.js';

/** The registered gateways, in the stable order used wherever no price decides (quote, tables, docs). */
export const GATEWAY_IDS = ['apiinone', 'apiframe', 'evolink', 'modellix', 'kling', 'fal'] as const;

export type GatewayId = (typeof GATEWAY_IDS)[number];

/** Every registered gateway's catalog data. */
export const GATEWAY_CATALOGS: Readonly<Record<GatewayId, GatewayCatalog>> = {
  apiinone,
  apiframe,
  evolink,
  modellix,
  kling,
  fal,
};

export function isGatewayId(value: unknown): value is GatewayId {
  return typeof value === 'string' && (GATEWAY_IDS as readonly string[]).includes(value);
}

function byGateway<T>(pick: (catalog: GatewayCatalog) => T): Readonly<Record<GatewayId, T>> {
  return Object.fromEntries(
    GATEWAY_IDS.map((id) => {
      const catalog = GATEWAY_CATALOGS[id] as GatewayCatalog | undefined;
      if (catalog === undefined) throw new Error(`gateway ${id} is registered but has no catalog`);
      return [id, pick(catalog)];
    }),
  ) as Record<GatewayId, T>;
}

export const GATEWAYS: Readonly<Record<GatewayId, GatewayInfo>> = byGateway((c) => c.info);

export const CAPABILITIES: Readonly<Record<GatewayId, GatewayCapabilities>> = byGateway(
  (c) => c.capabilities,
);

/** Every published rate table, as published, each row with the page it was read from and when. */
export const RATE_TABLES: Readonly<Record<GatewayId, RateTable>> = byGateway((c) => c.rates);

/** How long a Kling 3.0 render takes at each gateway, as published: polling uses it when no hint is given. */
export const RENDER_TIMES: Readonly<Record<GatewayId, RenderTime>> = byGateway((c) => c.renderTime);

/**
 * The row a gateway bills for a mode and sound setting (on the model `variant` names, where the gateway
 * sells more than one: see `rateVariantOf`), or undefined if it sells no such thing.
 */
export function findRateRow(
  gateway: GatewayId,
  mode: Mode,
  sound: boolean,
  variant?: string,
): RateRow | undefined {
  return RATE_ROWS_BY_MODE[gateway][variant ?? '']?.[mode]?.[sound ? 1 : 0];
}

/** The rate rows' `variant` a request is billed on at `gateway` (undefined: the default rows). */
export function rateVariantOf(gateway: GatewayId, request: VideoRequest): string | undefined {
  return GATEWAY_CATALOGS[gateway].rateVariant?.(request);
}

type RowPair = [RateRow | undefined, RateRow | undefined];

/** Each gateway's rows by variant ('' for the default), mode and sound, built once: pricing looks a row up on every estimate. */
const RATE_ROWS_BY_MODE = byGateway(({ rates }) => {
  const byVariant: Record<string, Partial<Record<Mode, RowPair>>> = {};
  for (const row of rates.rows) {
    const key = row.variant ?? '';
    const byMode = byVariant[key] ?? {};
    byVariant[key] = byMode;
    const pair = byMode[row.mode] ?? [undefined, undefined];
    byMode[row.mode] = pair;
    pair[row.sound ? 1 : 0] ??= row;
  }
  return byVariant;
});

/**
 * Every feature of `request` that `gateway` can't honour, with a message naming field and gateway.
 * Pure: pricing and the client both use it, so a quote never lists a gateway that lacks a feature
 * the request uses. (A missing prompt does not change a price: see `findMissingRequired`.)
 */
export function findUnsupported(
  gateway: GatewayId,
  request: VideoRequest,
  standard?: string,
): UnsupportedUse[] {
  const problems = unsupportedUsesOn(gateway, capabilitiesOn(gateway, standard), request);
  const more = GATEWAY_CATALOGS[gateway].unsupported?.(request);
  if (more !== undefined) for (const problem of more) problems.push(problem);
  return problems;
}

/** Fields `gateway` requires that `request` leaves out (today only the prompt). */
export function findMissingRequired(
  gateway: GatewayId,
  request: VideoRequest,
  standard?: string,
): UnsupportedUse[] {
  return missingRequiredOn(gateway, capabilitiesOn(gateway, standard), request);
}

/** Built once per gateway and standard: the check runs on every submit. */
const BY_STANDARD = new Map<string, GatewayCapabilities>();

/**
 * `gateway`'s capabilities on a wire standard other than its default (`GatewayCatalog.standards`); the
 * default ones for `undefined` or a standard the catalog does not name.
 */
export function capabilitiesOn(gateway: GatewayId, standard: string | undefined): GatewayCapabilities {
  const fields = standard === undefined ? undefined : GATEWAY_CATALOGS[gateway].standards?.[standard];
  if (fields === undefined) return CAPABILITIES[gateway];
  const key = `${gateway}:${standard}`;
  let found = BY_STANDARD.get(key);
  if (found === undefined) {
    const base = CAPABILITIES[gateway];
    found = { ...base, fields: { ...base.fields, ...fields } };
    BY_STANDARD.set(key, found);
  }
  return found;
}
