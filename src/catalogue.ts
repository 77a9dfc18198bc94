// The model catalogue: for each image and video model the library knows, its input schema as Replicate
// publishes it, how it takes frames, its limits and its price, each with where and when it was read.
// Data only (plus small pure helpers); docs/models.md is the same catalogue in prose.
//
// Facts were read on 2026-12-02 from the stored copies of public pages the project's search tool holds
// (their own age is unknown). Where a fact could not be read on a Replicate page, the entry says so:
// a price is `unknown` rather than guessed, and a schema seen only on a third-party mirror says so in `notes`.

/** One input field of a model, as its API schema describes it. */
export interface CatalogueField {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'enum';
  required?: boolean;
  default?: unknown;
  /** Allowed values of an enum (or of an integer with a fixed set). */
  values?: readonly (string | number)[];
  min?: number;
  max?: number;
  description: string;
}

/** How a video model takes the pictures it moves between. */
export type FrameInput =
  /** Every frame in one field: an array, one newline-separated string, or a JSON array in a string. */
  | { kind: 'list'; field: string; encoding: 'array' | 'newline-string' | 'json-string'; maxImages?: number }
  /**
   * A start image and an end image: the model makes the motion between them. `requires` are inputs the
   * end image needs (kling-v2.1 only honours `end_image` in `pro` mode).
   */
  | { kind: 'first-last'; startField: string; endField: string; requires?: Readonly<Record<string, unknown>> }
  /** Image models: no frames in. */
  | { kind: 'none' };

/** One published price: per second of output video, per output image, or per run, possibly per mode. */
export interface PriceTier {
  unit: 'second' | 'image' | 'run';
  usd: number;
  /** The inputs this price applies to (e.g. `{ mode: 'pro' }`); absent when it applies to every run. */
  when?: Readonly<Record<string, unknown>>;
}

export type CataloguePrice =
  | {
      known: true;
      tiers: readonly PriceTier[];
      /** `replicate`: read on the model's Replicate page; `secondary`: Replicate's price as quoted by another site. */
      confirmedBy: 'replicate' | 'secondary' | 'design';
      source: string;
    }
  | {
      known: false;
      /** Why no price is given, and what is known about how it is billed. */
      note: string;
    };

export interface CatalogueEntry {
  /** `owner/name` on Replicate. */
  model: string;
  kind: 'image' | 'video';
  /** `public`: a model page exists on Replicate; `modelled`: the design's model, not in the public catalogue. */
  status: 'public' | 'modelled';
  /** What it does, in one line. */
  summary: string;
  frames: FrameInput;
  input: Readonly<Record<string, CatalogueField>>;
  /** The output as the schema gives it. */
  output: 'uri' | 'uri[]' | '{video, zip}';
  limits: {
    /** The input field holding the duration, when the model takes one. */
    durationField?: string;
    /** Allowed durations in seconds: a fixed set, or an integer range. */
    durations?: readonly number[] | { min: number; max: number };
    /** Output frame rate when published. */
    fps?: number;
    /** Output sizes or resolutions, as published. */
    sizes?: string;
    /** Whether the output can carry sound. */
    audio?: boolean;
  };
  price: CataloguePrice;
  /** Where each fact was read (model pages, API schema pages). */
  source: readonly string[];
  /** When it was read (ISO date). */
  readOn: string;
  notes?: readonly string[];
}

const READ_ON = '2026-12-02';
const FACTS_FILE = 'project facts file ../shared/replicate-api.md ("The two models of the mission")';

const promptField = (required: boolean): CatalogueField => ({
  type: 'string',
  ...(required ? { required } : {}),
  description: 'Text prompt',
});

