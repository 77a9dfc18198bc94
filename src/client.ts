// ReplicateClient: generateImage / generateVideo / pollPrediction / estimateCost, which return results
// and never throw for operational failures, over the lower layer (create/get/cancel/list), which throws
// typed ReplicateErrors.

import * as api from './api.js';
import { type GenerateImagesOptions, generateImages } from './batch.js';
import { Bookkeeper, type RunMeta } from './bookkeeping.js';
import type { DownloadProgress, MediaKind } from './downloads.js';
import {
  CanceledError,
  ClosedError,
  ConfigurationError,
  DataRemovedError,
  type ErrorCode,
  InvalidInputError,
  PredictionFailedError,
  ReplicateError,
  TimeoutError,
} from './errors.js';
import { type ImageInput, resolveImageInputs } from './image-inputs.js';
import {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_VIDEO_MODEL,
  DEFAULT_VIDEO_TIMEOUT_MS,
  outputUrls,
  parseModelRef,
  VIDEO_INPUT_ADAPTERS,
  type VideoInputAdapter,
} from './models.js';
import { Operation, type RunOutcome, runPrediction, waitForPrediction } from './predictions.js';
import { DEFAULT_PRICES, estimateCost, mergePrices, type Price, type PriceTable } from './pricing.js';
import { printable } from './printable.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import { createRedactor, type Redactor } from './redact.js';
import { type ResumedPrediction, resumeFromJournal } from './resume.js';
import { type RetryOptions, resolveRetry } from './retry-policy.js';
import type { Reservation } from './spend.js';
import { Transport } from './transport.js';
import {
  defaultSleep,
  type FetchFn,
  isPrediction,
  isTerminalStatus,
  type Logger,
  type Prediction,
  type SleepFn,
  type StatusListener,
  type UploadedFile,
} from './types.js';

/** The API used when neither `baseUrl` nor `REPLICATE_BASE_URL` is set. */
export const DEFAULT_BASE_URL = 'https://api.replicate.com/v1';

/** Default per-request timeout (one HTTP attempt; a `Prefer: wait` create gets its wait on top). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Default deadline of lower-layer calls (the request and its retries). */
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

const VERSION = '0.1.0';

/** Options of {@link ReplicateClient}. Every one has a default. */
export interface ReplicateClientOptions {
  /** The API key. Default: `REPLICATE_API_KEY`, else `REPLICATE_API_TOKEN` from the environment. */
  apiKey?: string;
  /** The API base URL. Default: `REPLICATE_BASE_URL`, else `https://api.replicate.com/v1`. */
  baseUrl?: string;
  /** Console-compatible logger for requests and retries (redacted). Default: silent. */
  logger?: Logger;
  /** Retry schedule. Default `{ delaysMs: [5000, 15000, 45000], maxRetries: 3, jitterRatio: 0.1 }`. */
  retry?: RetryOptions;
  /** Per-request timeout. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Leave predictions running on the server when a `generate*` call gives up. Default false (cancel them). */
  keepRunning?: boolean;
  /**
   * How long a `generate*` create may ask the API to hold its answer (`Prefer: wait`), in seconds, 0–60.
   * Default 60; 0 polls from the start.
   */
  preferWaitSeconds?: number;
  /**
   * While waiting for a prediction that is still running (after the held create, or in `pollPrediction`),
   * also listen on its `urls.stream` (server-sent events, fetched without credentials) for `done`, and read
   * the final state as soon as it comes rather than at the next poll. While the stream is connected, polls are
   * skipped (but one a minute); while it is not, polling keeps its schedule. Default true.
   */
  useStream?: boolean;
  /** Price overrides or additions, per model (`owner/name`). */
  prices?: Record<string, Price>;
  /** Extra or replacement video input adapters, per model. */
  videoAdapters?: Record<string, VideoInputAdapter>;
  /** `fetch` to use. Default: the global `fetch`. */
  fetch?: FetchFn;
  /** Sleep used for retry waits and polling. Default: a timer. */
  sleep?: SleepFn;
  /** Clock in ms since the epoch, for deadlines. Default `Date.now`. */
  now?: () => number;
  /** Random numbers in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * Client-side rate limits, shared by every call of this client, so batches stay under Replicate's
   * limits instead of meeting 429s. Default `{ createsPerMinute: 600, otherPerMinute: 3000 }` with a
   * burst of a minute's worth less one second's; `false` turns them off.
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Path of a journal file: every prediction is recorded there (JSON Lines, fsync'd) the moment its id is
   * known, then its status, outputs, saved files and cost, so `resume()` can finish what a crash left.
   * Needs a file system (Node, Bun, Deno). Default: no journal. Format: docs/durability.md.
   */
  journal?: string;
  /**
   * Most this client may spend, in USD: an operation whose estimate would cross what is left is refused
   * before anything is created (`errorCode: 'budget_exceeded'`). Default: no limit.
   */
  budgetUsd?: number;
}

/** Where `generate*` saves the outputs (`{predictionId}-{index}.{ext}`, written atomically). */
export interface DownloadTo {
  /** Directory to save into; created if missing. */
  dir: string;
  /**
   * Called as bytes of each file arrive (often once per network chunk): its `url`, `receivedBytes`,
   * `totalBytes` (from Content-Length, null when not given) and `attempt`. Exceptions it throws are ignored.
   */
  onProgress?: (progress: DownloadProgress) => void;
}

/** Options of {@link ReplicateClient.download}. */
export interface DownloadCallOptions extends DownloadTo {
  /** Aborts the download (files already saved stay). */
  signal?: AbortSignal;
}

/** What {@link ReplicateClient.download} accepts: a result of `generate*` or `pollPrediction`, a prediction, or URLs. */
export type Downloadable =
  | string
  | readonly string[]
  | Prediction
  | {
      predictionId: string | null;
      imageUrls?: readonly string[];
      videoUrl?: string | null;
      output?: unknown;
      prediction?: Prediction | null;
    };

