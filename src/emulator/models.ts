// The emulated models: one table entry each, holding the input schema (from docs/shared/replicate-api.md),
// default timings, and how an input turns into output files. Adding a fake model = adding an entry.

import { createHash } from 'node:crypto';
import type { ImageFormat } from './media/index.js';
import type { FieldSchema, InputSchema } from './schema.js';

/** One output file of a prediction, rendered lazily when its URL is first fetched. */
export type OutputFile =
  | {
      kind: 'image';
      ext: ImageFormat;
      prompt: string;
      seed: number;
      width: number;
      height: number;
      format: ImageFormat;
      quality: number;
    }
  | {
      kind: 'video';
      ext: 'mp4';
      prompt: string;
      seed: number;
      frameCount: number;
      fps: number;
      durationSeconds: number;
      /** The input images, in order: the video is made from them (video-frames.ts). Unset: painted scenes. */
      frames?: string[];
    };

export interface OutputPlan {
  files: OutputFile[];
  /** `array`: output is a list of URLs (flux); `single`: output is one URL string (video models). */
  shape: 'array' | 'single';
  /** Progress steps shown in the logs as tqdm lines, which clients parse for progress. */
  steps: number;
}

export interface PlanContext {
  /** The seed to use when the input has none (drawn from the emulator's seeded generator). */
  seed: number;
  imageMaxSide: number;
}

export interface ModelSpec {
  owner: string;
  name: string;
  description: string;
  /** Official models answer `version: "hidden"` when run by name. */
  official: boolean;
  /** Typical queue and compute time on Replicate, before `speed` scaling. */
  timings: { startMs: number; predictMs: number };
  input: InputSchema;
  /** The Cog `Output` schema published in `openapi_schema`. */
  output: Record<string, unknown>;
  /** What its outputs are, when the output schema does not say (a single URI may be an image or a video). */
  makes?: 'image' | 'video';
  /** Checks that the schema subset cannot express; returns [field, message] pairs. */
  check?: (input: Record<string, unknown>) => Array<[string, string]>;
  /** Turns a validated input (defaults filled in) into the files it produces. */
  plan: (input: Record<string, unknown>, ctx: PlanContext) => OutputPlan;
}

const ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;

/**
 * The image files a text-to-image prediction makes: `count` of them, seeds counting up from the input's
 * `seed` (else the emulator's), each drawn at the size the ratio and megapixels give.
 */
export function imageFiles(
  input: Record<string, unknown>,
  ctx: { seed: number; imageMaxSide: number },
  o: { format: ImageFormat; ratio: string; megapixels: number; count: number; quality: number },
): OutputFile[] {
  const seed = typeof input.seed === 'number' ? input.seed : ctx.seed;
  const { width, height } = imageSize(o.ratio, o.megapixels, ctx.imageMaxSide);
  return Array.from({ length: o.count }, (_, i) => ({
    kind: 'image' as const,
    ext: o.format,
    format: o.format,
    prompt: String(input.prompt),
    seed: seed + i,
    width,
    height,
    quality: o.quality,
  }));
}

/** Width and height for an aspect ratio at a megapixel budget, in multiples of 16 like flux, then capped at `maxSide`. */
export function imageSize(aspectRatio: string, megapixels: number, maxSide: number): { width: number; height: number } {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  const area = megapixels * 1024 * 1024;
  let width = Math.round(Math.sqrt((area * w) / h) / 16) * 16;
  let height = Math.round(Math.sqrt((area * h) / w) / 16) * 16;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  width = Math.max(1, Math.round(width * scale));
  height = Math.max(1, Math.round(height * scale));
  return { width, height };
}

const uriArray = (description: string, minItems: number, maxItems: number): FieldSchema => ({
  type: 'array',
  description,
  items: { type: 'string', format: 'uri' },
  minItems,
  maxItems,
});

