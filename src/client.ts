// ReplicateClient: the facade. It resolves the options once (src/config.ts), builds the one context its
// operations share (src/operations/context.ts), and delegates each call to its operation: the results
// layer (generate*, poll, download, resume), which returns results and never throws for operational
// failures, over the lower layer (create/get/cancel/list/upload), which throws typed ReplicateErrors.

import { PredictionLedger } from './api.js';
import { Bookkeeper } from './bookkeeping.js';
import { resolveConfig } from './config.js';
import { ClosedError, ConfigurationError } from './errors.js';
import type { ImageInput } from './image-inputs.js';
import { defaultSleep } from './internal/sleep.js';
import type { ClientContext } from './operations/context.js';
import { download } from './operations/download.js';
import { generateImage } from './operations/generate-image.js';
import { generateImages } from './operations/generate-images.js';
import { generateVideo } from './operations/generate-video.js';
import * as lower from './operations/lower-layer.js';
import { pollPrediction } from './operations/poll.js';
import { resume } from './operations/resume.js';
import { estimateCost } from './pricing.js';
import { RateLimiter } from './rate-limiter.js';
import { createKeyScrubber } from './redact.js';
import { createReconciler } from './service/reconciler.js';
import { ServiceState } from './service/state.js';
import { submitImage, submitVideo } from './service/submit.js';
import type {
  Reconciler,
  ReconcilerOptions,
  ServiceWebhookHandler,
  ServiceWebhookOptions,
  SubmitImageOptions,
  SubmittedPrediction,
  SubmitVideoOptions,
} from './service/types.js';
import { serviceWebhookHandler } from './service/webhooks.js';
import { Transport } from './transport.js';
import type {
  CreatePredictionOptions,
  Downloadable,
  DownloadCallOptions,
  GenerateImageOptions,
  GenerateImagesOptions,
  GenerateVideoOptions,
  ListPredictionsOptions,
  PollOptions,
  ReplicateClientOptions,
  RequestOptions,
  ResumeOptions,
} from './types/options.js';
import type { Prediction, UploadedFile } from './types/prediction.js';
import type { DownloadResult, ImageResult, PollResult, ResumedPrediction, VideoResult } from './types/results.js';
import { VERSION } from './version.js';

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
  readonly #ctx: ClientContext;
  readonly #close = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Service mode's memory: what this client submitted, and hand-overs in progress. */
  readonly #service = new ServiceState();

  /**
   * @throws ConfigurationError when no API key is found (`API key not provided ...`), or the base URL or
   *   an option is invalid.
   */
  constructor(options: ReplicateClientOptions = {}) {
    const config = resolveConfig(options);
    const { redact, now } = config;
    const logger = options.logger;
    let books: Bookkeeper;
    try {
      books = new Bookkeeper({
        journalPath: options.journal,
        budgetUsd: options.budgetUsd,
        prices: config.prices,
        // The journal stores what was sent: only the exact key is removed, never text that merely looks like one.
        redact: createKeyScrubber(config.apiKey),
        now,
        fetch: config.fetch,
        warn: (message) => logger?.warn?.(redact(message)),
      });
    } catch (error) {
      throw new ConfigurationError((error as Error).message);
    }
    let rateLimiter: RateLimiter | undefined;
    try {
      rateLimiter = options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? {}, now);
    } catch (error) {
      throw new ConfigurationError(`rateLimit: ${(error as Error).message}`);
    }
    this.#transport = new Transport({
      apiKey: config.apiKey,
      baseUrl: config.baseUrl,
      fetch: config.fetch,
      sleep: options.sleep ?? defaultSleep,
      now,
      random: options.random ?? Math.random,
      retry: config.retry,
      requestTimeoutMs: config.requestTimeoutMs,
      logger,
      redact,
      closeSignal: this.#close.signal,
      userAgent: `replicate-media/${VERSION}`,
      rateLimiter,
      maxResponseBytes: options.maxResponseBytes,
    });
    this.#ctx = {
      transport: this.#transport,
      redact,
      now,
      closeSignal: this.#close.signal,
      ledger: ledgerFor(books),
      books,
      prices: config.prices,
      videoAdapters: config.videoAdapters,
      keepRunning: config.keepRunning,
      preferWaitSeconds: config.preferWaitSeconds,
      useStream: config.useStream,
      createSettleMs: config.createSettleMs,
    };
  }

  /** The API base URL in use. */
  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#ctx.closeSignal.aborted;
  }

  /** The journal file, or a shared journal's URL (password hidden), or null without one. */
  get journalPath(): string | null {
    return this.#ctx.books.journal?.path ?? null;
  }

  /** What the predictions this client saw finish actually cost, in USD (from the price table and what they produced). */
  get spentUsd(): number {
    return this.#ctx.books.spend.spentUsd;
  }

  /** The `budgetUsd` option, or null without one. */
  get budgetUsd(): number | null {
    return this.#ctx.books.spend.budgetUsd;
  }

  /** What is left of the budget after spending and the estimates of running operations; null without a budget. */
  get remainingBudgetUsd(): number | null {
    return this.#ctx.books.spend.remainingUsd;
  }

  // ---------------------------------------------------------------- results layer

  /**
   * Generates images from a prompt. Never throws for operational failures: returns
   * `{ success: true, imageUrl, imageUrls, predictionId }` or `{ success: false, error, errorCode, predictionId }`.
   */
  generateImage(prompt: string, options: GenerateImageOptions = {}): Promise<ImageResult> {
    return this.#track(() => generateImage(this.#ctx, prompt, options));
  }

  /**
   * Generates an image for every prompt, `concurrency` (default 16) at a time, paced by the client's
   * rate limiter; resolves to one `generateImage` result per prompt, in input order. `onProgress`
   * reports done/failed/running, cost, rate and ETA; every other option applies to each prompt
   * (`download` saves every image). Never rejects for operational failures.
   * @throws InvalidInputError (as a rejection) when `prompts` is not an array or `concurrency` is not a whole number of at least 1.
   */
  generateImages(prompts: readonly string[], options: GenerateImagesOptions = {}): Promise<ImageResult[]> {
    return generateImages(
      { generateImage: (prompt, perPrompt) => this.generateImage(prompt, perPrompt), now: this.#ctx.now },
      prompts,
      options,
    );
  }

  /**
   * Makes a video from a sequence of images (URLs, data URLs or bytes). Never throws for operational failures.
   * `durationSeconds` defaults to one second per image and is what the cost is estimated on.
   */
  generateVideo(imageUrls: readonly ImageInput[], videoOptions: GenerateVideoOptions = {}): Promise<VideoResult> {
    return this.#track(() => generateVideo(this.#ctx, imageUrls, videoOptions));
  }

  /**
   * Waits for an existing prediction to finish: polls every `intervalMs` (default 5000) until a terminal
   * status or `timeoutMs` (default 600 000). Never throws for operational failures; the prediction is left
   * running on timeout.
   */
  pollPrediction(predictionId: string, pollOptions: PollOptions = {}): Promise<PollResult> {
    return this.#track(() => pollPrediction(this.#ctx, predictionId, pollOptions));
  }

  /**
   * Saves the outputs of a result (of `generate*` or `pollPrediction`), a prediction, or URLs into `dir`,
   * atomically, as `{predictionId}-{index}.{ext}` (a bare URL keeps its own name). With a journal, each
   * saved file is recorded. Never throws for operational failures: an output that already expired gives
   * `errorCode: 'data_removed'` with the prediction id.
   */
  download(target: Downloadable, options: DownloadCallOptions): Promise<DownloadResult> {
    return this.#track(() => download(this.#ctx, target, options));
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
    return this.#track(() => resume(this.#ctx, options));
  }

  /**
   * Estimated cost in USD of `numImages` images and `videoDurationSeconds` seconds of video, exact to the
   * micro-dollar (`estimateCost(10, 30) === 3.03`), from the client's price table.
   * @throws RangeError for negative or fractional image counts, negative durations, NaN, or a model without a price.
   */
  estimateCost(
    numImages: number,
    videoDurationSeconds = 0,
    options: { imageModel?: string; videoModel?: string; videoImages?: number } = {},
  ): number {
    return estimateCost(numImages, videoDurationSeconds, { ...options, prices: this.#ctx.prices });
  }

  // ---------------------------------------------------------------- service mode (docs/service.md)

  /**
   * Creates an image prediction that Replicate will deliver to `webhook` when it has finished (with a
   * `Cancel-After` deadline), journals it, and resolves with its id at once; the outcome is handed over
   * by {@link webhookHandler} (or {@link reconciler}) as the object `generateImage` returns.
   * @throws ReplicateError: `invalid_input` (before anything), `budget_exceeded` and `journal_failed`
   *   (nothing created), or the create's error.
   */
  submitImage(prompt: string, options: SubmitImageOptions): Promise<SubmittedPrediction> {
    return this.#track(() => submitImage(this.#serviceContext(), prompt, options));
  }

  /** Like {@link submitImage}, for a video from images (as `generateVideo`). @throws ReplicateError */
  submitVideo(images: readonly ImageInput[], options: SubmitVideoOptions): Promise<SubmittedPrediction> {
    return this.#track(() => submitVideo(this.#serviceContext(), images, options));
  }

  /**
   * The webhook endpoint of service mode, as `fetch` (web-standard) and `node` (`node:http`): verifies
   * each delivery (the secret is fetched from the API unless given), handles each once, saves the outputs
   * asked for, calls `onResult` with the result, then books the cost and journals the outcome. Answers 500
   * when `onResult` throws, so the delivery is retried.
   */
  webhookHandler(options: ServiceWebhookOptions): ServiceWebhookHandler {
    return serviceWebhookHandler(
      {
        ...this.#serviceContext(),
        fetchSecret: () => lower.getWebhookSecret(this.#ctx, {}),
        // With a fleet's journal, a delivery is handled by one instance of the whole fleet.
        ...(this.#ctx.books.shared ? { deliveries: this.#ctx.books.shared } : {}),
      },
      options,
    );
  }

  /**
   * Finishes what no webhook delivery reached: each pass (`runOnce()`, or every `everyMs` after
   * `start()`) polls the journal's unfinished submitted predictions older than `graceMs` once and hands
   * over the finished ones as a delivery would.
   */
  reconciler(options: ReconcilerOptions): Reconciler {
    return createReconciler(this.#serviceContext(), options);
  }

  // ---------------------------------------------------------------- lower layer (throws ReplicateError)

  /**
   * Creates a prediction. Retries as the policy says; after an ambiguous failure adopts the prediction the
   * lost request made rather than creating a second one.
   * @throws ReplicateError
   */
  createPrediction(options: CreatePredictionOptions): Promise<Prediction> {
    return this.#track(() => lower.createPrediction(this.#ctx, options));
  }

  /** Fetches a prediction. @throws ReplicateError */
  getPrediction(predictionId: string, options: RequestOptions = {}): Promise<Prediction> {
    return this.#track(() => lower.getPrediction(this.#ctx, predictionId, options));
  }

  /** Cancels a prediction (harmless when it already finished). @throws ReplicateError */
  cancelPrediction(predictionId: string, options: RequestOptions = {}): Promise<Prediction> {
    return this.#track(() => lower.cancelPrediction(this.#ctx, predictionId, options));
  }

  /**
   * Lists predictions, newest first, one page (up to 100) per iteration.
   * ```ts
   * for await (const page of client.listPredictions()) for (const p of page) console.log(p.id, p.status);
   * ```
   * @throws ReplicateError from the iteration
   */
  async *listPredictions(options: ListPredictionsOptions = {}): AsyncGenerator<Prediction[], void, undefined> {
    yield* lower.listPredictions(this.#ctx, options);
  }

  /** The secret webhook deliveries are signed with (`whsec_...`), for `verifyWebhook`. @throws ReplicateError */
  getWebhookSecret(options: RequestOptions = {}): Promise<string> {
    return this.#track(() => lower.getWebhookSecret(this.#ctx, options));
  }

  /** Uploads bytes through the files API (they expire after 24 hours). @throws ReplicateError */
  uploadFile(content: Blob | Uint8Array, options: RequestOptions & { filename?: string } = {}): Promise<UploadedFile> {
    return this.#track(() => lower.uploadFile(this.#ctx, content, options));
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Closes the client: aborts in-flight calls (their predictions are canceled on the server unless
   * `keepRunning`) and waits for them to settle. Later calls fail with `closed`.
   */
  async close(): Promise<void> {
    if (!this.#close.signal.aborted) this.#close.abort(new ClosedError());
    await Promise.allSettled([...this.#inFlight]);
    await this.#ctx.books.journal?.close().catch(() => undefined);
  }

  /** `await using client = new ReplicateClient()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------- internals

  #serviceContext() {
    return { ...this.#ctx, service: this.#service };
  }

  /** Keeps the call in the set `close()` waits for until it settles. */
  #track<T>(work: () => Promise<T>): Promise<T> {
    // With a fleet's journal, this client's leases are renewed while any call is in flight.
    const shared = this.#ctx.books.shared;
    const promise = shared ? shared.busy(work) : work();
    this.#inFlight.add(promise);
    const forget = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }
}

/**
 * The client's ledger; with a fleet's journal, a lost create's look leaves out the predictions another
 * process journaled (an identical call of a twin), so it never adopts nor sweeps them.
 */
function ledgerFor(books: Bookkeeper): PredictionLedger {
  const ledger = new PredictionLedger();
  const shared = books.shared;
  if (shared) ledger.knownElsewhere = (ids) => shared.journaledPredictions(ids);
  return ledger;
}
