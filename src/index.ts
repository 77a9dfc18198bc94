// The public API of `replicate-media`: exports only.

/** The package version. */
export const VERSION = '0.1.0';

export {
  ReplicateClient,
  DEFAULT_BASE_URL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_CALL_TIMEOUT_MS,
  type ReplicateClientOptions,
  type WaitOptions,
  type GenerateImageOptions,
  type GenerateVideoOptions,
  type PollOptions,
  type ImageResult,
  type ImageSuccess,
  type ImageFailure,
  type VideoResult,
  type VideoSuccess,
  type VideoFailure,
  type PollResult,
  type PollStatus,
  type CreatePredictionOptions,
  type RequestOptions,
  type ListPredictionsOptions,
  type DownloadTo,
  type DownloadCallOptions,
  type Downloadable,
  type DownloadResult,
  type ResumeOptions,
} from './client.js';
export type { PredictionTarget } from './api.js';
export {
  ReplicateError,
  ConfigurationError,
  InvalidInputError,
  AuthenticationError,
  TimeoutError,
  NetworkError,
  RateLimitError,
  HttpError,
  PredictionFailedError,
  CanceledError,
  ClosedError,
  DataRemovedError,
  BudgetExceededError,
  JournalError,
  ERROR_CODES,
  type ErrorCode,
  type ReplicateErrorDetails,
} from './errors.js';
export {
  estimateCost,
  DEFAULT_PRICES,
  type Price,
  type PriceTable,
  type EstimateCostOptions,
} from './pricing.js';
export {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VIDEO_MODEL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_VIDEO_TIMEOUT_MS,
  DEFAULT_INTERVAL_MS,
  VIDEO_INPUT_ADAPTERS,
  type VideoInputAdapter,
  type VideoRequest,
} from './models.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry-policy.js';
export { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limiter.js';
export { DEFAULT_BATCH_CONCURRENCY, type BatchProgress, type GenerateImagesOptions } from './batch.js';
export { writeGallery, type GalleryEntry, type GalleryOptions } from './gallery.js';
export { DATA_URL_MAX_BYTES, type ImageInput } from './image-inputs.js';
export { REDACTED } from './redact.js';
export {
  readJournal,
  parseJournal,
  foldJournal,
  journalTotals,
  needsResume,
  JOURNAL_VERSION,
  type JournalRecord,
  type JournalKind,
  type JournalContents,
  type JournalEntry,
  type JournalState,
  type JournalTotals,
  type IntentRecord,
  type CreatedRecord,
  type StatusRecord,
  type FinishedRecord,
  type FileRecord,
  type DownloadFailedRecord,
  type NotCreatedRecord,
} from './journal.js';
export type { ResumedPrediction } from './resume.js';
export {
  downloadOutput,
  DownloadError,
  type DownloadErrorCode,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadedFile,
  type MediaKind,
} from './downloads.js';
export { isTerminalStatus } from './types.js';
export type {
  Prediction,
  PredictionStatus,
  TerminalStatus,
  PredictionPage,
  UploadedFile,
  WebhookEventType,
  Logger,
  SleepFn,
  FetchFn,
  StatusUpdate,
  StatusListener,
} from './types.js';
export {
  verifyWebhook,
  type VerifyWebhookOptions,
  type WebhookVerification,
  type WebhookFailureReason,
  type WebhookHeaders,
} from './webhooks.js';
export { createWebhookHandler, createNodeWebhookHandler, DEFAULT_WEBHOOK_IDS_REMEMBERED, DEFAULT_WEBHOOK_MAX_BODY_BYTES, type WebhookHandlerOptions, type WebhookDelivery, type NodeWebhookRequest, type NodeWebhookResponse } from './webhook-handler.js';
