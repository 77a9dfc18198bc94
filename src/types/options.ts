// The options of every client call, each with its default (`@default` names the constant in src/defaults.ts).

import type { DownloadProgress } from '../downloads.js';
import type { VideoInputAdapter } from '../models.js';
import type { Price } from '../pricing.js';
import type { RateLimitOptions } from '../rate-limiter.js';
import type { RetryOptions } from '../retry-policy.js';
import type {
  FetchFn,
  Logger,
  Prediction,
  SleepFn,
  StatusListener,
  StatusUpdate,
  WebhookEventType,
} from './prediction.js';
import type { ImageResult, ResumedPrediction, ResumedSequence } from './results.js';

/** Options of {@link ReplicateClient}. Every one has a default. */
export interface ReplicateClientOptions {
  /** The API key. Default: `REPLICATE_API_KEY`, else `REPLICATE_API_TOKEN` from the environment. */
  apiKey?: string;
  /**
   * The API base URL. Default: `REPLICATE_BASE_URL`, else `https://api.replicate.com/v1`.
   * @default DEFAULT_BASE_URL
   */
  baseUrl?: string;
  /** Console-compatible logger for requests and retries (redacted). Default: silent. */
  logger?: Logger;
  /**
   * Retry schedule. Default `{ delaysMs: [5000, 15000, 45000], maxRetries: 3, jitterRatio: 0.1 }`.
   * @default DEFAULT_RETRY
   */
  retry?: RetryOptions;
  /**
   * Per-request timeout. Default 30 000 ms.
   * @default DEFAULT_REQUEST_TIMEOUT_MS
   */
  requestTimeoutMs?: number;
  /**
   * Largest API answer read, in bytes; a larger one ends the call with `response_too_large` (the
   * prediction's id, when the answer was a create, is kept in the result and the journal).
   * @default DEFAULT_MAX_RESPONSE_BYTES (32 MiB)
   */
  maxResponseBytes?: number;
  /** Leave predictions running on the server when a `generate*` call gives up. Default false (cancel them). */
  keepRunning?: boolean;
  /**
   * How long a `generate*` create may ask the API to hold its answer (`Prefer: wait`), in seconds, 0–60.
   * Default 60; 0 polls from the start.
   * @default DEFAULT_PREFER_WAIT_SECONDS
   */
  preferWaitSeconds?: number;
  /**
   * While waiting for a prediction that is still running (after the held create, or in `pollPrediction`),
   * also listen on its `urls.stream` (server-sent events, fetched without credentials) for `done`, and read
   * the final state as soon as it comes rather than at the next poll. While the stream is connected, polls are
   * skipped (but one a minute); while it is not, polling keeps its schedule. Default true.
   */
  useStream?: boolean;
  /**
   * After a create's answer was lost (a reset, a timeout, a 5xx) and its prediction is not found, how long
   * to keep looking for it (with backoff) before sending the create again: a queue can write a prediction
   * a moment late, and re-sending sooner would make a second, billed one. 0 re-sends after one look.
   * Capped by the call's deadline. See docs/client.md, "When a create's answer is lost".
   * @default DEFAULT_CREATE_SETTLE_MS (5000)
   */
  createSettleMs?: number;
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
   * @default DEFAULT_RATE_LIMIT
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

/** Options of {@link ReplicateClient.resume}. */
export interface ResumeOptions {
  /**
   * Deadline of the wait for each prediction. Default 600 000 ms (1 200 000 for videos).
   * @default DEFAULT_TIMEOUT_MS (DEFAULT_VIDEO_TIMEOUT_MS for videos)
   */
  timeoutMs?: number;
  /**
   * Wait between polls. Default 5000 ms.
   * @default DEFAULT_INTERVAL_MS
   */
  intervalMs?: number;
  /** Aborts the waits and downloads (the predictions keep running on the server). */
  signal?: AbortSignal;
  /**
   * How many predictions are waited for at once. Default 8.
   * @default DEFAULT_RESUME_CONCURRENCY
   */
  concurrency?: number;
  /** Called as each prediction is done with. */
  onResult?: (result: ResumedPrediction) => void;
  /**
   * Called for each sequence of transitions (generateVideo on a first-last-frame model with `download`)
   * the journal started and had not joined: joined and saved now, or what is missing.
   */
  onSequence?: (result: ResumedSequence) => void;
}

/** Options shared by the waiting calls. */
export interface WaitOptions {
  /** Deadline for the whole call, retries included (also sent as `Cancel-After`). */
  timeoutMs?: number;
  /**
   * Wait between polls. Default 5000 ms.
   * @default DEFAULT_INTERVAL_MS
   */
  intervalMs?: number;
  /** Aborts the call; the prediction it started is canceled on the server. */
  signal?: AbortSignal;
  /** Live progress, for status lines. */
  onStatus?: StatusListener;
}

/** Options of {@link ReplicateClient.generateImage}. */
export interface GenerateImageOptions extends WaitOptions {
  /**
   * Default `black-forest-labs/flux-schnell`. `owner/name` or `owner/name:version`.
   * @default DEFAULT_IMAGE_MODEL
   */
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
  /**
   * Default `fofr/skyreels-2`; needs an entry in the video adapter table.
   * @default DEFAULT_VIDEO_MODEL
   */
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
  /**
   * First-last-frame models (`kwaivgi/kling-v2.1`, ...): names the sequence of transitions in the
   * journal. Given again after a failure, only the transitions the journal lacks (or that failed) are
   * created; the others are waited for, fetched and joined. Default: a new id.
   */
  sequenceId?: string;
  /** First-last-frame models: live progress of each transition (0 is the first image to the second). */
  onTransition?: (index: number, update: StatusUpdate) => void;
}

/** Options of {@link ReplicateClient.pollPrediction}. */
export interface PollOptions extends WaitOptions {}

/** Where a batch stands; sent when a prompt starts and when one finishes. */
export interface BatchProgress {
  /** Prompts finished, failures included. */
  done: number;
  /** Of those, the ones that failed. */
  failed: number;
  /** Prompts being generated now. */
  running: number;
  total: number;
  /** Since the batch started, on the client's clock. */
  elapsedMs: number;
  /** What the images made so far cost, in USD (unpriced models count 0). */
  costUsd: number;
  /** Prompts finished per minute so far; 0 until the first finishes. */
  ratePerMinute: number;
  /** Time left at that rate; null until the first finishes. */
  etaMs: number | null;
}

/** Options of `generateImages`: those of `generateImage` for every prompt, and the batch's own. */
export interface GenerateImagesOptions extends GenerateImageOptions {
  /**
   * How many prompts are generated at once. Default 16.
   * @default DEFAULT_BATCH_CONCURRENCY
   */
  concurrency?: number;
  /** Called as prompts start and finish; exceptions it throws are ignored. */
  onProgress?: (progress: BatchProgress) => void;
  /** Called with each result as it arrives (results also come back in input order at the end). */
  onResult?: (result: ImageResult, index: number) => void;
}

/** What to run: a model (`owner/name`, optionally `:version`), a version id, or a deployment. */
export interface PredictionTarget {
  /** `owner/name` for an official model, or `owner/name:version`. */
  model?: string;
  /** A version id (64 hex) or `owner/name:id`. */
  version?: string;
  /** A deployment, `owner/name`. */
  deployment?: string;
}

/** Options of `createPrediction`. */
export interface CreatePredictionOptions extends PredictionTarget {
  /** The model's input. */
  input: Record<string, unknown>;
  /** HTTPS URL that receives webhook deliveries. */
  webhook?: string;
  /** Which events to deliver; Replicate's default is `output` and `completed`. */
  webhookEventsFilter?: WebhookEventType[];
  /** Ask the API to hold the answer until the prediction finishes: true (up to 60 s) or 1–60 seconds. */
  wait?: boolean | number;
  /** Server-side deadline, sent as `Cancel-After` (rounded up to whole seconds, at least 5). */
  cancelAfterMs?: number;
  /** Ask for a stream URL. */
  stream?: boolean;
  /** Aborts the request (and its retries). */
  signal?: AbortSignal;
  /**
   * Deadline for the request and its retries, from now. Default 120 000 ms.
   * @default DEFAULT_CALL_TIMEOUT_MS
   */
  timeoutMs?: number;
}

/** Options shared by the other lower-layer calls. */
export interface RequestOptions {
  signal?: AbortSignal;
  /**
   * Deadline for the request and its retries, from now. Default 120 000 ms.
   * @default DEFAULT_CALL_TIMEOUT_MS
   */
  timeoutMs?: number;
}

/** Options of `listPredictions`. */
export interface ListPredictionsOptions extends RequestOptions {
  /** Only predictions created at or after this time. */
  createdAfter?: Date | string;
  /** Only predictions created before this time. */
  createdBefore?: Date | string;
}
