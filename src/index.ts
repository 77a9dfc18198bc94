// The public API of `replicate-media`: exports only.

export {
  CATALOGUE,
  type CatalogueEntry,
  type CatalogueField,
  type CataloguePrice,
  catalogueEntry,
  type FrameInput,
  modelsForSameJob,
  type PriceTier,
} from './catalogue.js';
export { ReplicateClient } from './client.js';
export {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_PRICES,
  DEFAULT_RATE_LIMIT,
  DEFAULT_RETRY,
  DEFAULT_VIDEO_MODEL,
  DEFAULTS,
} from './defaults.js';
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
  ResponseTooLargeError,
  TimeoutError,
} from './errors.js';
export { type GalleryEntry, type GalleryOptions, writeGallery } from './gallery.js';
export type { ImageInput } from './image-inputs.js';
export { describeMp4, type Mp4Info, type Mp4TrackInfo } from './media/mp4-info.js';
export { type JoinMp4Options, joinMp4 } from './media/mp4-join.js';
export {
  VIDEO_INPUT_ADAPTERS,
  type VideoInputAdapter,
  type VideoRequest,
} from './models.js';
export {
  type EstimateCostOptions,
  estimateCost,
  type Price,
  type PriceTable,
} from './pricing.js';
export type { RateLimitOptions } from './rate-limiter.js';
export { REDACTED } from './redact.js';
export type { RetryOptions } from './retry-policy.js';
export { type PlanTransitionsOptions, planTransitions, type TransitionPlan } from './sequence-plan.js';
export type {
  BatchProgress,
  CreatePredictionOptions,
  Downloadable,
  DownloadCallOptions,
  DownloadTo,
  GenerateImageOptions,
  GenerateImagesOptions,
  GenerateVideoOptions,
  ListPredictionsOptions,
  PollOptions,
  PredictionTarget,
  ReplicateClientOptions,
  RequestOptions,
  ResumeOptions,
  WaitOptions,
} from './types/options.js';
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
} from './types/prediction.js';
export { isTerminalStatus } from './types/prediction.js';
export type {
  DownloadResult,
  ImageFailure,
  ImageResult,
  ImageSuccess,
  PollResult,
  PollStatus,
  ResumedPrediction,
  ResumedSequence,
  VideoFailure,
  VideoResult,
  VideoSegment,
  VideoSuccess,
} from './types/results.js';
export { VERSION } from './version.js';
export {
  createNodeWebhookHandler,
  createWebhookHandler,
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
