// The model table: parsing `owner/name[:version]`, finding output URLs, and the video input adapters:
// video models take their frames differently, so each gets a small adapter from our one request shape. Callers can extend it.

/** What `generateVideo` asks of any video model, before the model's adapter shapes it. */
export interface VideoRequest {
  /** Frame URLs (http(s) or data URLs), in order. */
  images: string[];
  prompt?: string;
  /** The duration asked for, in seconds (default one per image). */
  durationSeconds: number;
  /** Frames per second, when the caller chose one. */
  fps?: number;
}

/** Turns a {@link VideoRequest} into one model's input, and finds the video in its output. */
export interface VideoInputAdapter {
  toInput(request: VideoRequest): Record<string, unknown>;
  /** The video URL in the model's output; default: the first URL found in it. */
  videoUrl?(output: unknown): string | null;
}

/**
 * The input a video prediction is sent: what the adapter builds from the frames and the call's options,
 * with the caller's own `input` laid over it (so a `duration` there wins).
 */
export function videoModelInput(
  adapter: VideoInputAdapter,
  images: string[],
  options: { durationSeconds: number; prompt?: string | undefined; fps?: number | undefined },
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...adapter.toInput({
      images,
      durationSeconds: options.durationSeconds,
      ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
      ...(options.fps !== undefined ? { fps: options.fps } : {}),
    }),
    ...extra,
  };
}

/**
 * The built-in adapters, one per video model (schemas in `../shared/replicate-api.md`):
 * - `fofr/skyreels-2`: `images` (array), `prompt`, `duration` (seconds), `fps`.
 * - `fofr/frames-to-video`: `frames_urls` (one newline-separated string) and `fps`; the duration follows
 *   from the frame count and fps, so fps defaults to frames ÷ duration.
 * - `chigozienri/image-urls-to-video`: `image_urls` (a JSON array as a string), `fps`, `mp4: true`; output `{video, zip}`.
 */
export const VIDEO_INPUT_ADAPTERS: Readonly<Record<string, VideoInputAdapter>> = Object.freeze({
  'fofr/skyreels-2': {
    toInput: ({ images, prompt, durationSeconds, fps }) => ({
      images,
      ...(prompt !== undefined ? { prompt } : {}),
      duration: durationSeconds,
      ...(fps !== undefined ? { fps } : {}),
    }),
  },
  'fofr/frames-to-video': {
    toInput: ({ images, durationSeconds, fps }) => ({
      frames_urls: images.join('\n'),
      fps: fps ?? images.length / durationSeconds,
    }),
  },
  'chigozienri/image-urls-to-video': {
    toInput: ({ images, durationSeconds, fps }) => ({
      image_urls: JSON.stringify(images),
      fps: fps ?? images.length / durationSeconds,
      mp4: true,
    }),
    videoUrl: (output) => {
      const video = typeof output === 'object' && output !== null ? (output as { video?: unknown }).video : undefined;
      return typeof video === 'string' ? video : null;
    },
  },
});

const MODEL_PATTERN = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** True for `owner/name` (no version). */
export function isModelName(value: unknown): value is string {
  return typeof value === 'string' && MODEL_PATTERN.test(value);
}

/** Splits `owner/name` or `owner/name:version`; null when it is neither. */
export function parseModelRef(value: unknown): { model: string; version: string | null } | null {
  if (typeof value !== 'string') return null;
  const [model = '', version, ...rest] = value.split(':');
  if (rest.length > 0 || !MODEL_PATTERN.test(model)) return null;
  if (version === undefined) return { model, version: null };
  return /^[A-Za-z0-9]+$/.test(version) ? { model, version } : null;
}
