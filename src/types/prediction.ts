// The shapes shared by every layer: Replicate's prediction object, and the injectable runtime
// (fetch, sleep, clock, randomness, logger).

/** Replicate's prediction statuses; the last four are terminal. */
export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

/** The statuses after which a prediction never changes again. */
export type TerminalStatus = 'succeeded' | 'failed' | 'canceled' | 'aborted';

/** Webhook events a prediction can report. */
export type WebhookEventType = 'start' | 'output' | 'logs' | 'completed';

/** A prediction as the API returns it (fields this library relies on are typed; the rest pass through). */
export interface Prediction {
  id: string;
  /** `owner/name` */
  model: string;
  /** A version id, or `"hidden"`. */
  version: string;
  input: Record<string, unknown>;
  /** Model-specific JSON; files are URLs. Null until it succeeds, and after the outputs expire. */
  output: unknown;
  logs?: string | null;
  error: unknown;
  status: PredictionStatus;
  source?: 'api' | 'web';
  data_removed?: boolean;
  created_at: string;
  started_at?: string | null;
  completed_at?: string | null;
  metrics?: { predict_time?: number; total_time?: number; [key: string]: unknown };
  urls?: { get?: string; cancel?: string; web?: string; stream?: string };
  webhook?: string;
  webhook_events_filter?: WebhookEventType[];
  deployment?: string;
  [key: string]: unknown;
}

/** One page of `GET /predictions`. */
export interface PredictionPage {
  results: Prediction[];
  next: string | null;
  previous: string | null;
}

/** A file uploaded through the files API. */
export interface UploadedFile {
  id: string;
  content_type: string;
  size: number;
  checksums?: { sha256?: string };
  metadata?: unknown;
  created_at: string;
  expires_at?: string | null;
  urls: { get: string };
  [key: string]: unknown;
}

/** A console-compatible logger; any method may be missing. The library is silent without one. */
export interface Logger {
  debug?: (message: string) => void;
  info?: (message: string) => void;
  warn?: (message: string) => void;
  error?: (message: string) => void;
}

/** Waits `ms` milliseconds; should reject or resolve early when `signal` aborts (the library races it anyway). */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A `fetch`-compatible function. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A live progress report, for status lines: sent when the call starts creating, after each
 * answer about the prediction, and before each retry.
 */
export interface StatusUpdate {
  /** Null until the prediction exists. */
  predictionId: string | null;
  /** `creating` until the API has answered the create. */
  status: PredictionStatus | 'creating';
  /** Time since the call started, on the client's clock. */
  elapsedMs: number;
  /** Retries made so far in this call. */
  retries: number;
}

/** Receives {@link StatusUpdate}s; exceptions it throws are ignored. */
export type StatusListener = (update: StatusUpdate) => void;

/** True for the statuses after which a prediction never changes. */
export function isTerminalStatus(status: string): status is TerminalStatus {
  return status === 'succeeded' || status === 'failed' || status === 'canceled' || status === 'aborted';
}

/** True when `value` looks like a prediction object (an id and a status at least). */
export function isPrediction(value: unknown): value is Prediction {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.status === 'string';
}
