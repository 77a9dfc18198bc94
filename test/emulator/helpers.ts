// Shared helpers for the emulator tests: a fast emulator, an authenticated fetch, and an
// OpenAPI validator built from Replicate's published schema.

import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { vi } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';

/**
 * A prediction as the emulator puts it on the wire: unlike the client's lenient `Prediction` type, the fields
 * these tests read are always present. `output` is the image models' list of URLs (null until it succeeds).
 */
export interface PredictionJson {
  id: string;
  model: string;
  version: string;
  status: string;
  input: Record<string, unknown>;
  output: string[] | null;
  logs: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  data_removed: boolean;
  metrics: { predict_time?: number; total_time?: number };
  urls: { get: string; cancel: string; web: string; stream: string };
  deadline?: string;
  webhook?: string;
  webhook_events_filter?: string[];
}

/** The part of a model's `openapi_schema` the tests read: its input schema. */
export interface OpenApiSchemaJson {
  components: { schemas: { Input: { required: string[]; properties: Record<string, unknown> } } };
}

/** Short timings so lifecycles finish in tens of milliseconds. */
export const FAST: EmulatorOptions = { timings: { '*': { startMs: 5, predictMs: 20 } } };

/** A fixed instant: with `now` frozen, only advanceClock moves the emulator's time. */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Long timings on a frozen clock, for tests that step the lifecycle with advanceClock. */
export const SLOW: EmulatorOptions = { timings: { '*': { startMs: 10_000, predictMs: 20_000 } }, now: () => T0 };

export function start(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ ...FAST, ...options });
}

/** Waits for something that happens over the network (a delivery, a held request arriving); generous for loaded machines. */
export function eventually(check: () => void): Promise<void> {
  return vi.waitFor(check, { timeout: 10_000, interval: 5 });
}

export const AUTH = { authorization: 'Bearer test-token' };

export async function api(emu: Emulator, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, headers, ...rest } = init;
  return fetch(`${emu.apiUrl}${path}`, {
    ...rest,
    headers: {
      ...AUTH,
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(headers as Record<string, string>),
    },
    ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}),
  });
}

export async function createFlux(
  emu: Emulator,
  input: Record<string, unknown> = { prompt: 'a red fox' },
  headers: Record<string, string> = {},
): Promise<PredictionJson> {
  const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', { json: { input }, headers });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as PredictionJson;
}

export async function getPrediction(emu: Emulator, id: string): Promise<PredictionJson> {
  const res = await api(emu, `/predictions/${id}`);
  if (res.status !== 200) throw new Error(`get failed: ${res.status}`);
  return (await res.json()) as PredictionJson;
}

// --- OpenAPI validation ---------------------------------------------------------------------
// Replicate's published OpenAPI schema, vendored so the suite runs anywhere (a copy of ../shared).

const openapi = JSON.parse(readFileSync(new URL('./fixtures/replicate-openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, unknown> };
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
};

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
// The published schema says `version` is oneOf [any string, the string "hidden"], which "hidden"
// matches twice, so no official-model prediction could ever validate. Read it as anyOf.
const predictionSchema = openapi.components.schemas.schemas_prediction_response as {
  properties: { version: Record<string, unknown> };
};
if (predictionSchema.properties.version.oneOf) {
  predictionSchema.properties.version = { anyOf: predictionSchema.properties.version.oneOf };
}
// The schema types `logs` as a string, but Replicate answers `logs: null` for a canceled prediction
// (recorded), and the emulator does too: accept null there (docs/emulator.md lists the schema defects).
(predictionSchema.properties as Record<string, Record<string, unknown>>).logs = {
  ...(predictionSchema.properties as Record<string, Record<string, unknown>>).logs,
  type: ['string', 'null'],
};
// A training's `output` is null until it succeeds (as a prediction's is), which the schema's plain
// `type: object` does not admit.
const trainingSchema = openapi.components.schemas.schemas_training_response as {
  properties: Record<string, Record<string, unknown>>;
};
trainingSchema.properties.output = { ...trainingSchema.properties.output, nullable: true, type: ['object', 'null'] };
ajv.addSchema({ $id: 'openapi', components: openapi.components });

/** Every operation of the schema, as `METHOD /template` (e.g. `GET /models/{model_owner}/{model_name}`). */
export function openApiOperations(): string[] {
  const methods = ['get', 'post', 'put', 'patch', 'delete', 'query'];
  return Object.entries(openapi.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((m) => methods.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** Replaces local `#/components/...` refs with refs into the registered document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema))
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi${v}` : rebase(v);
    return out;
  }
  return schema;
}

const validators = new Map<string, ValidateFunction>();

/** Validates `body` against the response schema of `method path` (an OpenAPI path template) for `status`. */
export function validateAgainstOpenApi(method: string, pathTemplate: string, status: number, body: unknown): string[] {
  const key = `${method} ${pathTemplate} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    const operation = openapi.paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) throw new Error(`no operation ${method} ${pathTemplate} in the OpenAPI schema`);
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`the schema has no ${status} answer for ${method} ${pathTemplate}`);
    if (!response.content) {
      // An answer without content (204, 202): the body must be empty.
      return body === undefined || body === '' ? [] : [`expected no body, got ${JSON.stringify(body).slice(0, 80)}`];
    }
    const content = response.content;
    const schema = (content['application/json'] ?? content['application/problem+json'] ?? content['text/plain'])
      ?.schema;
    if (!schema) throw new Error(`no schema for ${key}`);
    validate = ajv.compile(rebase(schema) as object);
    validators.set(key, validate);
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Ajv for format-checking too (date-time, uri), used where the strings matter. */
export function isIsoDate(value: unknown): boolean {
  return typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value);
}

/** The first bytes of a file, to recognise PNG, JPEG, WebP and MP4. */
export function sniff(bytes: Uint8Array): 'png' | 'jpg' | 'webp' | 'mp4' | 'unknown' {
  const b = Buffer.from(bytes);
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpg';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (b.subarray(4, 8).toString('latin1') === 'ftyp') return 'mp4';
  return 'unknown';
}
