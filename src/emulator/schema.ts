// A small JSON-Schema subset for model inputs: enough to describe the emulated models, to publish
// them as a Cog-style `openapi_schema`, and to validate inputs with precise 422 details.

export type FieldSchema =
  | {
      type: 'string';
      description?: string;
      default?: string;
      enum?: readonly string[];
      format?: 'uri';
      maxLength?: number;
    }
  | { type: 'integer' | 'number'; description?: string; default?: number; minimum?: number; maximum?: number }
  | { type: 'boolean'; description?: string; default?: boolean }
  | { type: 'array'; description?: string; items: FieldSchema; minItems?: number; maxItems?: number };

export interface InputSchema {
  properties: Record<string, FieldSchema>;
  required: readonly string[];
}

export interface InvalidField {
  type: string;
  field: string;
  description: string;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** A file input: an http(s) URL or a data URL. */
export function isUrlLike(value: string): boolean {
  if (value.startsWith('data:')) return /^data:[^,]*,/.test(value);
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.host !== '';
  } catch {
    return false;
  }
}

function checkField(path: string, schema: FieldSchema, value: unknown, out: InvalidField[]): void {
  const bad = (type: string, description: string) =>
    out.push({ type, field: path, description: `${path}: ${description}` });
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return void bad('type', `must be a string (got ${describe(value)})`);
      if (schema.enum && !schema.enum.includes(value))
        return void bad(
          'enum',
          `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(value)})`,
        );
      if (schema.format === 'uri' && !isUrlLike(value))
        return void bad('format', `must be an http(s) URL or a data URL (got ${describe(value)})`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        bad('max_length', `must be at most ${schema.maxLength} characters`);
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return void bad('type', `must be a ${schema.type} (got ${describe(value)})`);
      if (schema.type === 'integer' && !Number.isInteger(value))
        return void bad('type', `must be an integer (got ${describe(value)})`);
      if (schema.minimum !== undefined && value < schema.minimum)
        bad('greater_than_equal', `must be greater than or equal to ${schema.minimum} (got ${value})`);
      if (schema.maximum !== undefined && value > schema.maximum)
        bad('less_than_equal', `must be less than or equal to ${schema.maximum} (got ${value})`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('type', `must be a boolean (got ${describe(value)})`);
      return;
    case 'array':
      if (!Array.isArray(value)) return void bad('type', `must be an array (got ${describe(value)})`);
      if (schema.minItems !== undefined && value.length < schema.minItems)
        return void bad(
          'min_items',
          `must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'} (got ${value.length})`,
        );
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        return void bad('max_items', `must have at most ${schema.maxItems} items (got ${value.length})`);
      for (const [i, item] of value.entries()) checkField(`${path}[${i}]`, schema.items, item, out);
      return;
  }
}

/** Validates `input` against `schema`; returns every problem found, each naming its field (`input.num_outputs`). */
export function validateInput(schema: InputSchema, input: Record<string, unknown>): InvalidField[] {
  const out: InvalidField[] = [];
  for (const name of schema.required) {
    if (input[name] === undefined || input[name] === null)
      out.push({ type: 'required', field: `input.${name}`, description: `input.${name}: ${name} is required` });
  }
  for (const [name, fieldSchema] of Object.entries(schema.properties)) {
    const value = input[name];
    if (value === undefined || (value === null && !schema.required.includes(name))) continue;
    if (value === null) continue; // already reported as required
    checkField(`input.${name}`, fieldSchema, value, out);
  }
  return out;
}

/** The input with every schema default filled in. */
export function withDefaults(schema: InputSchema, input: Record<string, unknown>): Record<string, unknown> {
  const resolved: Record<string, unknown> = { ...input };
  for (const [name, fieldSchema] of Object.entries(schema.properties)) {
    if (resolved[name] === undefined && 'default' in fieldSchema && fieldSchema.default !== undefined)
      resolved[name] = fieldSchema.default;
  }
  return resolved;
}

/** The schema as Cog publishes it in a version's `openapi_schema`. */
export function toOpenApiSchema(schema: InputSchema, output: Record<string, unknown>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  Object.entries(schema.properties).forEach(([name, field], i) => {
    properties[name] = { title: name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()), 'x-order': i, ...field };
  });
  return {
    openapi: '3.0.2',
    info: { title: 'Cog', version: '0.1.0' },
    paths: {},
    components: {
      schemas: {
        Input: { type: 'object', title: 'Input', required: [...schema.required], properties },
        Output: output,
      },
    },
  };
}