/** The result of {@link ReplicateClient.download}: `if (result.success)` narrows it. */
export type DownloadResult =
  | { success: true; predictionId: string | null; files: string[]; error: null; errorCode: null }
  /** `files` holds what was saved before the failure. `errorCode` is `data_removed` when the outputs expired. */
  | { success: false; predictionId: string | null; files: string[]; error: string; errorCode: ErrorCode };

/** Options of {@link ReplicateClient.resume}. */
export interface ResumeOptions {
  /** Deadline of the wait for each prediction. Default 600 000 ms (1 200 000 for videos). */
  timeoutMs?: number;
  /** Wait between polls. Default 5000 ms. */
  intervalMs?: number;
  /** Aborts the waits and downloads (the predictions keep running on the server). */
  signal?: AbortSignal;
  /** How many predictions are waited for at once. Default 8. */
  concurrency?: number;
  /** Called as each prediction is done with. */
  onResult?: (result: ResumedPrediction) => void;
}

/** Options shared by the waiting calls. */
export interface WaitOptions {
  /** Deadline for the whole call, retries included (also sent as `Cancel-After`). */
  timeoutMs?: number;
  /** Wait between polls. Default 5000 ms. */
  intervalMs?: number;
  /** Aborts the call; the prediction it started is canceled on the server. */
  signal?: AbortSignal;
  /** Live progress, for status lines. */
  onStatus?: StatusListener;
}

/** Options of {@link ReplicateClient.generateImage}. */
export interface GenerateImageOptions extends WaitOptions {
  /** Default `black-forest-labs/flux-schnell`. `owner/name` or `owner/name:version`. */
  model?: string;
  /** Extra model inputs (`num_outputs`, `aspect_ratio`, `seed`, `output_format`, ...). */
  input?: Record<string, unknown>;
  /** Override the client's `keepRunning` for this call. */
  keepRunning?: boolean;
  /** Save every output image into `dir`; the result then lists the files. */
  download?: DownloadTo;
}

/** Options of {@link ReplicateClient.generateVideo}. */
export interface GenerateVideoOptions extends WaitOptions {
  /** Default `fofr/skyreels-2`; needs an entry in the video adapter table. */
  model?: string;
  prompt?: string;
  /** Seconds of video asked for. Default: one per image. */
  durationSeconds?: number;
  /** Frames per second, when the model takes one. */
  fps?: number;
  /** Extra model inputs, merged over what the adapter produced. */
  input?: Record<string, unknown>;
  /** Override the client's `keepRunning` for this call. */
  keepRunning?: boolean;
  /** Save the video into `dir`; the result then lists the file. */
  download?: DownloadTo;
}

/** Options of {@link ReplicateClient.pollPrediction}. */
export interface PollOptions extends WaitOptions {}

/** Fields of every failed `generate*` result. */
interface FailureFields {
  success: false;
  /** One clear sentence (a timeout's contains `timeout`, a network failure's `network`). */
  error: string;
  errorCode: ErrorCode;
  /** HTTP status of the API answer that caused the failure (404 for an unknown model, ...), or null when there was none. */
  httpStatus: number | null;
  /** The prediction this call created, or null when none was. */
  predictionId: string | null;
  /** The last state seen of the prediction, when there is one. */
  prediction: Prediction | null;
  /** True when the call gave up and canceled its prediction on the server. */
  canceledOnServer: boolean;
}

/** A generated image (or several, with `num_outputs`). */
export interface ImageSuccess {
  success: true;
  /** The first image. */
  imageUrl: string;
  /** Every image, in output order. */
  imageUrls: string[];
  predictionId: string;
  error: null;
  prediction: Prediction;
  /** What it cost, from the price table and the images made; null when the model has no known price. */
  costUsd: number | null;
  /** The saved files, in output order, when `download` was asked for. */
  files?: string[];
}

/** A failed image generation. */
export interface ImageFailure extends FailureFields {
  imageUrl: null;
  imageUrls: [];
}

/** The result of `generateImage`: `if (result.success)` narrows it. */
export type ImageResult = ImageSuccess | ImageFailure;

/** A generated video. */
export interface VideoSuccess {
  success: true;
  videoUrl: string;
  /** The duration asked for (what the cost is estimated on). */
  durationSeconds: number;
  predictionId: string;
  error: null;
  prediction: Prediction;
  /** What it cost, from the price table and the duration asked for; null when the model has no known price. */
  costUsd: number | null;
  /** The saved file, when `download` was asked for. */
  files?: string[];
}

/** A failed video generation. */
export interface VideoFailure extends FailureFields {
  videoUrl: null;
  durationSeconds: number;
}

/** The result of `generateVideo`: `if (result.success)` narrows it. */
export type VideoResult = VideoSuccess | VideoFailure;

/** How `pollPrediction` ended. `aborted`: Replicate's status for a prediction whose deadline passed before it started. */
export type PollStatus = 'succeeded' | 'failed' | 'canceled' | 'aborted' | 'timeout' | 'error';

/**
 * The result of `pollPrediction`, by `status`. `httpStatus`: the HTTP status of the API answer that made
 * polling fail (`error` only: 404 for an unknown id, 401, ...); null otherwise.
 */
export type PollResult =
  | {
      status: 'succeeded';
      predictionId: string;
      output: unknown;
      error: null;
      errorCode: null;
      httpStatus: null;
      prediction: Prediction;
    }
  | {
      status: 'failed' | 'canceled' | 'aborted';
      predictionId: string;
      output: unknown;
      error: string;
      errorCode: ErrorCode;
      httpStatus: null;
      prediction: Prediction;
    }
  /** The deadline passed first; the prediction is left running. */
  | {
      status: 'timeout';
      predictionId: string;
      output: null;
      error: string;
      errorCode: 'timeout';
      httpStatus: null;
      prediction: Prediction | null;
    }
  /** Polling failed (network, auth, unknown id, abort, close): `errorCode` says why. */
  | {
      status: 'error';
      predictionId: string;
      output: null;
      error: string;
      errorCode: ErrorCode;
      httpStatus: number | null;
      prediction: Prediction | null;
    };

