// Checks of the options every call takes, from untyped callers too: a bad one is an InvalidInputError
// saying what was wrong, before anything is created.

import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_INTERVAL_MS } from '../defaults.js';
import type { DownloadProgress } from '../downloads.js';
import { InvalidInputError } from '../errors.js';
import { printable } from '../internal/printable.js';

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
