import {
  findMissingRequired,
  findUnsupported,
  type GatewayId,
  isGatewayId,
  type VideoRequest,
} from '../catalog/index.js';
import { KlingUnsupportedError } from '../errors.js';
import {
  type CostEstimate,
  type PricingOptions,
  quote as priceEverywhere,
  estimateCost as priceForGateway,
  unknownGateway,
} from '../pricing/estimate.js';
import { parseVideoRequest, type ResolvedVideoRequest } from './schema.js';

export { parseVideoRequest, type ResolvedVideoRequest } from './schema.js';
export { isNonPublicHost } from './url-rules.js';

/**
 * Validates `input` and checks that `gateway` can serve all of it. Throws `KlingValidationError` for
 * an invalid request or an unknown gateway, and `KlingUnsupportedError` (naming the field and the
 * gateway) for one the gateway can't honour: nothing is silently dropped.
 */
export function validateForGateway(
  gateway: GatewayId,
  input: unknown,
  standard?: string,
): ResolvedVideoRequest {
  if (!isGatewayId(gateway)) throw unknownGateway(gateway);
  return checkServable(gateway, parseVideoRequest(input), standard);
}

/**
 * `request` (already validated by `parseVideoRequest`) once `gateway` is known to serve all of it; else
 * `KlingUnsupportedError` naming the field and the gateway. The router parses a request once and checks
 * it here for each gateway. `standard`: the client's wire standard where the gateway has two (Kling's
 * `legacy`).
 */
export function checkServable(
  gateway: GatewayId,
  request: ResolvedVideoRequest,
  standard?: string,
): ResolvedVideoRequest {
  const problems = [
    ...findUnsupported(gateway, request, standard),
    ...findMissingRequired(gateway, request, standard),
  ];
  const first = problems[0];
  if (first !== undefined) {
    throw new KlingUnsupportedError(gateway, first.field, problems.map((p) => p.message).join('; '));
  }
  return request;
}

/**
 * The cost of `request` at `gateway` (`kling-sdk/pricing`'s `estimateCost`), after validating the
 * request as `submit` does: an estimate is never given for a request a submit would refuse as invalid.
 */
export function estimateCost(
  gateway: GatewayId,
  request: VideoRequest,
  options?: PricingOptions,
): CostEstimate {
  if (!isGatewayId(gateway)) throw unknownGateway(gateway);
  return priceForGateway(gateway, parseVideoRequest(request), options);
}

/**
 * Every gateway that can serve `request`, cheapest first (`kling-sdk/pricing`'s `quote`), after
 * validating the request as `submit` does (the pure pricing entry checks only its shape).
 */
export function quote(request: VideoRequest, options?: PricingOptions): CostEstimate[] {
  return priceEverywhere(parseVideoRequest(request), options);
}