/** The catalogue, in the order `replicate-media models` lists it. */
export const CATALOGUE: readonly CatalogueEntry[] = Object.freeze<CatalogueEntry[]>([
  // ---- first-last-frame video models -------------------------------------------------------------
  {
    model: 'kwaivgi/kling-v2.1',
    kind: 'video',
    status: 'public',
    summary: 'Kling 2.1 image-to-video; with end_image (pro mode) it moves from a start frame to an end frame.',
    frames: { kind: 'first-last', startField: 'start_image', endField: 'end_image', requires: { mode: 'pro' } },
    input: {
      prompt: { type: 'string', required: true, description: 'Text prompt for video generation' },
      start_image: { type: 'string', required: true, description: 'First frame of the video (required)' },
      end_image: { type: 'string', description: 'Last frame of the video; needs mode "pro"' },
      mode: {
        type: 'enum',
        values: ['standard', 'pro'],
        default: 'standard',
        description: 'standard is 720p, pro is 1080p; both 24 fps',
      },
      duration: { type: 'enum', values: [5, 10], default: 5, description: 'Duration of the video in seconds' },
      negative_prompt: { type: 'string', description: 'Things you do not want to see in the video' },
    },
    output: 'uri',
    limits: { durationField: 'duration', durations: [5, 10], fps: 24, sizes: '720p (standard), 1080p (pro)' },
    price: {
      known: false,
      note: 'Billed per second of output video by mode on Replicate; the rate was not found on a Replicate page the search tool holds.',
    },
    source: [
      'https://replicate.com/kwaivgi/kling-v2.1/versions/daad218feb714b03e2a1ac445986aebb9d05243cd00da2af17be2e4049f48f69/api',
      'https://api.core.today/v1/models/kwaivgi/kling-v2.1/llms.txt',
    ],
    readOn: READ_ON,
    notes: [
      'The Replicate API page lists the fields and defaults; the duration values 5|10 and "prompt, start_image required" are from a mirror of the same schema (api.core.today) and the issue.',
    ],
  },
  {
    model: 'minimax/hailuo-02',
    kind: 'video',
    status: 'public',
    summary: 'MiniMax Hailuo 02; first_frame_image and last_frame_image make a transition between two frames.',
    frames: { kind: 'first-last', startField: 'first_frame_image', endField: 'last_frame_image' },
    input: {
      prompt: { type: 'string', required: true, description: 'Text prompt for generation' },
      first_frame_image: {
        type: 'string',
        description: 'First frame; the output has the aspect ratio of this image',
      },
      last_frame_image: { type: 'string', description: 'Last frame; the final frame of the output matches it' },
      duration: {
        type: 'enum',
        values: [6, 10],
        default: 6,
        description: 'Seconds; 10 only at 768p',
      },
      resolution: {
        type: 'enum',
        values: ['512p', '768p', '1080p'],
        default: '1080p',
        description: '512p and 768p standard, 1080p pro (higher quality)',
      },
      prompt_optimizer: { type: 'boolean', default: true, description: 'Use prompt optimizer' },
    },
    output: 'uri',
    limits: { durationField: 'duration', durations: [6, 10], sizes: '512p, 768p, 1080p (10 s only at 768p)' },
    price: {
      known: false,
      note: 'Billed per run by duration and resolution on Replicate; the rates were not found on a Replicate page the search tool holds.',
    },
    source: [
      'https://replicate.com/minimax/hailuo-02/versions/c43b610efe40d08a28d2c07cb3515dab1cd3324dfc7418f3304a092571071d22/api',
    ],
    readOn: READ_ON,
    notes: [
      "MiniMax's own API docs (as mirrored by several resellers) say first-last-frame generation does not support 512p; use 768p or 1080p.",
    ],
  },
  {
    model: 'pixverse/pixverse-v4',
    kind: 'video',
    status: 'public',
    summary: 'PixVerse v4; image plus last_frame_image makes a transition, optionally with sound effects.',
    frames: { kind: 'first-last', startField: 'image', endField: 'last_frame_image' },
    input: {
      prompt: { type: 'string', required: true, description: 'Text prompt for video generation' },
      image: { type: 'string', description: 'Image for the first frame' },
      last_frame_image: { type: 'string', description: 'Image for the last frame; must be used with image' },
      quality: {
        type: 'enum',
        values: ['360p', '540p', '720p', '1080p'],
        default: '540p',
        description: '360p and 540p cost the same; 720p and 1080p cost more',
      },
      aspect_ratio: {
        type: 'enum',
        values: ['16:9', '4:3', '1:1', '3:4', '9:16'],
        default: '16:9',
        description: 'Aspect ratio',
      },
      duration: {
        type: 'enum',
        values: [5, 8],
        default: 5,
        description: 'Seconds; 8 s costs twice 5 s; 1080p has no 8 s',
      },
      motion_mode: {
        type: 'enum',
        values: ['normal', 'smooth'],
        default: 'normal',
        description: 'smooth costs twice as much; 5 s only; not at 1080p',
      },
      negative_prompt: { type: 'string', description: 'What to avoid' },
      seed: { type: 'integer', description: 'Random seed' },
      style: { type: 'string', description: 'Style of the video' },
      effect: { type: 'string', description: 'Special effect; does not work with last_frame_image' },
      sound_effect_switch: { type: 'boolean', default: false, description: 'Background music or sound effects' },
      sound_effect_content: { type: 'string', description: 'Sound effect prompt' },
    },
    output: 'uri',
    limits: { durationField: 'duration', durations: [5, 8], sizes: '360p, 540p, 720p, 1080p', audio: true },
    price: {
      known: false,
      note: 'Per run, by quality, duration (8 s = 2 x 5 s) and motion mode (smooth = 2 x); the dollar rates were not found on a Replicate page the search tool holds.',
    },
    source: [
      'https://replicate.com/pixverse/pixverse-v4/versions/b6e0ce28b9be22034e7e5b27022aeeac76f0ffa6aad3316c0a0a463dcf5d60ba/api',
    ],
    readOn: READ_ON,
    notes: ['The aspect ratio values are the common PixVerse set; the Replicate page shows only the default 16:9.'],
  },
  {
    model: 'bytedance/seedance-2.0',
    kind: 'video',
    status: 'public',
    summary: 'Seedance 2.0; image plus last_frame_image makes a transition, with generated sound by default.',
    frames: { kind: 'first-last', startField: 'image', endField: 'last_frame_image' },
    input: {
      prompt: { type: 'string', required: true, description: 'Text prompt for video generation' },
      image: { type: 'string', description: 'First frame; cannot be combined with reference images' },
      last_frame_image: { type: 'string', description: 'Last frame; only with a first frame image' },
      reference_images: { type: 'array', default: [], description: 'Up to 9 reference images (not with frames)' },
      duration: {
        type: 'integer',
        default: 5,
        min: -1,
        max: 15,
        description: 'Seconds; -1 lets the model pick',
      },
      resolution: { type: 'string', default: '720p', description: 'Video resolution' },
      aspect_ratio: { type: 'string', default: '16:9', description: "Aspect ratio; 'adaptive' follows the inputs" },
      generate_audio: { type: 'boolean', default: true, description: 'Synchronized audio (dialogue, effects, music)' },
      seed: { type: 'integer', description: 'Random seed' },
    },
    output: 'uri',
    limits: { durationField: 'duration', durations: { min: 1, max: 15 }, audio: true },
    price: {
      known: false,
      note: 'The rate was not found on a Replicate page the search tool holds.',
    },
    source: [
      'https://replicate.com/bytedance/seedance-2.0/versions/d456b64a60da3903c3692f7128d491004d021bbc2e1e19c63bccb117d3f4ab7b/api',
    ],
    readOn: READ_ON,
    notes: [
      'bytedance/seedance-2.0-fast takes the same fields (https://replicate.com/bytedance/seedance-2.0-fast/versions/90388a62748fab7edda739f1df78e8cbc66cc9275cfe232888ce53dea3d5e7b5/api).',
      'Sequences use whole seconds 1..15; -1 (model picks) is never chosen, since the length must be known to split a duration.',
    ],
  },

  // ---- list-of-images video models (the adapters in src/models.ts) -------------------------------
  {
    model: 'fofr/skyreels-2',
    kind: 'video',
    status: 'modelled',
    summary:
      "The original design's sequence-to-video model. Not in Replicate's public catalogue: its schema is modelled.",
    frames: { kind: 'list', field: 'images', encoding: 'array', maxImages: 16 },
    input: {
      images: { type: 'array', required: true, description: '1-16 image URLs or data URLs' },
      prompt: promptField(false),
      duration: { type: 'integer', min: 1, max: 30, description: 'Seconds; default one per image' },
      fps: { type: 'integer', min: 8, max: 30, default: 24, description: 'Frames per second' },
    },
    output: 'uri',
    limits: { durationField: 'duration', durations: { min: 1, max: 30 }, fps: 24 },
    price: { known: true, tiers: [{ unit: 'second', usd: 0.1 }], confirmedBy: 'design', source: FACTS_FILE },
    source: [FACTS_FILE],
    readOn: READ_ON,
    notes: [
      'A real key gets a 404 for this model: use a first-last-frame model above (a sequence of transitions) or a list-of-images model below.',
    ],
  },
  {
    model: 'fofr/frames-to-video',
    kind: 'video',
    status: 'public',
    summary: 'Stitches given frames into an MP4 at a frame rate (no motion is generated).',
    frames: { kind: 'list', field: 'frames_urls', encoding: 'newline-string' },
    input: {
      frames_urls: { type: 'string', description: 'Frame URLs, one per line (or frames_zip)' },
      frames_zip: { type: 'string', description: 'A zip of frames' },
      fps: { type: 'number', min: 1, default: 24, description: 'Frames per second' },
    },
    output: 'uri',
    limits: {},
    price: { known: false, note: 'Billed by hardware time; no per-run price is published.' },
    source: [FACTS_FILE],
    readOn: READ_ON,
  },
  {
    model: 'chigozienri/image-urls-to-video',
    kind: 'video',
    status: 'public',
    summary: 'Stitches image URLs into a GIF or MP4 at a frame rate (no motion is generated).',
    frames: { kind: 'list', field: 'image_urls', encoding: 'json-string' },
    input: {
      image_urls: { type: 'string', required: true, description: 'A JSON array of URLs, as a string' },
      fps: { type: 'number', default: 4, description: 'Frames per second' },
      mp4: { type: 'boolean', default: false, description: 'MP4 instead of GIF' },
    },
    output: '{video, zip}',
    limits: {},
    price: { known: false, note: 'Billed by hardware time; no per-run price is published.' },
    source: [FACTS_FILE],
    readOn: READ_ON,
  },

  // ---- image models ------------------------------------------------------------------------------
  {
    model: 'black-forest-labs/flux-schnell',
    kind: 'image',
    status: 'public',
    summary: 'FLUX.1 [schnell]: the fastest FLUX, 1-4 steps (the default image model).',
    frames: { kind: 'none' },
    input: {
      prompt: promptField(true),
      aspect_ratio: {
        type: 'enum',
        values: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
        default: '1:1',
        description: 'Aspect ratio',
      },
      num_outputs: { type: 'integer', min: 1, max: 4, default: 1, description: 'Images per run' },
      num_inference_steps: { type: 'integer', min: 1, max: 4, default: 4, description: 'Denoising steps' },
      seed: { type: 'integer', description: 'Random seed' },
      output_format: { type: 'enum', values: ['webp', 'jpg', 'png'], default: 'webp', description: 'Format' },
      output_quality: { type: 'integer', min: 0, max: 100, default: 80, description: 'Lossy quality' },
      go_fast: { type: 'boolean', default: true, description: 'fp8 quantized, faster' },
      megapixels: { type: 'enum', values: ['1', '0.25'], default: '1', description: 'Approximate size' },
      disable_safety_checker: { type: 'boolean', default: false, description: 'Disable safety checker' },
    },
    output: 'uri[]',
    limits: { sizes: 'about 1 or 0.25 megapixels' },
    price: { known: true, tiers: [{ unit: 'image', usd: 0.003 }], confirmedBy: 'design', source: FACTS_FILE },
    source: [FACTS_FILE],
    readOn: READ_ON,
  },
  {
    model: 'black-forest-labs/flux-dev',
    kind: 'image',
    status: 'public',
    summary: 'FLUX.1 [dev]: 12B open-weight model, 28 steps by default; also image-to-image.',
    frames: { kind: 'none' },
    input: {
      prompt: promptField(true),
      image: { type: 'string', description: 'Input image for image-to-image; the output takes its aspect ratio' },
      aspect_ratio: {
        type: 'enum',
        values: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
        default: '1:1',
        description: 'Aspect ratio',
      },
      prompt_strength: { type: 'number', min: 0, max: 1, default: 0.8, description: 'img2img strength' },
      num_outputs: { type: 'integer', min: 1, max: 4, default: 1, description: 'Images per run' },
      num_inference_steps: { type: 'integer', min: 1, max: 50, default: 28, description: 'Denoising steps' },
      guidance: { type: 'number', min: 0, max: 10, default: 3, description: 'Guidance' },
      seed: { type: 'integer', description: 'Random seed' },
      output_format: { type: 'enum', values: ['webp', 'jpg', 'png'], default: 'webp', description: 'Format' },
      output_quality: { type: 'integer', min: 0, max: 100, default: 80, description: 'Lossy quality' },
      go_fast: { type: 'boolean', default: true, description: 'fp8 quantized, faster, not deterministic' },
      megapixels: { type: 'enum', values: ['1', '0.25'], default: '1', description: 'Approximate size' },
      disable_safety_checker: { type: 'boolean', default: false, description: 'Disable safety checker' },
    },
    output: 'uri[]',
    limits: { sizes: 'about 1 or 0.25 megapixels' },
    price: {
      known: true,
      tiers: [{ unit: 'image', usd: 0.025 }],
      confirmedBy: 'secondary',
      source: 'https://lumenfall.ai/models/black-forest-labs/flux.1-dev (lists Replicate at $0.025 per image)',
    },
    source: ['https://cinemasetfree.com/guides/generators/black-forest-labs/flux-dev'],
    readOn: READ_ON,
    notes: [
      'Schema read from a mirror of the Replicate model page; no Replicate API page for it was in the stored copies.',
    ],
  },
  {
    model: 'black-forest-labs/flux-1.1-pro',
    kind: 'image',
    status: 'public',
    summary: 'FLUX1.1 [pro]: faster, better FLUX Pro; one image per run.',
    frames: { kind: 'none' },
    input: {
      prompt: promptField(true),
      aspect_ratio: { type: 'string', default: '1:1', description: "Aspect ratio, or 'custom' with width/height" },
      width: { type: 'integer', min: 256, max: 1440, description: 'With aspect_ratio custom; multiple of 16' },
      height: { type: 'integer', min: 256, max: 1440, description: 'With aspect_ratio custom; multiple of 16' },
      safety_tolerance: { type: 'integer', min: 1, max: 5, default: 2, description: '1 strictest, 5 most permissive' },
      seed: { type: 'integer', description: 'Random seed' },
      prompt_upsampling: { type: 'boolean', default: false, description: 'Rewrite the prompt creatively' },
      output_format: { type: 'string', default: 'webp', description: 'Format' },
      output_quality: { type: 'integer', min: 0, max: 100, default: 80, description: 'Lossy quality' },
    },
    output: 'uri',
    limits: { sizes: '256-1440 px a side' },
    price: {
      known: true,
      tiers: [{ unit: 'image', usd: 0.04 }],
      confirmedBy: 'secondary',
      source: 'https://lumenfall.ai/models/black-forest-labs/flux1.1-pro (lists Replicate at $0.040 per image)',
    },
    source: [
      'https://replicate.com/black-forest-labs/flux-1.1-pro/versions/a91bed9b0301d9d10b34b89b1f4d0255f2e2499c59576bfcd13405575dacdb25/api',
    ],
    readOn: READ_ON,
  },
  {
    model: 'black-forest-labs/flux-pro',
    kind: 'image',
    status: 'public',
    summary: 'FLUX.1 [pro]: the first FLUX Pro, with steps, guidance and Redux image prompts.',
    frames: { kind: 'none' },
    input: {
      prompt: promptField(true),
      image_prompt: { type: 'string', description: 'Flux Redux image to guide the composition' },
      aspect_ratio: { type: 'string', default: '1:1', description: "Aspect ratio, or 'custom' with width/height" },
      width: { type: 'integer', min: 256, max: 1440, description: 'With aspect_ratio custom; multiple of 32' },
      height: { type: 'integer', min: 256, max: 1440, description: 'With aspect_ratio custom; multiple of 32' },
      steps: { type: 'integer', min: 1, max: 50, default: 25, description: 'Diffusion steps' },
      guidance: { type: 'number', min: 2, max: 5, default: 3, description: 'Prompt adherence' },
      interval: { type: 'number', min: 1, max: 4, default: 2, description: 'Output variance' },
    },
    output: 'uri',
    limits: { sizes: '256-1440 px a side' },
    price: {
      known: true,
      tiers: [{ unit: 'image', usd: 0.055 }],
      confirmedBy: 'replicate',
      source: 'https://replicate.com/black-forest-labs/flux-pro',
    },
    source: ['https://replicate.com/black-forest-labs/flux-pro'],
    readOn: READ_ON,
    notes: ['Fields after interval (safety tolerance, seed, output format) were cut off in the stored copy.'],
  },
]);

/** The catalogue entry of a model (`owner/name`, version ignored), or undefined. */
export function catalogueEntry(model: string): CatalogueEntry | undefined {
  const name = model.split(':')[0];
  return CATALOGUE.find((entry) => entry.model === name);
}

/**
 * The catalogue models that do the same job as `model` (same kind, same way of taking frames), public
 * ones first: what to suggest when `model` answers 404 on the caller's account.
 */
export function modelsForSameJob(model: string): string[] {
  const entry = catalogueEntry(model);
  if (!entry) return [];
  return CATALOGUE.filter(
    (other) =>
      other.model !== entry.model &&
      other.kind === entry.kind &&
      other.status === 'public' &&
      (entry.kind === 'image' || other.frames.kind === entry.frames.kind || entry.status === 'modelled'),
  )
    .sort((a, b) => Number(b.frames.kind === 'first-last') - Number(a.frames.kind === 'first-last'))
    .map((other) => other.model);
}