/** Lower-layer create options (see {@link api.CreatePredictionOptions}). */
export type CreatePredictionOptions = api.CreatePredictionOptions;
/** Options of `getPrediction` / `cancelPrediction`. */
export type RequestOptions = api.RequestOptions;
/** Options of `listPredictions`. */
export type ListPredictionsOptions = api.ListPredictionsOptions;

interface Env {
  REPLICATE_API_KEY?: string;
  REPLICATE_API_TOKEN?: string;
  REPLICATE_BASE_URL?: string;
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
  } catch {
    return {};
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * A client for Replicate that gets a result you can trust whatever the network and the API do.
 *
 * ```ts
 * await using client = new ReplicateClient();
 * const result = await client.generateImage('a red sports car');
 * if (result.success) console.log(result.imageUrl);
 * else console.error(result.errorCode, result.error);
 * ```
 */
export class ReplicateClient implements AsyncDisposable {
  readonly #transport: Transport;
  readonly #redact: Redactor;
  readonly #now: () => number;
  readonly #close = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #ledger = new api.PredictionLedger();
  readonly #prices: PriceTable;
  readonly #videoAdapters: Readonly<Record<string, VideoInputAdapter>>;
  readonly #keepRunning: boolean;
  readonly #preferWaitSeconds: number;
  readonly #useStream: boolean;
  readonly #books: Bookkeeper;
  readonly #logger: ReplicateClientOptions['logger'];

  /**
   * @throws ConfigurationError when no API key is found (`API key not provided ...`), or the base URL or
   *   an option is invalid.
   */
  constructor(options: ReplicateClientOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ConfigurationError('options must be an object');
    for (const name of ['apiKey', 'baseUrl'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'string')
        throw new ConfigurationError(`${name} must be a string`);
    }
    const env = readEnv();
    const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env.REPLICATE_API_KEY) ?? nonEmpty(env.REPLICATE_API_TOKEN);
    if (!apiKey) {
      throw new ConfigurationError(
        'API key not provided: pass { apiKey } to new ReplicateClient(), or set the REPLICATE_API_KEY (or REPLICATE_API_TOKEN) environment variable',
      );
    }
    this.#redact = createRedactor(apiKey);
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
      throw new ConfigurationError(
        `baseUrl must be an http(s) URL, got ${JSON.stringify(printable(this.#redact(baseUrl)))}`,
      );
    }
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
      throw new ConfigurationError('requestTimeoutMs must be a positive number of milliseconds');
    }
    let retry;
    try {
      retry = resolveRetry(options.retry);
    } catch (error) {
      throw new ConfigurationError((error as Error).message);
    }
    const fetchFn = options.fetch ?? (globalThis.fetch as FetchFn | undefined);
    if (!fetchFn) throw new ConfigurationError('No fetch available: pass { fetch } to new ReplicateClient()');
    this.#now = options.now ?? Date.now;
    this.#prices = mergePrices(DEFAULT_PRICES, options.prices);
    this.#videoAdapters = Object.freeze({ ...VIDEO_INPUT_ADAPTERS, ...options.videoAdapters });
    this.#keepRunning = options.keepRunning ?? false;
    this.#preferWaitSeconds = options.preferWaitSeconds ?? 60;
    if (!Number.isInteger(this.#preferWaitSeconds) || this.#preferWaitSeconds < 0 || this.#preferWaitSeconds > 60) {
      throw new ConfigurationError('preferWaitSeconds must be a whole number of seconds from 0 to 60');
    }
    this.#useStream = options.useStream ?? true;
    if (typeof this.#useStream !== 'boolean') throw new ConfigurationError('useStream must be true or false');
    this.#logger = options.logger;
    try {
      this.#books = new Bookkeeper({
        journalPath: options.journal,
        budgetUsd: options.budgetUsd,
        prices: this.#prices,
        redact: this.#redact,
        now: this.#now,
        fetch: fetchFn,
        warn: (message) => this.#logger?.warn?.(this.#redact(message)),
      });
    } catch (error) {
      throw new ConfigurationError((error as Error).message);
    }
    let rateLimiter: RateLimiter | undefined;
    try {
      rateLimiter = options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? {}, this.#now);
    } catch (error) {
      throw new ConfigurationError(`rateLimit: ${(error as Error).message}`);
    }
    this.#transport = new Transport({
      apiKey,
      baseUrl,
      fetch: fetchFn,
      sleep: options.sleep ?? defaultSleep,
      now: this.#now,
      random: options.random ?? Math.random,
      retry,
      requestTimeoutMs,
      logger: options.logger,
      redact: this.#redact,
      closeSignal: this.#close.signal,
      userAgent: `replicate-media/${VERSION}`,
      rateLimiter,
    });
  }

  /** The API base URL in use. */
  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#close.signal.aborted;
  }

  /** The journal file, or null without one. */
  get journalPath(): string | null {
    return this.#books.journal?.path ?? null;
  }

  /** What the predictions this client saw finish actually cost, in USD (from the price table and what they produced). */
  get spentUsd(): number {
    return this.#books.spend.spentUsd;
  }

  /** The `budgetUsd` option, or null without one. */
  get budgetUsd(): number | null {
    return this.#books.spend.budgetUsd;
  }

  /** What is left of the budget after spending and the estimates of running operations; null without a budget. */
  get remainingBudgetUsd(): number | null {
    return this.#books.spend.remainingUsd;
  }

  // ---------------------------------------------------------------- results layer

  /**
   * Generates images from a prompt. Never throws for operational failures: returns
   * `{ success: true, imageUrl, imageUrls, predictionId }` or `{ success: false, error, errorCode, predictionId }`.
   */
  generateImage(prompt: string, options: GenerateImageOptions = {}): Promise<ImageResult> {
    return this.#track(async () => {
      const fail = (error: ReplicateError, outcome?: RunOutcome): ImageFailure => ({
        ...this.#failure(error, outcome),
        imageUrl: null,
        imageUrls: [],
      });
      try {
        const opts = readOptions(options);
        if (typeof prompt !== 'string' || prompt.trim() === '')
          throw new InvalidInputError('The prompt is empty: describe the image to generate');
        const input = { ...checkInput(opts.input), prompt };
        const downloadDir = checkDownload(opts.download);
        const started = this.#begin(opts, DEFAULT_TIMEOUT_MS);
        const model = opts.model ?? DEFAULT_IMAGE_MODEL;
        const asked: unknown = (input as Record<string, unknown>).num_outputs;
        const numOutputs = typeof asked === 'number' && asked > 0 ? Math.ceil(asked) : 1;
        const hold = this.#books.reserve(
          model,
          numOutputs,
          `${numOutputs} image${numOutputs === 1 ? '' : 's'} of ${model}`,
        );
        const meta: RunMeta = { requestId: null, model, input, kind: 'image', downloadDir, durationSeconds: null };
        const { outcome, costUsd } = await this.#run(model, input, started, opts.keepRunning, meta, hold);
        const prediction = finished(outcome);
        const imageUrls = outputUrls(prediction.output);
        const [imageUrl] = imageUrls;
        if (imageUrl === undefined) throw noOutput(prediction, 'image URLs');
        const files = await this.#save(
          prediction,
          imageUrls,
          downloadDir,
          'image',
          started.operation,
          outcome,
          progressListener(opts.download),
        );
        return {
          success: true,
          imageUrl,
          imageUrls,
          predictionId: prediction.id,
          error: null,
          prediction,
          costUsd,
          ...files,
        };
      } catch (error) {
        return fail(asReplicateError(error), outcomeOf(error));
      }
    });
  }

  /**
   * Generates an image for every prompt, `concurrency` (default 16) at a time, paced by the client's
   * rate limiter; resolves to one `generateImage` result per prompt, in input order. `onProgress`
   * reports done/failed/running, cost, rate and ETA; every other option applies to each prompt
   * (`download` saves every image). Never rejects for operational failures.
   * @throws InvalidInputError (as a rejection) when `prompts` is not an array or `concurrency` is not a whole number ≥ 1.
   */
  generateImages(prompts: readonly string[], options: GenerateImagesOptions = {}): Promise<ImageResult[]> {
    return generateImages(
      { generateImage: (prompt, perPrompt) => this.generateImage(prompt, perPrompt), now: this.#now },
      prompts,
      options,
    );
  }

  /**
   * Makes a video from a sequence of images (URLs, data URLs or bytes). Never throws for operational failures.
   * `durationSeconds` defaults to one second per image and is what the cost is estimated on.
   */
  generateVideo(imageUrls: readonly ImageInput[], videoOptions: GenerateVideoOptions = {}): Promise<VideoResult> {
    const count = Array.isArray(imageUrls) ? imageUrls.length : 0;
    const durationSeconds = (videoOptions ?? {}).durationSeconds ?? count;
    return this.#track(async () => {
      const fail = (error: ReplicateError, outcome?: RunOutcome): VideoFailure => ({
        ...this.#failure(error, outcome),
        videoUrl: null,
        durationSeconds,
      });
      let hold: Reservation | null = null;
      try {
        const options = readOptions(videoOptions);
        if (!Array.isArray(imageUrls) || imageUrls.length === 0) throw new InvalidInputError('No image URLs provided');
        if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) {
          throw new InvalidInputError(
            `durationSeconds must be a positive number, got ${printable(options.durationSeconds)}`,
          );
        }
        if (options.fps !== undefined && (!Number.isFinite(options.fps) || options.fps <= 0)) {
          throw new InvalidInputError(`fps must be a positive number, got ${printable(options.fps)}`);
        }
        if (options.prompt !== undefined && typeof options.prompt !== 'string')
          throw new InvalidInputError('prompt must be a string');
        const model = options.model ?? DEFAULT_VIDEO_MODEL;
        const adapter = this.#videoAdapters[parseModelRef(model)?.model ?? model];
        if (!adapter) {
          throw new InvalidInputError(
            `No video input adapter for model ${JSON.stringify(printable(model))}: add one with the videoAdapters option (known: ${Object.keys(this.#videoAdapters).join(', ')})`,
          );
        }
        const extra = checkInput(options.input);
        const downloadDir = checkDownload(options.download);
        // The deadline starts now: uploads of large images count against it.
        const started = this.#begin(options, DEFAULT_VIDEO_TIMEOUT_MS);
        const { operation } = started;
        // Refused before the uploads: nothing is created when the budget would be crossed.
        hold = this.#books.reserve(model, durationSeconds, `${durationSeconds} s of video of ${model}`);
        const images = await resolveImageInputs(imageUrls, async (content, filename) => {
          const file = await api.uploadFile(this.#transport, content, {
            filename,
            signal: operation.signal,
            deadline: operation.deadline,
            onRetry: operation.onRetry,
          });
          return file.urls.get;
        });
        const input = {
          ...adapter.toInput({
            images,
            durationSeconds,
            ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
            ...(options.fps !== undefined ? { fps: options.fps } : {}),
          }),
          ...extra,
        };
        const meta: RunMeta = { requestId: null, model, input, kind: 'video', downloadDir, durationSeconds };
        const run = await this.#run(model, input, started, options.keepRunning, meta, hold);
        hold = null;
        const { outcome, costUsd } = run;
        const prediction = finished(outcome);
        const videoUrl = adapter.videoUrl
          ? adapter.videoUrl(prediction.output)
          : (outputUrls(prediction.output)[0] ?? null);
        if (!videoUrl) throw noOutput(prediction, 'video URL');
        const files = await this.#save(
          prediction,
          [videoUrl],
          downloadDir,
          'video',
          operation,
          outcome,
          progressListener(options.download),
        );
        return {
          success: true,
          videoUrl,
          durationSeconds,
          predictionId: prediction.id,
          error: null,
          prediction,
          costUsd,
          ...files,
        };
      } catch (error) {
        // A failure before the run (an upload, say) releases the hold: nothing was created.
        if (hold) this.#books.spend.settle(hold, 0);
        return fail(asReplicateError(error), outcomeOf(error));
      }
    });
  }

  /**
   * Waits for an existing prediction to finish: polls every `intervalMs` (default 5000) until a terminal
   * status or `timeoutMs` (default 600 000). Never throws for operational failures; the prediction is left
   * running on timeout.
   */
  pollPrediction(predictionId: string, pollOptions: PollOptions = {}): Promise<PollResult> {
    return this.#track(async (): Promise<PollResult> => {
      let last: Prediction | null = null;
      try {
        const options = readOptions(pollOptions);
        const { operation, intervalMs } = this.#begin(options, DEFAULT_TIMEOUT_MS);
        operation.predictionId = typeof predictionId === 'string' ? predictionId : null;
        last = await api.getPrediction(this.#transport, predictionId, {
          signal: options.signal,
          deadline: operation.deadline,
          onRetry: operation.onRetry,
        });
        operation.observe(last);
        last = await waitForPrediction(this.#transport, last, operation, intervalMs, { useStream: this.#useStream });
        await this.#books.finishIfCreatedHere(last);
        const base = { predictionId: last.id, output: last.output, prediction: last, httpStatus: null };
        switch (last.status) {
          case 'succeeded':
            return { ...base, status: 'succeeded', error: null, errorCode: null };
          case 'failed':
            return {
              ...base,
              status: 'failed',
              error: this.#redact(failedMessage(last)),
              errorCode: 'prediction_failed',
            };
          case 'canceled':
            return { ...base, status: 'canceled', error: `Prediction ${last.id} was canceled`, errorCode: 'canceled' };
          default:
            return { ...base, status: 'aborted', error: abortedMessage(last), errorCode: 'timeout' };
        }
      } catch (caught) {
        const error = asReplicateError(caught);
        const id = typeof predictionId === 'string' ? predictionId : printable(predictionId);
        const message = this.#redact(error.message);
        if (error.code === 'timeout' && error.status === null) {
          return {
            status: 'timeout',
            predictionId: this.#redact(id),
            output: null,
            error: message,
            errorCode: 'timeout',
            httpStatus: null,
            prediction: last,
          };
        }
        return {
          status: 'error',
          predictionId: this.#redact(id),
          output: null,
          error: message,
          errorCode: error.code,
          httpStatus: error.status,
          prediction: last,
        };
      }
    });
  }

  /**
   * Saves the outputs of a result (of `generate*` or `pollPrediction`), a prediction, or URLs into `dir`,
   * atomically, as `{predictionId}-{index}.{ext}` (a bare URL keeps its own name). With a journal, each
   * saved file is recorded. Never throws for operational failures: an output that already expired gives
   * `errorCode: 'data_removed'` with the prediction id.
   */
  download(target: Downloadable, options: DownloadCallOptions): Promise<DownloadResult> {
    return this.#track(async (): Promise<DownloadResult> => {
      let predictionId: string | null = null;
      try {
        const opts = readOptions(options);
        const dir = checkDownload(opts);
        if (dir === null) throw new InvalidInputError('download needs { dir }: the directory to save into');
        if (this.closed) throw new ClosedError('The client is closed');
        const found = downloadTargets(target);
        predictionId = found.predictionId;
        if (found.urls.length === 0) {
          throw found.dataRemoved
            ? new DataRemovedError(
                `The outputs of prediction ${predictionId ?? '(unknown)'} are no longer available (data_removed): Replicate deletes API outputs an hour after the prediction`,
                { predictionId },
              )
            : new InvalidInputError('Nothing to download: no output URL was found in what was given', { predictionId });
        }
        const signal = opts.signal ? AbortSignal.any([opts.signal, this.#close.signal]) : this.#close.signal;
        const onProgress = progressListener(opts);
        const saved = await this.#books.save(predictionId, found.urls, {
          dir,
          expect: found.expect,
          signal,
          ...(onProgress ? { onProgress } : {}),
        });
        if (saved.error) {
          return {
            success: false,
            predictionId,
            files: saved.files,
            error: this.#redact(saved.error.message),
            errorCode: saved.error.code,
          };
        }
        return { success: true, predictionId, files: saved.files, error: null, errorCode: null };
      } catch (caught) {
        const error = asReplicateError(caught);
        return {
          success: false,
          predictionId: error.predictionId ?? predictionId,
          files: [],
          error: this.#redact(error.message),
          errorCode: error.code,
        };
      }
    });
  }

  /**
   * Finishes what the journal says is unfinished, typically after a crash: predictions whose create was
   * sent but never answered are found by listing (same model and input) and adopted; every prediction not
   * yet terminal is waited for and its cost booked; outputs asked for and not on disk are saved into the
   * directory the journal recorded. Never creates a prediction. Resolves with one result per prediction
   * taken up (an empty list when nothing was left).
   * @throws ConfigurationError without a journal; the file system's or the API's error when the journal
   *   cannot be read or the listing fails.
   */
  resume(options: ResumeOptions = {}): Promise<ResumedPrediction[]> {
    return this.#track(async () => {
      const opts = readOptions(options);
      const journal = this.#books.journal;
      if (!journal)
        throw new ConfigurationError(
          'resume() needs a journal: new ReplicateClient({ journal: "path/to/journal.jsonl" })',
        );
      if (this.closed) throw new ClosedError('The client is closed');
      const concurrency = opts.concurrency ?? 8;
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new InvalidInputError('concurrency must be a whole number of at least 1');
      const signal = opts.signal;
      const waitOptions: WaitOptions = {
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
        ...(signal ? { signal } : {}),
      };
      return resumeFromJournal({
        books: this.#books,
        journalPath: journal.path,
        signal: signal ? AbortSignal.any([signal, this.#close.signal]) : this.#close.signal,
        concurrency,
        onResult: opts.onResult,
        wait: async (predictionId, kind) => {
          const { operation, intervalMs } = this.#begin(
            waitOptions,
            kind === 'video' ? DEFAULT_VIDEO_TIMEOUT_MS : DEFAULT_TIMEOUT_MS,
          );
          operation.predictionId = predictionId;
          const first = await api.getPrediction(this.#transport, predictionId, {
            signal,
            deadline: operation.deadline,
            onRetry: operation.onRetry,
          });
          return waitForPrediction(this.#transport, first, operation, intervalMs, { useStream: this.#useStream });
        },
        listCreatedSince: async (sinceMs: number) => {
          const found: Prediction[] = [];
          const deadline = this.#now() + DEFAULT_CALL_TIMEOUT_MS;
          for await (const page of api.listPredictions(this.#transport, {
            createdAfter: new Date(sinceMs),
            signal,
            deadline,
          })) {
            found.push(...page);
          }
          return found;
        },
      });
    });
  }

  /**
   * Estimated cost in USD of `numImages` images and `videoDurationSeconds` seconds of video, exact to the
   * micro-dollar (`estimateCost(10, 30) === 3.03`), from the client's price table.
   * @throws RangeError for negative or fractional image counts, negative durations, NaN, or a model without a price.
   */
  estimateCost(
    numImages: number,
    videoDurationSeconds = 0,
    options: { imageModel?: string; videoModel?: string } = {},
  ): number {
    return estimateCost(numImages, videoDurationSeconds, { ...options, prices: this.#prices });
  }

  // ---------------------------------------------------------------- lower layer (throws ReplicateError)

  /**
   * Creates a prediction. Retries as the policy says; after an ambiguous failure adopts the prediction the
   * lost request made rather than creating a second one.
   * @throws ReplicateError
   */
  createPrediction(options: CreatePredictionOptions): Promise<Prediction> {
    return this.#track(() =>
      this.#rethrow(async () => {
        const opts = readOptions(options);
        // With a journal, the intent is on disk before the create is sent, and the id once it is known.
        const meta = this.#books.journal ? lowerLayerMeta(opts) : null;
        if (meta) await this.#books.intent(meta, null);
        const now = this.#now();
        let prediction: Prediction;
        try {
          prediction = await api.createPrediction(this.#transport, opts, {
            deadline: now + checkTimeoutOrThrow(opts.timeoutMs),
            startedAt: now,
            ledger: this.#ledger,
          });
        } catch (error) {
          if (meta?.requestId && error instanceof ReplicateError && !error.ambiguous)
            await this.#books.notCreated(meta.requestId);
          throw error;
        }
        if (meta) await this.#books.created(meta, prediction);
        return prediction;
      }),
    );
  }

  /** Fetches a prediction. @throws ReplicateError */
  getPrediction(predictionId: string, options: RequestOptions = {}): Promise<Prediction> {
    return this.#track(() =>
      this.#rethrow(() =>
        api.getPrediction(this.#transport, predictionId, {
          signal: readOptions(options).signal,
          deadline: this.#now() + checkTimeoutOrThrow(readOptions(options).timeoutMs),
        }),
      ),
    );
  }

  /** Cancels a prediction (harmless when it already finished). @throws ReplicateError */
  cancelPrediction(predictionId: string, options: RequestOptions = {}): Promise<Prediction> {
    return this.#track(() =>
      this.#rethrow(() =>
        api.cancelPrediction(this.#transport, predictionId, {
          signal: readOptions(options).signal,
          deadline: this.#now() + checkTimeoutOrThrow(readOptions(options).timeoutMs),
        }),
      ),
    );
  }

  /**
   * Lists predictions, newest first, one page (up to 100) per iteration.
   * ```ts
   * for await (const page of client.listPredictions()) for (const p of page) console.log(p.id, p.status);
   * ```
   * @throws ReplicateError from the iteration
   */
  async *listPredictions(options: ListPredictionsOptions = {}): AsyncGenerator<Prediction[], void, undefined> {
    try {
      const deadline = this.#now() + checkTimeoutOrThrow(readOptions(options).timeoutMs);
      yield* api.listPredictions(this.#transport, { ...options, deadline });
    } catch (error) {
      throw this.#clean(error);
    }
  }

  /** The secret webhook deliveries are signed with (`whsec_...`), for `verifyWebhook`. @throws ReplicateError */
  getWebhookSecret(options: RequestOptions = {}): Promise<string> {
    return this.#track(() =>
      this.#rethrow(() =>
        api.getWebhookSecret(this.#transport, {
          signal: readOptions(options).signal,
          deadline: this.#now() + checkTimeoutOrThrow(readOptions(options).timeoutMs),
        }),
      ),
    );
  }

  /** Uploads bytes through the files API (they expire after 24 hours). @throws ReplicateError */
  uploadFile(content: Blob | Uint8Array, options: RequestOptions & { filename?: string } = {}): Promise<UploadedFile> {
    return this.#track(() =>
      this.#rethrow(() => {
        const opts = readOptions(options);
        if (!(content instanceof Blob) && !(content instanceof Uint8Array))
          throw new InvalidInputError('content must be a Blob or a Uint8Array');
        const blob = content instanceof Blob ? content : new Blob([Uint8Array.from(content)]);
        return api.uploadFile(this.#transport, blob, {
          filename: opts.filename ?? 'upload.bin',
          signal: opts.signal,
          deadline: this.#now() + checkTimeoutOrThrow(readOptions(options).timeoutMs),
        });
      }),
    );
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Closes the client: aborts in-flight calls (their predictions are canceled on the server unless
   * `keepRunning`) and waits for them to settle. Later calls fail with `closed`.
   */
  async close(): Promise<void> {
    if (!this.#close.signal.aborted) this.#close.abort(new ClosedError());
    await Promise.allSettled([...this.#inFlight]);
    await this.#books.journal?.close().catch(() => undefined);
  }

  /** `await using client = new ReplicateClient()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------- internals

  #track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.#inFlight.add(promise);
    const forget = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Starts a waiting operation: checks its timing options, refuses to start when the client is closed or
   * the signal already aborted, and fixes the deadline.
   */
  #begin(options: WaitOptions, defaultTimeoutMs: number): { operation: Operation; intervalMs: number } {
    const timeoutMs = checkTimeout(options.timeoutMs, defaultTimeoutMs);
    const intervalMs = checkInterval(options.intervalMs);
    if (this.closed) throw new ClosedError('The client is closed');
    if (options.signal?.aborted) throw new CanceledError('The operation was aborted by the caller before it started');
    const operation = new Operation({
      now: this.#now,
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onStatus ? { onStatus: options.onStatus } : {}),
    });
    return { operation, intervalMs };
  }

  /**
   * Runs a prediction of `model` to its end within the operation (see runPrediction), with the books kept:
   * the intent is on disk before the create is sent (with a journal), every answer is journaled, and the
   * hold on the budget becomes the actual cost once the prediction finished.
   */
  async #run(
    model: string,
    input: Record<string, unknown>,
    started: { operation: Operation; intervalMs: number },
    keepRunning: boolean | undefined,
    meta: RunMeta,
    hold: Reservation,
  ): Promise<{ outcome: RunOutcome; costUsd: number | null }> {
    const books = this.#books;
    const { operation } = started;
    const watcher = books.watch(meta);
    let outcome: RunOutcome;
    try {
      if (books.journal) {
        meta.requestId = globalThis.crypto.randomUUID();
        await books.intent(meta, hold);
      }
      operation.onPrediction = watcher.observe;
      outcome = await runPrediction(
        this.#transport,
        {
          target: { model },
          input,
          intervalMs: started.intervalMs,
          keepRunning: keepRunning ?? this.#keepRunning,
          preferWaitSeconds: this.#preferWaitSeconds,
          useStream: this.#useStream,
          ledger: this.#ledger,
        },
        operation,
      );
    } catch (error) {
      books.spend.settle(hold, 0);
      throw error;
    } finally {
      operation.onPrediction = undefined;
    }
    await watcher.settled();
    const last = outcome.prediction;
    if (last && isTerminalStatus(last.status)) {
      return { outcome, costUsd: await books.finish(meta, last, hold) };
    }
    if (outcome.kind === 'gave_up') {
      const id = last?.id ?? outcome.error.predictionId ?? operation.predictionId;
      // A create that failed for certain made nothing: close its intent now rather than leave it to resume.
      if (id === null && meta.requestId !== null && !outcome.error.ambiguous) await books.notCreated(meta.requestId);
      // Found only while canceling (a lost create): it still gets its created record.
      if (id !== null && !watcher.seen()) await books.adopt(meta, placeholderPrediction(id, model, input, this.#now()));
      await books.gaveUp(hold, { id, status: last?.status ?? null }, outcome.canceledOnServer);
    }
    return { outcome, costUsd: null };
  }

  /** Saves outputs when the call asked for it; a failure becomes the call's (with the prediction id). */
  async #save(
    prediction: Prediction,
    urls: readonly string[],
    dir: string | null,
    expect: MediaKind,
    operation: Operation,
    outcome: RunOutcome,
    onProgress: ((progress: DownloadProgress) => void) | undefined,
  ): Promise<{ files?: string[] }> {
    if (dir === null) return {};
    const signal = operation.signal ? AbortSignal.any([operation.signal, this.#close.signal]) : this.#close.signal;
    const saved = await this.#books.save(prediction.id, urls, {
      dir,
      expect,
      signal,
      ...(onProgress ? { onProgress } : {}),
    });
    if (saved.error) throw new OutcomeError(saved.error, outcome);
    return { files: saved.files };
  }

  #failure(error: ReplicateError, outcome?: RunOutcome): FailureFields {
    return {
      success: false,
      error: this.#redact(error.message),
      errorCode: error.code,
      httpStatus: error.status,
      predictionId: error.predictionId,
      prediction: outcome?.prediction ?? null,
      canceledOnServer: outcome?.kind === 'gave_up' ? outcome.canceledOnServer : false,
    };
  }

  async #rethrow<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.#clean(error);
    }
  }

  /** Makes sure what escapes the lower layer is a ReplicateError without the key in it. */
  #clean(error: unknown): ReplicateError {
    const typed = asReplicateError(error);
    return typed.with({
      message: this.#redact(typed.message),
      detail: typed.detail === null ? null : this.#redact(typed.detail),
      predictionId: typed.predictionId === null ? null : this.#redact(typed.predictionId),
    });
  }
}

