// The typed errors of the library. Every error the throwing layer raises is a ReplicateError with a
// stable `code` a program can branch on; messages never contain the API key (see redact.ts).

/**
 * Why an operation failed, stable across versions.
 *
 * - `invalid_input`: the arguments were rejected, by the client or by the API (HTTP 422/400).
 * - `auth`: the API key was missing, wrong or not allowed (HTTP 401/403).
 * - `timeout`: the operation's deadline passed (the message contains `timeout`).
 * - `network`: the connection failed, was reset, or the answer was unreadable (the message contains `network`).
 * - `rate_limited`: the API kept answering 429 until the deadline.
 * - `http`: any other unexpected HTTP answer (404, 402, 500, ...).
 * - `prediction_failed`: the prediction ended `failed` (or produced no usable output).
 * - `canceled`: the caller aborted through its `AbortSignal`, or the prediction was canceled.
 * - `closed`: the client was closed while the operation was running, or before it started.
 * - `data_removed`: an output file is gone (Replicate deletes API outputs an hour after the prediction).
 * - `budget_exceeded`: the operation's estimate would cross the client's `budgetUsd`; nothing was created.
 * - `journal_failed`: the journal could not be written, so nothing was created (see docs/durability.md).
 *
 * Raised by `downloadOutput` only (a `DownloadError`; the client's results report them as `network` or
 * `http`, the category a caller acts on):
 * - `invalid_content`: the file host answered 2xx but the body is not an image or a video.
 * - `truncated`: fewer (or more) bytes arrived than the Content-Length announced, after every retry.
 * - `too_large`: the file is larger than the download's `maxBytes`; nothing was saved.
 * - `redirect_refused`: a redirect pointed somewhere a download must not go, or there were too many.
 * - `permission_denied`: the runtime or the system refused the write (Deno without --allow-write, Node's
 *   --permission, an unwritable folder); the client's results report it as `invalid_input` (configuration).
 *
 * Raised by the transport:
 * - `response_too_large`: an API answer was larger than the client's `maxResponseBytes`; its read was stopped.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'auth'
  | 'timeout'
  | 'network'
  | 'rate_limited'
  | 'http'
  | 'prediction_failed'
  | 'canceled'
  | 'closed'
  | 'data_removed'
  | 'budget_exceeded'
  | 'journal_failed'
  | 'invalid_content'
  | 'truncated'
  | 'too_large'
  | 'redirect_refused'
  | 'permission_denied'
  | 'response_too_large';

/** Every error code, in a stable order (handy for exhaustive tests and tables). */
export const ERROR_CODES: readonly ErrorCode[] = [
  'invalid_input',
  'auth',
  'timeout',
  'network',
  'rate_limited',
  'http',
  'prediction_failed',
  'canceled',
  'closed',
  'data_removed',
  'budget_exceeded',
  'journal_failed',
  'invalid_content',
  'truncated',
  'too_large',
  'redirect_refused',
  'permission_denied',
  'response_too_large',
];

/** Extra facts an error can carry. */
export interface ReplicateErrorDetails {
  /** HTTP status of the answer that caused the error, when there was one. */
  status?: number | null;
  /** Replicate's problem `detail` (or the prediction's `error`), when there was one. */
  detail?: string | null;
  /** The prediction concerned, when one exists. */
  predictionId?: string | null;
  /** How many times the request was retried before this error. */
  retries?: number;
  /**
   * True when the request may have taken effect on the server although no answer came back
   * (a reset after sending, a timeout, a 502/504): a create may have started a prediction.
   */
  ambiguous?: boolean;
}

/**
 * The base class of every error this library throws.
 * Carries a stable {@link ErrorCode}, the HTTP status, Replicate's `detail` and the prediction id
 * when they exist, and never the API key.
 */
export class ReplicateError extends Error {
  /** Why it failed; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** HTTP status of the failing answer, or null when there was none (network, timeout, ...). */
  readonly status: number | null;
  /** Replicate's problem `detail` or the prediction's error message, or null. */
  readonly detail: string | null;
  /** The prediction concerned, or null when none was created. */
  readonly predictionId: string | null;
  /** Retries made before giving up. */
  readonly retries: number;
  /** True when the failed request may still have taken effect on the server. */
  readonly ambiguous: boolean;

