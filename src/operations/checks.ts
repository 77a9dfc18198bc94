// Checks of the options every call takes, from untyped callers too: a bad one is an InvalidInputError
// saying what was wrong, before anything is created.

import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_INTERVAL_MS } from '../defaults.js';
import type { DownloadProgress } from '../downloads.js';
import { InvalidInputError } from '../errors.js';
import { printable } from '../internal/printable.js';
import { parseModelRef, type VideoInputAdapter } from '../models.js';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Options as given, `{}` for null or undefined; anything else (from untyped callers) is invalid_input. */
export function readOptions<T extends object>(value: T | null | undefined): T {
  if (value === undefined || value === null) return {} as T;
  if (!isObject(value)) throw new InvalidInputError('options must be an object');
  const { signal } = value as { signal?: unknown };
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new InvalidInputError('signal must be an AbortSignal');
  return value;
}

export function checkInput(input: unknown): Record<string, unknown> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('input must be an object of model inputs');
  }
  return input as Record<string, unknown>;
}

export function checkTimeout(value: number | undefined, fallback: number): number {
  const timeoutMs = value ?? fallback;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs === Infinity) {
    throw new InvalidInputError(`timeoutMs must be a positive number of milliseconds, got ${printable(value)}`);
  }
  return timeoutMs;
}

/** The deadline length of a lower-layer call. */
export function checkCallTimeout(value: number | undefined): number {
  return checkTimeout(value, DEFAULT_CALL_TIMEOUT_MS);
}

export function checkInterval(value: number | undefined): number {
  const intervalMs = value ?? DEFAULT_INTERVAL_MS;
  if (typeof intervalMs !== 'number' || !(intervalMs > 0) || intervalMs === Infinity) {
    throw new InvalidInputError(`intervalMs must be a positive number of milliseconds, got ${printable(value)}`);
  }
  return intervalMs;
}

/** The `download` option's directory, or null when not asked for. */
export function checkDownload(download: unknown): string | null {
  if (download === undefined || download === null) return null;
  const dir = isObject(download) ? download.dir : undefined;
  if (typeof dir !== 'string' || dir.trim() === '')
    throw new InvalidInputError('download must be { dir: "path/to/directory" }');
  progressListener(download);
  return dir;
}

/** The `download` option's progress listener (checked early, so a bad one fails before anything is created). */
export function progressListener(download: unknown): ((progress: DownloadProgress) => void) | undefined {
  const listener = isObject(download) ? download.onProgress : undefined;
  if (listener === undefined) return undefined;
  if (typeof listener !== 'function') throw new InvalidInputError('download.onProgress must be a function');
  return (progress) => {
    try {
      (listener as (progress: DownloadProgress) => void)(progress);
    } catch {
      // A progress line must never break a download.
    }
  };
}

/** What a video request resolves to once its options are checked. */
export interface CheckedVideoRequest {
  /** Seconds asked for: `durationSeconds`, else one a frame. */
  durationSeconds: number;
  model: string;
  adapter: VideoInputAdapter;
  /** Extra model inputs (`input`), checked. */
  extra: Record<string, unknown>;
  downloadDir: string | null;
}

/**
 * The checks every way of asking for a video makes (generateVideo, submitVideo), in one order, before
 * anything is uploaded or created: frames, duration, fps, prompt, a known model, input, download.
 */
export function checkVideoRequest(
  images: unknown,
  options: {
    durationSeconds?: unknown;
    fps?: unknown;
    prompt?: unknown;
    model?: string;
    input?: unknown;
    download?: unknown;
  },
  adapters: Readonly<Record<string, VideoInputAdapter>>,
  defaultModel: string,
): CheckedVideoRequest {
  if (!Array.isArray(images) || images.length === 0) throw new InvalidInputError('No image URLs provided');
  const durationSeconds = options.durationSeconds ?? images.length;
  if (typeof durationSeconds !== 'number' || !Number.isFinite(durationSeconds) || durationSeconds <= 0)
    throw new InvalidInputError(`durationSeconds must be a positive number, got ${printable(options.durationSeconds)}`);
  if (
    options.fps !== undefined &&
    (typeof options.fps !== 'number' || !Number.isFinite(options.fps) || options.fps <= 0)
  )
    throw new InvalidInputError(`fps must be a positive number, got ${printable(options.fps)}`);
  if (options.prompt !== undefined && typeof options.prompt !== 'string')
    throw new InvalidInputError('prompt must be a string');
  const model = options.model ?? defaultModel;
  const adapter = adapters[parseModelRef(model)?.model ?? model];
  if (!adapter) {
    throw new InvalidInputError(
      `No video input adapter for model ${JSON.stringify(printable(model))}: add one with the videoAdapters option (known: ${Object.keys(adapters).join(', ')})`,
    );
  }
  return {
    durationSeconds,
    model,
    adapter,
    extra: checkInput(options.input),
    downloadDir: checkDownload(options.download),
  };
}