// -------------------------------------------------------------------- helpers

/** Carries a finished-but-unsuccessful run through the catch of a generate* call. */
class OutcomeError extends Error {
  constructor(
    readonly error: ReplicateError,
    readonly outcome: RunOutcome,
  ) {
    super(error.message);
  }
}

/** The terminal prediction of a run that succeeded; throws (as OutcomeError) otherwise. */
function finished(outcome: RunOutcome): Prediction {
  if (outcome.kind === 'gave_up') throw new OutcomeError(outcome.error, outcome);
  const p = outcome.prediction;
  const details = { predictionId: p.id, detail: typeof p.error === 'string' ? p.error : null };
  switch (p.status) {
    case 'succeeded':
      return p;
    case 'failed':
      throw new OutcomeError(new PredictionFailedError(failedMessage(p), details), outcome);
    case 'canceled':
      throw new OutcomeError(new CanceledError(`Prediction ${p.id} was canceled`, details), outcome);
    default:
      throw new OutcomeError(new TimeoutError(abortedMessage(p), details), outcome);
  }
}

function outcomeOf(error: unknown): RunOutcome | undefined {
  return error instanceof OutcomeError ? error.outcome : undefined;
}

function asReplicateError(error: unknown): ReplicateError {
  if (error instanceof OutcomeError) return error.error;
  if (error instanceof ReplicateError) return error;
  if (error instanceof RangeError || error instanceof TypeError) return new InvalidInputError(error.message);
  return new ReplicateError('http', `Unexpected error: ${error instanceof Error ? error.message : String(error)}`);
}

