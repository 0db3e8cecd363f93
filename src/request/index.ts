import { findMissingRequired, findUnsupported, type GatewayId } from '../catalog/index.js';
import { KlingUnsupportedError } from '../errors.js';
import { parseVideoRequest, type ResolvedVideoRequest } from './schema.js';

export { parseVideoRequest, type ResolvedVideoRequest } from './schema.js';
export { isNonPublicHost } from './url-rules.js';

/**
 * Validates `input` and checks that `gateway` can serve all of it. Throws `KlingValidationError` for
 * an invalid request and `KlingUnsupportedError` (naming the field and the gateway) for one the
 * gateway can't honour: nothing is silently dropped.
 */
export function validateForGateway(gateway: GatewayId, input: unknown): ResolvedVideoRequest {
  const request = parseVideoRequest(input);
  const problems = [...findUnsupported(gateway, request), ...findMissingRequired(gateway, request)];
  const first = problems[0];
  if (first !== undefined) {
    throw new KlingUnsupportedError(gateway, first.field, problems.map((p) => p.message).join('; '));
  }
  return request;
}
