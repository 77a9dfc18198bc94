// Every default of the library, in one place. Each option's TSDoc says `@default` and points here; the
// modules that apply a default import it from this file rather than writing the number again.

import { CATALOGUE } from './catalogue.js';
import type { Price } from './pricing.js';

/** The catalogue's known prices that are one tier for every run (a per-mode price needs the input). */
function catalogueFlatPrices(): Record<string, Price> {
  const prices: Record<string, Price> = {};
  for (const entry of CATALOGUE) {
    if (!entry.price.known || entry.price.tiers.length !== 1) continue;
    const [tier] = entry.price.tiers;
    if (tier && tier.when === undefined) prices[entry.model] = { unit: tier.unit, usd: tier.usd };
  }
  return prices;
}

/** The API used when neither `baseUrl` nor `REPLICATE_BASE_URL` is set. */
export const DEFAULT_BASE_URL = 'https://api.replicate.com/v1';

/** Default per-request timeout (one HTTP attempt; a `Prefer: wait` create gets its wait on top). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Default deadline of lower-layer calls (the request and its retries). */
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

/** Default of `preferWaitSeconds`: how long a `generate*` create asks the API to hold its answer (the API's maximum). */
export const DEFAULT_PREFER_WAIT_SECONDS = 60;

/** The image model used when none is given. */
export const DEFAULT_IMAGE_MODEL = 'black-forest-labs/flux-schnell';

/** The video model used when none is given. */
export const DEFAULT_VIDEO_MODEL = 'fofr/skyreels-2';

/** Default deadline of `generateImage` and `pollPrediction`: 10 minutes. */
export const DEFAULT_TIMEOUT_MS = 600_000;

/** Default deadline of `generateVideo`: 20 minutes. */
export const DEFAULT_VIDEO_TIMEOUT_MS = 1_200_000;

/** Default wait between polls: 5 seconds. */
export const DEFAULT_INTERVAL_MS = 5_000;

/**
 * Default number of prompts generated at once. Reaching the rate limit takes rate × latency in flight
 * (Little's law): 600/min is 10/s, and a flux-schnell prediction takes about a second end to end.
 */
export const DEFAULT_BATCH_CONCURRENCY = 16;

/** Default of `resume({ concurrency })`: predictions waited for at once. */
export const DEFAULT_RESUME_CONCURRENCY = 8;

/** Replicate's documented limits, per minute. */
export const DEFAULT_RATE_LIMIT = Object.freeze({ createsPerMinute: 600, otherPerMinute: 3000 });

/** The original design's schedule: 5 s, 15 s, then 45 s; three retries of transient failures. */
export const DEFAULT_RETRY: Readonly<{
  delaysMs: readonly number[];
  maxRetries: number;
  jitterRatio: number;
  minDelayMs: number;
}> = Object.freeze({
  delaysMs: Object.freeze([5_000, 15_000, 45_000]),
  maxRetries: 3,
  jitterRatio: 0.1,
  // A floor under any wait the server asks for (Retry-After: 0, a date already past): a storm cannot hammer.
  minDelayMs: 1_000,
});

/** Largest API answer read, in bytes (far above any real prediction; logs included). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Known prices. flux-schnell: $0.003 per image; SkyReels-2: $0.10 per second of video; and every other
 * catalogue model with one published price for all its runs (flux-dev, flux-1.1-pro, flux-pro).
 * Models whose price is unknown (billed by hardware time, or a rate not confirmed: the first-last-frame
 * video models) are absent: pass a price through the client's `prices` option to estimate them.
 */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  ...catalogueFlatPrices(),
  [DEFAULT_IMAGE_MODEL]: { unit: 'image', usd: 0.003 },
  [DEFAULT_VIDEO_MODEL]: { unit: 'second', usd: 0.1 },
});

/** Images up to this size are sent inline as data URLs; larger ones are uploaded through the files API. */
export const DATA_URL_MAX_BYTES = 256 * 1024;

/** Default of `rememberIds` of the webhook handlers: webhook ids remembered for de-duplication. */
export const DEFAULT_WEBHOOK_IDS_REMEMBERED = 10_000;

/** Default of `maxBodyBytes` of the webhook handlers. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Live path (a create whose answer was lost): clock skew tolerated between this process and the API when
 * looking for the prediction the lost create made, used only until an answer's `Date` header has told us
 * the API's clock. Short, because the live path soon knows the API's clock and a wide window risks
 * adopting another process's identical prediction.
 */
export const LIVE_ADOPTION_SKEW_MS = 30_000;

/**
 * Default of `createSettleMs`: after a create's answer was lost and its prediction not found, how long the
 * client keeps looking (at 0.25, 0.75, 1.75, 3.75 s and at the end) before it sends the create again. A
 * busy queue can write a prediction a moment after the connection dropped; re-sending sooner would make a
 * second, billed one. Five seconds is the first retry's wait anyway (DEFAULT_RETRY), so a lost create
 * costs no extra time when nothing was made.
 */
export const DEFAULT_CREATE_SETTLE_MS = 5_000;

/**
 * `resume()` (after a crash): clock skew tolerated between the process that wrote an intent and the API's
 * `created_at`. Wider than the live path's: resume measures on the local clock, which may have been stepped
 * (NTP after a reboot) between the crash and the resume, and missing one's own paid prediction is the worse
 * failure (docs/durability.md, "Known limit").
 */
export const RESUME_ADOPTION_SKEW_MS = 60_000;

/**
 * Every public default in one frozen object, for code that shows or reasons about them (a `--help`
 * page, a config dump). The model names, the price table, the retry schedule and the rate limits are
 * also exported under their own `DEFAULT_*` names.
 */
export const DEFAULTS = Object.freeze({
  baseUrl: DEFAULT_BASE_URL,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  createSettleMs: DEFAULT_CREATE_SETTLE_MS,
  preferWaitSeconds: DEFAULT_PREFER_WAIT_SECONDS,
  imageModel: DEFAULT_IMAGE_MODEL,
  videoModel: DEFAULT_VIDEO_MODEL,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  videoTimeoutMs: DEFAULT_VIDEO_TIMEOUT_MS,
  intervalMs: DEFAULT_INTERVAL_MS,
  batchConcurrency: DEFAULT_BATCH_CONCURRENCY,
  resumeConcurrency: DEFAULT_RESUME_CONCURRENCY,
  rateLimit: DEFAULT_RATE_LIMIT,
  retry: DEFAULT_RETRY,
  prices: DEFAULT_PRICES,
  dataUrlMaxBytes: DATA_URL_MAX_BYTES,
  webhookIdsRemembered: DEFAULT_WEBHOOK_IDS_REMEMBERED,
  webhookMaxBodyBytes: DEFAULT_WEBHOOK_MAX_BODY_BYTES,
});
