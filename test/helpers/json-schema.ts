/**
 * A tiny JSON Schema validator: the subset the vendors' published request schemas use (no validator is
 * installed, and the SDK adds no dependency for tests). Keywords: type, enum, const, required, properties,
 * additionalProperties (false or a schema), items, minItems, maxItems, minimum, maximum, minLength,
 * maxLength, format "uri". Annotation keywords (description, example, default, title) are ignored; any
 * other keyword is an error, so a schema using more than this reader knows is never passed silently.
 */

export type Schema = { [keyword: string]: unknown };

export interface SchemaOptions {
  /** Treat every object schema without `additionalProperties` as closed (only its `properties`). */
  closed?: boolean;
}

const ANNOTATIONS = new Set(['description', 'example', 'examples', 'default', 'title', 'deprecated']);
const KNOWN = new Set([
  'type',
  'enum',
  'const',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'format',
]);

/** Every problem with `value` against `schema`, as `path: problem` (empty when it validates). */
export function validateSchema(schema: Schema, value: unknown, options: SchemaOptions = {}): string[] {
  const problems: string[] = [];
  check(schema, value, '$', options, problems);
  return problems;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  return actual === expected || (expected === 'number' && actual === 'integer');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeOf(value) === 'object';
}

function check(schema: Schema, value: unknown, path: string, options: SchemaOptions, out: string[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword) && !ANNOTATIONS.has(keyword))
      throw new Error(`${path}: schema keyword '${keyword}' is not supported by this validator`);
  }
  const types = schema.type === undefined ? [] : [schema.type].flat().map(String);
  if (types.length > 0 && !types.some((t) => matchesType(t, value))) {
    out.push(`${path}: must be ${types.join(' or ')}, got ${typeOf(value)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((v) => Object.is(v, value)))
    out.push(`${path}: must be one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  if ('const' in schema && !Object.is(schema.const, value))
    out.push(`${path}: must be ${JSON.stringify(schema.const)}`);

  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength)
      out.push(`${path}: longer than ${schema.maxLength} characters`);
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength)
      out.push(`${path}: shorter than ${schema.minLength} characters`);
    if (schema.format === 'uri' && !(/^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value)))
      out.push(`${path}: not a URI`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      out.push(`${path}: less than ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      out.push(`${path}: more than ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      out.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      out.push(`${path}: more than ${schema.maxItems} items`);
    if (isObject(schema.items)) {
      value.forEach((item, i) => {
        check(schema.items as Schema, item, `${path}[${i}]`, options, out);
      });
    }
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    if (Array.isArray(schema.required)) {
      for (const name of schema.required) {
        if (!(String(name) in value)) out.push(`${path}: '${String(name)}' is required`);
      }
    }
    const additional = schema.additionalProperties;
    for (const [key, item] of Object.entries(value)) {
      const own = properties[key];
      if (own !== undefined) check(own, item, `${path}.${key}`, options, out);
      else if (additional === false || (additional === undefined && options.closed === true))
        out.push(`${path}.${key}: not a property the schema names`);
      else if (isObject(additional)) check(additional as Schema, item, `${path}.${key}`, options, out);
    }
  }
}
