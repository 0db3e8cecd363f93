/**
 * The official Kling API's access-key tokens (legacy standard only), as the authentication page builds
 * them (https://kling.ai/document-api/api/get-started/authentication, mirrored in `aself101/kling-api`
 * `docs/api/kling-get-started-authentication.md` @ 71eb8c9e): a JWT (RFC 7519) with header
 * `{alg: HS256, typ: JWT}`, payload `{iss: access key, exp: now + 1800, nbf: now - 5}` (seconds), signed
 * with the secret key, sent as `Authorization: Bearer <token>`. Signed with `node:crypto`; a token is
 * reused until it has less than 5 minutes left on the client's clock, then a new one is signed. Tokens
 * and the secret key are never logged: the client redacts the secret key like an API key, and every token
 * of this shape (its header encoding is fixed) is redacted wherever it appears (src/http/redact.ts).
 */
import { createHmac } from 'node:crypto';

/** How long a token is valid ("current time + 1800 s"). */
export const KLING_JWT_TTL_SECONDS = 1800;
/** How far back `nbf` is set ("current time - 5 s"), for clock skew. */
export const KLING_JWT_NBF_SKEW_SECONDS = 5;
/** A token with less than this left is replaced before it is sent. */
export const KLING_JWT_RENEW_BEFORE_MS = 5 * 60 * 1000;

export interface KlingKeys {
  accessKey: string;
  secretKey: string;
}

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

/** The base64url of `{"alg":"HS256","typ":"JWT"}`: every token this module signs starts with it and a dot. */
export const KLING_JWT_HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** One token for `keys`, valid from `nowMs` - 5 s to `nowMs` + 1800 s. */
export function signKlingToken(keys: KlingKeys, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const payload = base64url(
    JSON.stringify({
      iss: keys.accessKey,
      exp: now + KLING_JWT_TTL_SECONDS,
      nbf: now - KLING_JWT_NBF_SKEW_SECONDS,
    }),
  );
  const input = `${KLING_JWT_HEADER}.${payload}`;
  const signature = createHmac('sha256', keys.secretKey).update(input).digest();
  return `${input}.${base64url(signature)}`;
}

/**
 * The auth headers of a client that holds access and secret keys: a token signed on first use and
 * again whenever the one in hand has less than 5 minutes left on `now()`. The keys are held in a closure
 * (not on an object a logger or `util.inspect` could print).
 */
export function klingJwtAuth(keys: KlingKeys, now: () => number): () => Record<string, string> {
  const { accessKey, secretKey } = keys;
  let token: string | undefined;
  let expiresAtMs = 0;
  return () => {
    const at = now();
    if (token === undefined || expiresAtMs - at < KLING_JWT_RENEW_BEFORE_MS) {
      token = signKlingToken({ accessKey, secretKey }, at);
      expiresAtMs = (Math.floor(at / 1000) + KLING_JWT_TTL_SECONDS) * 1000;
    }
    return { authorization: `Bearer ${token}` };
  };
}
