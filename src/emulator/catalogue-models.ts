// The library's model catalogue (src/catalogue.ts) served by the emulator: each catalogue model the
// built-in table lacks gets a spec made from its catalogue entry, so the schema a client is validated
// against here is the one the catalogue documents, and a first-last-frame prediction's video really
// starts on its start image and ends on its end image (each held for half the video, from the same
// frame machinery that makes videos from input images).

import { CATALOGUE, type CatalogueEntry, type CatalogueField } from '../catalogue.js';
import type { ImageFormat } from './media/index.js';
import { imageFiles, type ModelSpec, type OutputFile } from './models.js';
import type { FieldSchema, InputSchema } from './schema.js';

/** Frames per second of an emulated first-last-frame video when the catalogue gives none. */
const DEFAULT_FPS = 24;

/** The catalogue field as the emulator's schema subset says it (integer enums are checked separately). */
function fieldSchema(field: CatalogueField): FieldSchema {
  const description = field.description;
  switch (field.type) {
    case 'enum': {
      const values = field.values ?? [];
      if (values.every((v) => typeof v === 'number')) {
        const numbers = values as number[];
        return {
          type: 'integer',
          description,
          minimum: Math.min(...numbers),
          maximum: Math.max(...numbers),
          ...(typeof field.default === 'number' ? { default: field.default } : {}),
        };
      }
      return {
        type: 'string',
        description,
        enum: values.map(String),
        ...(typeof field.default === 'string' ? { default: field.default } : {}),
      };
    }
    case 'integer':
    case 'number':
      return {
        type: field.type,
        description,
        ...(field.min !== undefined ? { minimum: field.min } : {}),
        ...(field.max !== undefined ? { maximum: field.max } : {}),
        ...(typeof field.default === 'number' ? { default: field.default } : {}),
      };
    case 'boolean':
      return {
        type: 'boolean',
        description,
        ...(typeof field.default === 'boolean' ? { default: field.default } : {}),
      };
    case 'array':
      return { type: 'array', description, items: { type: 'string', format: 'uri' } };
    default:
      return { type: 'string', description, ...(typeof field.default === 'string' ? { default: field.default } : {}) };
  }
}

function inputSchema(entry: CatalogueEntry): InputSchema {
  const properties: Record<string, FieldSchema> = {};
  for (const [name, field] of Object.entries(entry.input)) properties[name] = fieldSchema(field);
  const required = Object.entries(entry.input)
    .filter(([, field]) => field.required === true)
    .map(([name]) => name);
  return { properties, required };
}

/** What the schema subset cannot say: integer enums, the end image's requirements, a start for the end. */
function checks(entry: CatalogueEntry): (input: Record<string, unknown>) => Array<[string, string]> {
  return (input) => {
    const problems: Array<[string, string]> = [];
    for (const [name, field] of Object.entries(entry.input)) {
      const value = input[name];
      if (field.type === 'enum' && typeof value === 'number' && !(field.values ?? []).includes(value))
        problems.push([`input.${name}`, `must be one of ${(field.values ?? []).join(', ')} (got ${value})`]);
    }
    if (entry.frames.kind === 'first-last' && typeof input[entry.frames.endField] === 'string') {
      const { startField, endField, requires } = entry.frames;
      if (typeof input[startField] !== 'string')
        problems.push([`input.${endField}`, `${endField} needs ${startField}: a transition has a start and an end`]);
      for (const [name, value] of Object.entries(requires ?? {})) {
        if (input[name] !== value)
          problems.push([
            `input.${endField}`,
            `${endField} is only honoured with ${name} ${JSON.stringify(value)} (got ${JSON.stringify(input[name])})`,
          ]);
      }
    }
    for (const [name, field] of Object.entries(entry.input)) {
      if (field.type === 'string' && /image/.test(name) && typeof input[name] === 'string') {
        if (!/^(https?:\/\/|data:)/.test(input[name] as string))
          problems.push([`input.${name}`, 'must be an http(s) URL or a data URL']);
      }
    }
    return problems;
  };
}

function videoPlan(entry: CatalogueEntry): ModelSpec['plan'] {
  return (input, ctx) => {
    const fps = entry.limits.fps ?? DEFAULT_FPS;
    const field = entry.limits.durationField;
    const asked = field !== undefined ? input[field] : undefined;
    const durationSeconds = typeof asked === 'number' && asked > 0 ? asked : 5;
    const seed = typeof input.seed === 'number' ? input.seed : ctx.seed;
    const prompt = typeof input.prompt === 'string' ? input.prompt : entry.model;
    const frames: string[] = [];
    if (entry.frames.kind === 'first-last') {
      const start = input[entry.frames.startField];
      const end = input[entry.frames.endField];
      if (typeof start === 'string') frames.push(start);
      if (typeof end === 'string') frames.push(end);
    }
    const file: OutputFile = {
      kind: 'video',
      ext: 'mp4',
      prompt,
      seed,
      fps,
      durationSeconds,
      frameCount: Math.max(1, frames.length),
      ...(frames.length > 0 ? { frames } : {}),
    };
    return { files: [file], shape: 'single', steps: 10 };
  };
}

function imagePlan(entry: CatalogueEntry): ModelSpec['plan'] {
  return (input, ctx) => {
    const raw = String(input.output_format ?? 'webp');
    const format = (['webp', 'jpg', 'png'].includes(raw) ? raw : 'webp') as ImageFormat;
    const ratio = /^\d+:\d+$/.test(String(input.aspect_ratio)) ? String(input.aspect_ratio) : '1:1';
    const files = imageFiles(input, ctx, {
      format,
      ratio,
      megapixels: Number(input.megapixels ?? 1),
      count: typeof input.num_outputs === 'number' ? input.num_outputs : 1,
      quality: typeof input.output_quality === 'number' ? input.output_quality : 80,
    });
    return { files, shape: entry.output === 'uri[]' ? 'array' : 'single', steps: 4 };
  };
}

/** A spec for one catalogue entry, or undefined for one whose output the emulator cannot make. */
export function catalogueSpec(entry: CatalogueEntry): ModelSpec | undefined {
  if (entry.output === '{video, zip}') return undefined;
  const [owner = '', name = ''] = entry.model.split('/');
  const video = entry.kind === 'video';
  return {
    owner,
    name,
    description: entry.summary,
    official: entry.status === 'public',
    makes: entry.kind,
    timings: video ? { startMs: 2_000, predictMs: 30_000 } : { startMs: 250, predictMs: 2_000 },
    input: inputSchema(entry),
    output:
      entry.output === 'uri[]'
        ? { type: 'array', title: 'Output', items: { type: 'string', format: 'uri' } }
        : { type: 'string', title: 'Output', format: 'uri' },
    check: checks(entry),
    plan: video ? videoPlan(entry) : imagePlan(entry),
  };
}

/** Specs for the catalogue's models (the registry keeps a built-in model of the same name instead). */
export function catalogueSpecs(): ModelSpec[] {
  return CATALOGUE.map(catalogueSpec).filter((spec): spec is ModelSpec => spec !== undefined);
}

/** The catalogue's models that are modelled, not on Replicate (a real account answers 404 for them). */
export function modelledModels(): string[] {
  return CATALOGUE.filter((entry) => entry.status === 'modelled').map((entry) => entry.model);
}