function failedMessage(p: Prediction): string {
  const reason = typeof p.error === 'string' && p.error ? p.error : 'no reason given';
  return `Prediction ${p.id} failed: ${reason}`;
}

function abortedMessage(p: Prediction): string {
  return `Prediction ${p.id} was aborted: its deadline (timeout) passed before it started`;
}

function noOutput(p: Prediction, what: string): ReplicateError {
  if (p.data_removed) {
    return new DataRemovedError(
      `Prediction ${p.id} succeeded but its outputs were already removed (data_removed): Replicate deletes API outputs after an hour`,
      { predictionId: p.id },
    );
  }
  return new PredictionFailedError(`Prediction ${p.id} succeeded but returned no ${what}`, { predictionId: p.id });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Options as given, `{}` for null or undefined; anything else (from untyped callers) is invalid_input. */
function readOptions<T extends object>(value: T | null | undefined): T {
  if (value === undefined || value === null) return {} as T;
  if (!isObject(value)) throw new InvalidInputError('options must be an object');
  const { signal } = value as { signal?: unknown };
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new InvalidInputError('signal must be an AbortSignal');
  return value;
}

function checkInput(input: unknown): Record<string, unknown> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('input must be an object of model inputs');
  }
  return input as Record<string, unknown>;
}

function checkTimeout(value: number | undefined, fallback: number): number {
  const timeoutMs = value ?? fallback;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs === Infinity) {
    throw new InvalidInputError(`timeoutMs must be a positive number of milliseconds, got ${printable(value)}`);
  }
  return timeoutMs;
}