export const MODELS: readonly ModelSpec[] = [
  {
    owner: 'black-forest-labs',
    name: 'flux-schnell',
    description: 'The fastest image generation model tailored for local development and personal use',
    official: true,
    timings: { startMs: 250, predictMs: 750 },
    input: {
      required: ['prompt'],
      properties: {
        prompt: { type: 'string', description: 'Prompt for generated image' },
        aspect_ratio: {
          type: 'string',
          enum: ASPECT_RATIOS,
          default: '1:1',
          description: 'Aspect ratio for the generated image',
        },
        num_outputs: {
          type: 'integer',
          minimum: 1,
          maximum: 4,
          default: 1,
          description: 'Number of outputs to generate',
        },
        num_inference_steps: {
          type: 'integer',
          minimum: 1,
          maximum: 4,
          default: 4,
          description: 'Number of denoising steps',
        },
        seed: { type: 'integer', description: 'Random seed. Set for reproducible generation' },
        output_format: {
          type: 'string',
          enum: ['webp', 'jpg', 'png'],
          default: 'webp',
          description: 'Format of the output images',
        },
        output_quality: {
          type: 'integer',
          minimum: 0,
          maximum: 100,
          default: 80,
          description: 'Quality when saving the output images, from 0 to 100',
        },
        go_fast: {
          type: 'boolean',
          default: true,
          description: 'Run faster predictions with a model optimized for speed',
        },
        megapixels: {
          type: 'string',
          enum: ['1', '0.25'],
          default: '1',
          description: 'Approximate number of megapixels for generated image',
        },
        disable_safety_checker: {
          type: 'boolean',
          default: false,
          description: 'Disable safety checker for generated images',
        },
      },
    },
    output: { type: 'array', title: 'Output', items: { type: 'string', format: 'uri' } },
    plan: (input, ctx) => {
      const files = imageFiles(input, ctx, {
        format: input.output_format as ImageFormat,
        ratio: String(input.aspect_ratio),
        megapixels: Number(input.megapixels),
        count: input.num_outputs as number,
        quality: input.output_quality as number,
      });
      return { files, shape: 'array', steps: input.num_inference_steps as number };
    },
  },
  {
    // Not in Replicate's public list as stored here: the schema is modelled (see replicate-api.md).
    owner: 'fofr',
    name: 'skyreels-2',
    description: 'SkyReels-2: a video from a sequence of images (schema modelled for the emulator)',
    official: false,
    timings: { startMs: 3_000, predictMs: 40_000 },
    input: {
      required: ['images'],
      properties: {
        images: uriArray('Images to animate, in order: http(s) URLs or data URLs', 1, 16),
        prompt: { type: 'string', description: 'What the video shows' },
        duration: {
          type: 'integer',
          minimum: 1,
          maximum: 30,
          description: 'Length in seconds; default one second per image',
        },
        fps: { type: 'integer', minimum: 8, maximum: 30, default: 24, description: 'Frames per second' },
        seed: { type: 'integer', description: 'Random seed' },
      },
    },
    output: { type: 'string', title: 'Output', format: 'uri' },
    plan: (input, ctx) => {
      const images = input.images as string[];
      const durationSeconds = typeof input.duration === 'number' ? input.duration : Math.min(30, images.length);
      const fps = input.fps as number;
      const seed = typeof input.seed === 'number' ? input.seed : ctx.seed;
      const prompt = typeof input.prompt === 'string' ? input.prompt : `frames:${shortHash(images.join('\n'))}`;
      return {
        // One scene per input image: the media encoder holds each picture with cheap skip frames,
        // so a 30 s video stays small (a frame per picture would be 18 MB of uncompressed keyframes).
        files: [
          { kind: 'video', ext: 'mp4', prompt, seed, fps, durationSeconds, frameCount: images.length, frames: images },
        ],
        shape: 'single',
        steps: 10,
      };
    },
  },
  {
    owner: 'fofr',
    name: 'frames-to-video',
    description: 'Convert a set of frames to a video',
    official: false,
    timings: { startMs: 1_000, predictMs: 8_000 },
    input: {
      required: [],
      properties: {
        frames_zip: { type: 'string', format: 'uri', description: 'ZIP file containing frames' },
        frames_urls: { type: 'string', description: 'Newline-separated URLs of frames to combine into a video' },
        fps: { type: 'number', minimum: 1, default: 24, description: 'Number of frames per second of video' },
      },
    },
    output: { type: 'string', title: 'Output', format: 'uri' },
    check: (input) => {
      const problems: Array<[string, string]> = [];
      const urls = typeof input.frames_urls === 'string' ? frameUrls(input.frames_urls) : [];
      if (input.frames_urls === undefined && input.frames_zip === undefined)
        problems.push(['input.frames_urls', 'frames_urls or frames_zip is required']);
      if (typeof input.frames_urls === 'string' && urls.length === 0)
        problems.push(['input.frames_urls', 'must list at least one URL']);
      urls.forEach((url, i) => {
        if (!/^(https?:\/\/|data:)/.test(url))
          problems.push([
            `input.frames_urls[${i}]`,
            `must be an http(s) URL or a data URL (got ${JSON.stringify(url.slice(0, 40))})`,
          ]);
      });
      return problems;
    },
    plan: (input, ctx) => {
      const frames = typeof input.frames_urls === 'string' ? frameUrls(input.frames_urls).length : 24;
      const fps = input.fps as number;
      return {
        files: [
          {
            kind: 'video',
            ext: 'mp4',
            prompt: `frames:${shortHash(String(input.frames_urls ?? input.frames_zip))}`,
            seed: ctx.seed,
            fps,
            frameCount: frames,
            durationSeconds: frames / fps,
            ...(typeof input.frames_urls === 'string' ? { frames: frameUrls(input.frames_urls) } : {}),
          },
        ],
        shape: 'single',
        steps: 10,
      };
    },
  },
];

