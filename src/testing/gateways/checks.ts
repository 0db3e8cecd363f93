import type { JsonObject, JsonValue } from '../types.js';

/**
 * Collects every problem with a request body (never stops at the first), as `path: problem`.
 * Rules come in three strengths: `add` for what the vendor documents, `addStrict` for what only strict
 * mode enforces (undocumented fields, limits inferred from sibling APIs), and `addExplicit` for the SDK's
 * own rule that price-relevant defaults are sent explicitly (option `requireExplicitDefaults`, off by
 * default: the vendors apply their own defaults).
 */
export class Problems {
  private readonly found: string[] = [];

  constructor(
    private readonly strict: boolean,
    private readonly requireExplicitDefaults = false,
  ) {}

  add(path: string, message: string): void {
    this.found.push(path === '' ? message : `${path}: ${message}`);
  }

  addStrict(path: string, message: string): void {
    if (this.strict) this.add(path, message);
  }

  addExplicit(path: string, message: string): void {
    if (this.requireExplicitDefaults) this.add(path, message);
  }

  get list(): readonly string[] {
    return this.found;
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Reports keys outside `allowed`. `documented` says the vendor itself rejects them (apiframe's
 * `additionalProperties: false`); otherwise only strict mode does, as nothing may be silently ignored.
 */
export function checkKeys(
  problems: Problems,
  path: string,
  object: JsonObject,
  allowed: readonly string[],
  documented: boolean,
): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    const message = 'unknown field (not in the gateway documentation)';
    if (documented) problems.add(child(path, key), message);
    else problems.addStrict(child(path, key), message);
  }
}

export function checkRequired(problems: Problems, path: string, value: JsonValue | undefined): void {
  if (value === undefined) problems.add(path, 'is required');
}

/**
 * `requireExplicitDefaults` only: the value changes the price or the content, so the caller must not
 * rely on a default (the vendor applies its own when it is left out).
 */
export function checkExplicit(problems: Problems, path: string, value: JsonValue | undefined): void {
  if (value === undefined)
    problems.addExplicit(path, 'must be sent explicitly (its default changes the price)');
}

interface StringRule {
  min?: number;
  max?: number;
  oneOf?: readonly string[];
}

export function checkString(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
  rule: StringRule = {},
): value is string {
  if (value === undefined) return false;
  if (typeof value !== 'string') {
    problems.add(path, `must be a string, got ${describe(value)}`);
    return false;
  }
  let ok = true;
  if (rule.oneOf !== undefined && !rule.oneOf.includes(value)) {
    problems.add(path, `must be one of ${rule.oneOf.map((v) => JSON.stringify(v)).join(', ')}`);
    ok = false;
  }
  if (rule.min !== undefined && value.length < rule.min) {
    problems.add(path, `must be at least ${rule.min} characters`);
    ok = false;
  }
  if (rule.max !== undefined && value.length > rule.max) {
    problems.add(path, `must be at most ${rule.max} characters`);
    ok = false;
  }
  return ok;
}

interface NumberRule {
  min: number;
  max: number;
}

export function checkInteger(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
  rule: NumberRule,
): value is number {
  if (value === undefined) return false;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.add(path, `must be an integer, got ${typeof value === 'number' ? value : describe(value)}`);
    return false;
  }
  if (value < rule.min || value > rule.max) {
    problems.add(path, `must be between ${rule.min} and ${rule.max}, got ${value}`);
    return false;
  }
  return true;
}

export function checkBoolean(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
): value is boolean {
  if (value === undefined || typeof value === 'boolean') return typeof value === 'boolean';
  problems.add(path, `must be a boolean, got ${describe(value)}`);
  return false;
}

export function checkArray(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
  rule: Partial<NumberRule> = {},
): value is JsonValue[] {
  if (value === undefined) return false;
  if (!Array.isArray(value)) {
    problems.add(path, `must be an array, got ${describe(value)}`);
    return false;
  }
  if (rule.min !== undefined && value.length < rule.min) {
    problems.add(path, `must have at least ${rule.min} item(s)`);
    return false;
  }
  if (rule.max !== undefined && value.length > rule.max) {
    problems.add(path, `must have at most ${rule.max} item(s)`);
    return false;
  }
  return true;
}

export function checkObject(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
): value is JsonObject {
  if (value === undefined) return false;
  if (isJsonObject(value)) return true;
  problems.add(path, `must be an object, got ${describe(value)}`);
  return false;
}

interface UrlRule {
  httpsOnly?: boolean;
  maxLength?: number;
  /** Refuse loopback, private and link-local hosts (EvoLink: "Internal IPs are prohibited"). */
  publicHostOnly?: boolean;
}

export function checkUrl(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
  rule: UrlRule = {},
): value is string {
  if (!checkString(problems, path, value, rule.maxLength === undefined ? {} : { max: rule.maxLength })) {
    return false;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add(path, 'must be an absolute URL');
    return false;
  }
  const allowed = rule.httpsOnly ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) {
    problems.add(path, rule.httpsOnly ? 'must use https' : 'must be an http(s) URL');
    return false;
  }
  if (rule.publicHostOnly && isInternalHost(url.hostname)) {
    problems.add(path, 'must not point to an internal or loopback host');
    return false;
  }
  return true;
}

/** Strings that are URLs or base64 payloads (Modellix `images`/`videos`): non-empty is all that is documented. */
export function checkStringList(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
  rule: Partial<NumberRule>,
): value is string[] {
  if (!checkArray(problems, path, value, rule)) return false;
  let ok = true;
  value.forEach((item, index) => {
    ok = checkString(problems, child(path, index), item, { min: 1 }) && ok;
  });
  return ok;
}

function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) return true;
  const octets = host.split('.').map(Number);
  if (octets.length === 4 && octets.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    const [a = 0, b = 0] = octets;
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  return host === '::' || host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
}