function checkTimeoutOrThrow(value: number | undefined): number {
  return checkTimeout(value, DEFAULT_CALL_TIMEOUT_MS);
}

function checkInterval(value: number | undefined): number {
  const intervalMs = value ?? DEFAULT_INTERVAL_MS;
  if (typeof intervalMs !== 'number' || !(intervalMs > 0) || intervalMs === Infinity) {
    throw new InvalidInputError(`intervalMs must be a positive number of milliseconds, got ${printable(value)}`);
  }
  return intervalMs;
}

/** The `download` option's directory, or null when not asked for. */
function checkDownload(download: unknown): string | null {
  if (download === undefined || download === null) return null;
  const dir = isObject(download) ? download.dir : undefined;
  if (typeof dir !== 'string' || dir.trim() === '')
    throw new InvalidInputError('download must be { dir: "path/to/directory" }');
  progressListener(download);
  return dir;
}

/** The `download` option's progress listener (checked early, so a bad one fails before anything is created). */
function progressListener(download: unknown): ((progress: DownloadProgress) => void) | undefined {
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

/** The URLs, prediction id and media kind of something to download. */
function downloadTargets(target: Downloadable): {
  predictionId: string | null;
  urls: string[];
  expect: MediaKind;
  dataRemoved: boolean;
} {
  if (typeof target === 'string') return { predictionId: null, urls: [target], expect: 'media', dataRemoved: false };
  if (Array.isArray(target)) {
    if (!target.every((u) => typeof u === 'string')) throw new InvalidInputError('download takes URLs as strings');
    return { predictionId: null, urls: [...(target as readonly string[])], expect: 'media', dataRemoved: false };
  }
  if (!isObject(target)) throw new InvalidInputError('download takes a result, a prediction, a URL or a list of URLs');
  if (isPrediction(target) && !('predictionId' in target)) {
    return {
      predictionId: target.id,
      urls: outputUrls(target.output),
      expect: 'media',
      dataRemoved: target.data_removed === true,
    };
  }
  const result = target as Exclude<Downloadable, string | readonly string[] | Prediction> & {
    success?: unknown;
    errorCode?: unknown;
  };
  const predictionId = typeof result.predictionId === 'string' ? result.predictionId : null;
  const dataRemoved = result.prediction?.data_removed === true;
  if (result.success === false) {
    throw new InvalidInputError(`Nothing to download: the generation failed (${String(result.errorCode)})`, {
      predictionId,
    });
  }
  if (Array.isArray(result.imageUrls) && result.imageUrls.length > 0) {
    return { predictionId, urls: [...result.imageUrls], expect: 'image', dataRemoved };
  }
  if (typeof result.videoUrl === 'string')
    return { predictionId, urls: [result.videoUrl], expect: 'video', dataRemoved };
  const urls = outputUrls(result.output ?? result.prediction?.output);
  return { predictionId, urls, expect: 'media', dataRemoved };
}

/** The journal's view of a lower-layer create (null when it has no input object to record). */
function lowerLayerMeta(options: CreatePredictionOptions): RunMeta | null {
  if (!isObject(options.input)) return null;
  const target = Object.fromEntries(
    (['model', 'version', 'deployment'] as const)
      .filter((k) => typeof options[k] === 'string')
      .map((k) => [k, options[k] as string]),
  );
  const model = options.model ?? options.deployment ?? options.version;
  if (model === undefined) return null;
  return {
    requestId: globalThis.crypto.randomUUID(),
    model,
    input: options.input,
    kind: 'prediction',
    downloadDir: null,
    durationSeconds: null,
    target,
  };
}

/** A stand-in for a prediction known only by id (found while canceling after a lost create). */
function placeholderPrediction(id: string, model: string, input: Record<string, unknown>, nowMs: number): Prediction {
  return {
    id,
    model: parseModelRef(model)?.model ?? model,
    version: '',
    input,
    output: null,
    error: null,
    status: 'starting',
    created_at: new Date(nowMs).toISOString(),
  };
}