/** Frame lists can be megabytes of data URLs: the picture only needs something short and stable from them. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function frameUrls(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function modelName(model: ModelSpec): string {
  return `${model.owner}/${model.name}`;
}

/** A stable 64-hex version id per model, like Replicate's version ids. */
export function versionId(model: ModelSpec): string {
  return createHash('sha256')
    .update(`replicate-media emulator:${modelName(model)}`)
    .digest('hex');
}

/** When each built-in model's single version was "pushed": fixed, so responses are stable. */
export const VERSION_CREATED_AT = '2024-07-30T00:00:00.000Z';

/** One version of a model: its id and the spec it runs (a trained version runs its base's spec under its own name). */
export interface ModelVersion {
  id: string;
  createdAt: string;
  spec: ModelSpec;
}

/** A model as the API shows it: the built-ins, and models created through `POST /v1/models`. */
export interface ModelEntry {
  owner: string;
  name: string;
  description: string | null;
  visibility: 'public' | 'private';
  hardware: string;
  github_url: string | null;
  paper_url: string | null;
  license_url: string | null;
  weights_url: string | null;
  cover_image_url: string | null;
  readme: string | null;
  official: boolean;
  /** Created through the API, so owned by the emulator's account: it may be changed and deleted. */
  owned: boolean;
  /** Newest first; empty for a new model until a training (or nothing) adds one. */
  versions: ModelVersion[];
}

function builtInEntry(spec: ModelSpec): ModelEntry {
  return {
    owner: spec.owner,
    name: spec.name,
    description: spec.description,
    visibility: 'public',
    hardware: 'gpu-h100',
    github_url: null,
    paper_url: null,
    license_url: null,
    weights_url: null,
    cover_image_url: null,
    readme: `# ${modelName(spec)}\n\n${spec.description}\n\nServed by the replicate-media emulator: outputs are rendered locally.\n`,
    official: spec.official,
    owned: false,
    versions: [{ id: versionId(spec), createdAt: VERSION_CREATED_AT, spec }],
  };
}

/**
 * The models one emulator serves: the built-in table plus any given in options (same name replaces),
 * and the models and versions created through the API since the last reset.
 */
export class ModelRegistry {
  /** The specs of the built-in models (and those from options). */
  readonly all: readonly ModelSpec[];
  private entries: ModelEntry[] = [];

  /**
   * `catalogue`: served after the built-ins, each unless a model of the same name is already served;
   * `hidden`: names not served at all (to play an account on which a modelled model answers 404).
   */
  constructor(
    extra: readonly ModelSpec[] = [],
    catalogue: readonly ModelSpec[] = [],
    hidden: ReadonlySet<string> = new Set(),
  ) {
    const names = new Set(extra.map(modelName));
    const served = [...extra, ...MODELS.filter((m) => !names.has(modelName(m)))];
    const taken = new Set(served.map(modelName));
    this.all = [...served, ...catalogue.filter((m) => !taken.has(modelName(m)))].filter(
      (m) => !hidden.has(modelName(m)),
    );
    this.clear();
  }

  /** Back to the built-in models only. */
  clear(): void {
    this.entries = this.all.map(builtInEntry);
  }

  list(): readonly ModelEntry[] {
    return this.entries;
  }

  entry(owner: string, name: string): ModelEntry | undefined {
    return this.entries.find((m) => m.owner === owner && m.name === name);
  }

  /** The spec a model runs when run by name: its latest version's; undefined without one. */
  find(owner: string, name: string): ModelSpec | undefined {
    return this.entry(owner, name)?.versions[0]?.spec;
  }

  findVersion(id: string): { entry: ModelEntry; version: ModelVersion } | undefined {
    for (const entry of this.entries) {
      const version = entry.versions.find((v) => v.id === id);
      if (version) return { entry, version };
    }
    return undefined;
  }

  findByVersion(id: string): ModelSpec | undefined {
    return this.findVersion(id)?.version.spec;
  }

  /** Deployments map to the model of the same name, under any owner: `acme/flux-schnell` runs flux-schnell. */
  forDeployment(owner: string, name: string): ModelSpec | undefined {
    return this.find(owner, name) ?? this.all.find((m) => m.name === name);
  }

  add(entry: ModelEntry): void {
    this.entries.push(entry);
  }

  remove(entry: ModelEntry): void {
    this.entries = this.entries.filter((e) => e !== entry);
  }
}