  constructor(code: ErrorCode, message: string, details: ReplicateErrorDetails = {}) {
    super(message);
    this.name = 'ReplicateError';
    this.code = code;
    this.status = details.status ?? null;
    this.detail = details.detail ?? null;
    this.predictionId = details.predictionId ?? null;
    this.retries = details.retries ?? 0;
    this.ambiguous = details.ambiguous ?? false;
  }

  /** A copy of this error with some facts replaced (its class, name and code are kept). */
  with(details: ReplicateErrorDetails & { message?: string }): ReplicateError {
    const copy = new ReplicateError(this.code, details.message ?? this.message, {
      status: this.status,
      detail: this.detail,
      predictionId: this.predictionId,
      retries: this.retries,
      ambiguous: this.ambiguous,
      ...details,
    });
    Object.setPrototypeOf(copy, Object.getPrototypeOf(this));
    copy.name = this.name;
    return copy;
  }

  /** A plain, JSON-safe view (for logs and `--json` output). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      detail: this.detail,
      predictionId: this.predictionId,
      retries: this.retries,
    };
  }
}

/** Thrown by the constructor when the client cannot be configured (no API key, a bad base URL). */
export class ConfigurationError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('invalid_input', message, details);
    this.name = 'ConfigurationError';
  }
}

/** The arguments were rejected: by the client before sending, or by the API with 400/422. */
export class InvalidInputError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('invalid_input', message, details);
    this.name = 'InvalidInputError';
  }
}

/** The API refused the key (401/403). */
export class AuthenticationError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('auth', message, details);
    this.name = 'AuthenticationError';
  }
}

/** A deadline passed: the per-request timeout (after its retries) or the operation's timeout. */
export class TimeoutError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('timeout', message, details);
    this.name = 'TimeoutError';
  }
}

/** The connection failed or was reset, or the answer could not be read, after the allowed retries. */
export class NetworkError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('network', message, details);
    this.name = 'NetworkError';
  }
}

/** The API kept answering 429 until the deadline (or the next wait would have passed it). */
export class RateLimitError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('rate_limited', message, details);
    this.name = 'RateLimitError';
  }
}

/** Any other unexpected HTTP answer (404, 402, 500, a redirect, ...). */
export class HttpError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('http', message, details);
    this.name = 'HttpError';
  }
}

/** The prediction ended `failed`, or succeeded without the output the call needed. */
export class PredictionFailedError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('prediction_failed', message, details);
    this.name = 'PredictionFailedError';
  }
}

/** The caller aborted through its signal, or the prediction was canceled. */
export class CanceledError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('canceled', message, details);
    this.name = 'CanceledError';
  }
}

/** The client was closed before or while the operation ran. */
export class ClosedError extends ReplicateError {
  constructor(message = 'The client is closed', details: ReplicateErrorDetails = {}) {
    super('closed', message, details);
    this.name = 'ClosedError';
  }
}

/** An output file is gone: the prediction's outputs were removed (an hour after it, on Replicate). */
export class DataRemovedError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('data_removed', message, details);
    this.name = 'DataRemovedError';
  }
}

/** Refused before anything was created: the operation's estimate would cross the client's `budgetUsd`. */
export class BudgetExceededError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('budget_exceeded', message, details);
    this.name = 'BudgetExceededError';
  }
}

/** The journal could not be written before a create, so the create was not sent. */
export class JournalError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails & { cause?: unknown } = {}) {
    super('journal_failed', message, details);
    this.name = 'JournalError';
    if (details.cause !== undefined) (this as { cause?: unknown }).cause = details.cause;
  }
}

/** An API answer was larger than `maxResponseBytes`: the read stopped there (the prediction, if any, is not lost: see `predictionId`). */
export class ResponseTooLargeError extends ReplicateError {
  constructor(message: string, details: ReplicateErrorDetails = {}) {
    super('response_too_large', message, details);
    this.name = 'ResponseTooLargeError';
  }
}

/** Maps an HTTP status to the error class a program would branch on. */
export function errorForStatus(status: number, message: string, details: ReplicateErrorDetails): ReplicateError {
  if (status === 401 || status === 403) return new AuthenticationError(message, { ...details, status });
  if (status === 400 || status === 422) return new InvalidInputError(message, { ...details, status });
  if (status === 429) return new RateLimitError(message, { ...details, status });
  if (status === 408) return new TimeoutError(message, { ...details, status });
  return new HttpError(message, { ...details, status });
}
