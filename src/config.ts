// Resolving the client's options: the environment (REPLICATE_API_KEY / REPLICATE_API_TOKEN,
// REPLICATE_BASE_URL), the defaults, and the checks that make a bad option a ConfigurationError at
// construction rather than a surprise on the first call.

import {
  DEFAULT_BASE_URL,
  DEFAULT_CREATE_SETTLE_MS,
  DEFAULT_PREFER_WAIT_SECONDS,
  DEFAULT_PRICES,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './defaults.js';
import { ConfigurationError } from './errors.js';
import { printable } from './internal/printable.js';
import { VIDEO_INPUT_ADAPTERS, type VideoInputAdapter } from './models.js';
import { mergePrices, type PriceTable } from './pricing.js';
import { createRedactor, type Redactor } from './redact.js';
import { type RetrySchedule, resolveRetry } from './retry-policy.js';
import type { ReplicateClientOptions } from './types/options.js';
import type { FetchFn } from './types/prediction.js';

/** The client's options with the environment and the defaults applied, every one checked. */
export interface ClientConfig {
  apiKey: string;
  /** Redacts the API key (and any bearer credential) from text. */
  redact: Redactor;
  /** Without a trailing slash. */
  baseUrl: string;
  requestTimeoutMs: number;
  retry: RetrySchedule;
  fetch: FetchFn;
  now: () => number;
  prices: PriceTable;
  videoAdapters: Readonly<Record<string, VideoInputAdapter>>;
  keepRunning: boolean;
  preferWaitSeconds: number;
  useStream: boolean;
  createSettleMs: number;
}

interface Env {
  REPLICATE_API_KEY?: string;
  REPLICATE_API_TOKEN?: string;
  REPLICATE_BASE_URL?: string;
  /** The runtime refused to let us read the environment (Deno without --allow-env): its message. */
  denied?: string;
}

/** Reads the environment where there is one (Node, Bun, Deno with permission); never throws. */
function readEnv(): Env {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    if (!env) return {};
    return {
      REPLICATE_API_KEY: env.REPLICATE_API_KEY,
      REPLICATE_API_TOKEN: env.REPLICATE_API_TOKEN,
      REPLICATE_BASE_URL: env.REPLICATE_BASE_URL,
    };
  } catch (error) {
    // Deno throws NotCapable (PermissionDenied before 2.0): the key may well be set, so say so, not "not provided".
    return { denied: error instanceof Error ? error.message : String(error) };
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Applies the environment and the defaults to the options, checking each (in this order, so the first
 * problem reported is the same whatever else is wrong).
 * @throws ConfigurationError when no API key is found, or the base URL or an option is invalid.
 */
export function resolveConfig(options: ReplicateClientOptions): ClientConfig {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('options must be an object');
  for (const name of ['apiKey', 'baseUrl'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'string')
      throw new ConfigurationError(`${name} must be a string`);
  }
  const env = readEnv();
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env.REPLICATE_API_KEY) ?? nonEmpty(env.REPLICATE_API_TOKEN);
  if (!apiKey && env.denied) {
    throw new ConfigurationError(
      `Cannot read REPLICATE_API_KEY: the runtime denied access to the environment (${env.denied}). On Deno, run with --allow-env (or --allow-env=REPLICATE_API_KEY,REPLICATE_API_TOKEN,REPLICATE_BASE_URL), or pass { apiKey } to new ReplicateClient()`,
    );
  }
  if (!apiKey) {
    throw new ConfigurationError(
      'API key not provided: pass { apiKey } to new ReplicateClient(), or set the REPLICATE_API_KEY (or REPLICATE_API_TOKEN) environment variable',
    );
  }
  const redact = createRedactor(apiKey);
  const baseUrl = (nonEmpty(options.baseUrl) ?? nonEmpty(env.REPLICATE_BASE_URL) ?? DEFAULT_BASE_URL).replace(
    /\/+$/,
    '',
  );
  let parsed: URL | null = null;
  try {
    parsed = new URL(baseUrl);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new ConfigurationError(`baseUrl must be an http(s) URL, got ${JSON.stringify(printable(redact(baseUrl)))}`);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
    throw new ConfigurationError('requestTimeoutMs must be a positive number of milliseconds');
  }
  let retry: RetrySchedule;
  try {
    retry = resolveRetry(options.retry);
  } catch (error) {
    throw new ConfigurationError((error as Error).message);
  }
  const fetchFn = options.fetch ?? (globalThis.fetch as FetchFn | undefined);
  if (!fetchFn) throw new ConfigurationError('No fetch available: pass { fetch } to new ReplicateClient()');
  const now = options.now ?? Date.now;
  const prices = mergePrices(DEFAULT_PRICES, options.prices);
  const videoAdapters = Object.freeze({ ...VIDEO_INPUT_ADAPTERS, ...options.videoAdapters });
  const keepRunning = options.keepRunning ?? false;
  const preferWaitSeconds = options.preferWaitSeconds ?? DEFAULT_PREFER_WAIT_SECONDS;
  if (!Number.isInteger(preferWaitSeconds) || preferWaitSeconds < 0 || preferWaitSeconds > 60) {
    throw new ConfigurationError('preferWaitSeconds must be a whole number of seconds from 0 to 60');
  }
  const useStream = options.useStream ?? true;
  if (typeof useStream !== 'boolean') throw new ConfigurationError('useStream must be true or false');
  const createSettleMs = options.createSettleMs ?? DEFAULT_CREATE_SETTLE_MS;
  if (typeof createSettleMs !== 'number' || !Number.isFinite(createSettleMs) || createSettleMs < 0) {
    throw new ConfigurationError(
      `createSettleMs must be a number of milliseconds, 0 or more, got ${String(options.createSettleMs)}`,
    );
  }
  return {
    apiKey,
    redact,
    baseUrl,
    requestTimeoutMs,
    retry,
    fetch: fetchFn,
    now,
    prices,
    videoAdapters,
    keepRunning,
    preferWaitSeconds,
    useStream,
    createSettleMs,
  };
}
