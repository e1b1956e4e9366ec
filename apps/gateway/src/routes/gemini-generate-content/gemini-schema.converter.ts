import { AppError } from '@switchyard/errors';

const SCHEMA_DEPTH_MAX = 32;
/** Keys of Gemini's `Schema` that mean the same in JSON Schema and are copied as they are. */
const SAME_KEYS = new Set(['format', 'title', 'description', 'enum', 'required', 'pattern', 'default', 'minimum', 'maximum']);
/** int64 in Gemini's proto, so they may arrive as decimal strings; JSON Schema wants numbers. */
const COUNT_KEYS = new Set(['maxItems', 'minItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties']);

/**
 * Gemini's `Schema` (OpenAPI 3.0 subset: upper-case `type`, `nullable`, `example`, `propertyOrdering`) → JSON Schema,
 * the form the canonical request carries for every provider. `propertyOrdering` is a Gemini-only generation hint and
 * unknown keys are dropped.
 */
export function geminiSchemaToJsonSchema(schema: Record<string, unknown>, param: string, depth = 0): Record<string, unknown> {
  if (depth > SCHEMA_DEPTH_MAX) throw new AppError('invalid_request', 'The schema is nested too deeply.', { param });
  const out: Record<string, unknown> = {};
  const nested = (value: unknown) => geminiSchemaToJsonSchema(asObject(value, param), param, depth + 1);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type') {
      if (typeof value !== 'string') throw new AppError('invalid_request', 'A schema type must be a string.', { param });
      if (value !== 'TYPE_UNSPECIFIED') out.type = value.toLowerCase();
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(asObject(value, param)).map(([name, sub]) => [name, nested(sub)]));
    } else if (key === 'items') {
      out.items = nested(value);
    } else if (key === 'anyOf') {
      if (!Array.isArray(value)) throw new AppError('invalid_request', 'anyOf must be a list of schemas.', { param });
      out.anyOf = value.map(nested);
    } else if (key === 'example') {
      out.examples = [value];
    } else if (COUNT_KEYS.has(key)) {
      out[key] = typeof value === 'string' ? Number(value) : value;
    } else if (SAME_KEYS.has(key)) {
      out[key] = value;
    }
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }];
  }
  return out;
}

function asObject(value: unknown, param: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AppError('invalid_request', 'A schema must be an object.', { param });
  return value as Record<string, unknown>;
}
