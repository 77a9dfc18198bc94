// The public API of `replicate-media`: exports only.

/** The package version. */
export const VERSION = '0.1.0';

export type { PredictionTarget } from './api.js';
export { type BatchProgress, DEFAULT_BATCH_CONCURRENCY, type GenerateImagesOptions } from './batch.js';
export {
  type CreatePredictionOptions,
  DEFAULT_BASE_URL,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Downloadable,
  type DownloadCallOptions,
  type DownloadResult,
  type DownloadTo,
  type GenerateImageOptions,
  type GenerateVideoOptions,
  type ImageFailure,
  type ImageResult,
  type ImageSuccess,
  type ListPredictionsOptions,
  type PollOptions,
  type PollResult,
  type PollStatus,
  ReplicateClient,
  type ReplicateClientOptions,
  type RequestOptions,
  type ResumeOptions,
  type VideoFailure,
  type VideoResult,
  type VideoSuccess,
  type WaitOptions,
} from './client.js';
export {
  DownloadError,
  type DownloadErrorCode,
  type DownloadedFile,
  type DownloadOptions,
  type DownloadProgress,
  downloadOutput,
  type MediaKind,
} from './downloads.js';
export {
  AuthenticationError,
  BudgetExceededError,
  CanceledError,
  ClosedError,
  ConfigurationError,
  DataRemovedError,
  ERROR_CODES,
  type ErrorCode,
  HttpError,
  InvalidInputError,
  JournalError,
  NetworkError,
  PredictionFailedError,
  RateLimitError,
  ReplicateError,
  type ReplicateErrorDetails,
  TimeoutError,
} from './errors.js';
export { type GalleryEntry, type GalleryOptions, writeGallery } from './gallery.js';
export { DATA_URL_MAX_BYTES, type ImageInput } from './image-inputs.js';
export {
  type CreatedRecord,
  type DownloadFailedRecord,
  type FileRecord,
  type FinishedRecord,
  foldJournal,
  type IntentRecord,
  JOURNAL_VERSION,
  type JournalContents,
  type JournalEntry,
  type JournalKind,
  type JournalRecord,
  type JournalState,
  type JournalTotals,
  journalTotals,
  type NotCreatedRecord,
  needsResume,
  parseJournal,
  readJournal,
  type StatusRecord,
} from './journal.js';
export {
  type BudgetTotals,
  type ClaimedWork,
  FileJournalStore,
  type FileJournalStoreOptions,
  type GrantedHold,
  isPostgresUrl,
  type JournalHistory,
  type JournalStore,
  type JournalStoreOptions,
  LATEST_SCHEMA_VERSION,
  openJournalStore,
  PostgresJournalStore,
  type PostgresJournalStoreOptions,
  type RefusedHold,
  type ReserveOutcome,
  type TwinIntent,
  type TwinQuery,
} from './journal-store/index.js';
export {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_VIDEO_MODEL,
  DEFAULT_VIDEO_TIMEOUT_MS,
  VIDEO_INPUT_ADAPTERS,
  type VideoInputAdapter,
  type VideoRequest,
} from './models.js';
export {
  DEFAULT_PRICES,
  type EstimateCostOptions,
  estimateCost,
  type Price,
  type PriceTable,
} from './pricing.js';
export { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limiter.js';
export { REDACTED } from './redact.js';
export type { ResumedPrediction } from './resume.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry-policy.js';
export type {
  FetchFn,
  Logger,
  Prediction,
  PredictionPage,
  PredictionStatus,
  SleepFn,
  StatusListener,
  StatusUpdate,
  TerminalStatus,
  UploadedFile,
  WebhookEventType,
} from './types.js';
export { isTerminalStatus } from './types.js';
export {
  createNodeWebhookHandler,
  createWebhookHandler,
  DEFAULT_WEBHOOK_IDS_REMEMBERED,
  DEFAULT_WEBHOOK_MAX_BODY_BYTES,
  type NodeWebhookRequest,
  type NodeWebhookResponse,
  type WebhookDelivery,
  type WebhookHandlerOptions,
} from './webhook-handler.js';
export {
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookFailureReason,
  type WebhookHeaders,
  type WebhookVerification,
} from './webhooks.js';
