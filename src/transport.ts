// The one request path. Every HTTP call the library makes to the API goes through `Transport.request`:
// auth (only to the configured API origin), per-request timeout, abort, retries, logging.

import { DEFAULT_MAX_RESPONSE_BYTES } from './defaults.js';
import {
  CanceledError,
  ClosedError,
  ConfigurationError,
  errorForStatus,
  HttpError,
  InvalidInputError,
  NetworkError,
  ReplicateError,
  type ReplicateErrorDetails,
  ResponseTooLargeError,
  TimeoutError,
} from './errors.js';
import { LinkedSignal } from './internal/abort-link.js';
import { predictionIdInHead, readTextCapped } from './internal/read-capped.js';
import { type RateLimiter, rateClassOf } from './rate-limiter.js';
import { containsSecret, type Redactor, redactSecretDeep } from './redact.js';
import { decideRetry, failureKind, type RetrySchedule, serverRequestedDelayMs, withJitter } from './retry-policy.js';
import type { FetchFn, Logger, SleepFn } from './types/prediction.js';

/** Everything the transport needs, resolved by the client. */
export interface TransportConfig {
  apiKey: string;
  /** e.g. `https://api.replicate.com/v1` (no trailing slash). */
  baseUrl: string;
  fetch: FetchFn;
  sleep: SleepFn;
  now: () => number;
  random: () => number;
  retry: RetrySchedule;
  /** Per-attempt timeout. */
  requestTimeoutMs: number;
  logger: Logger | undefined;
  redact: Redactor;
  /** Aborted when the client closes. */
  closeSignal: AbortSignal;
  userAgent: string;
  /** Client-side rate limits, shared by every call of the client; undefined: none. */
  rateLimiter?: RateLimiter | undefined;
  /** Largest API answer read, in bytes; a larger one ends the request (`response_too_large`). Default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number | undefined;
}

/** Default cap on an API answer: 32 MiB, hundreds of times a real prediction with long logs. */

/** A retry about to happen. */
export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  error: ReplicateError;
}

/** One API call. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** A path under the base URL (`/predictions`), or an absolute URL on the API origin (pagination). */
  path: string;
  query?: Record<string, string | undefined>;
  /** A JSON body. */
  json?: unknown;
  /** A multipart body (file uploads). */
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The operation's deadline on the client's clock: no attempt or retry wait goes past it. */
  deadline?: number;
  /** Per-attempt timeout; default the client's `requestTimeoutMs`. */
  timeoutMs?: number;
  /** Attached to errors. */
  predictionId?: string | null;
  /**
   * Whether repeating the request is harmless. Default: true except for POST. A non-idempotent request
   * is retried after an ambiguous failure only when `recover` looked and found nothing.
   */
  idempotent?: boolean;
  /**
   * Called after an ambiguous failure of a non-idempotent request, before any retry: returns the answer
   * the lost request produced (e.g. the prediction it created), or null when it produced nothing. It is
   * told the retry's scheduled wait; the time it takes counts against that wait.
   */
  recover?: (error: ReplicateError, retry: { retryDelayMs: number }) => Promise<ApiResponse | null>;
  /** Called as each attempt (the first and every retry) is about to be sent. */
  onAttempt?: () => void;
  onRetry?: (info: RetryInfo) => void;
  /** Clean-up work (canceling after a give-up): allowed after `close()`, not aborted by it. */
  cleanup?: boolean;
}

/** A successful answer, its JSON body parsed (null when empty). */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

// Codes for failures where the request cannot have reached the server (Node/undici, Bun, Deno).
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ConnectionRefused',
  'FailedToOpenSocket',
]);

/** Where a request goes: an absolute URL on the API origin, and its path (for labels and rate classes). */
interface ApiTarget {
  href: string;
  pathname: string;
}

/** A path the base URL can take as it is: segments of unreserved characters, none starting with a dot. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+\/?$/;

/** The one request path; see the file comment. */
export class Transport {
  readonly #config: TransportConfig;
  readonly #origin: string;
  readonly #basePath: string;
  // Server clock minus ours, from the `Date` header of the last answer (a lower bound: see #learnClock).
  #serverOffsetMs: number | null = null;

  constructor(config: TransportConfig) {
    this.#config = config;
    const cap = config.maxResponseBytes;
    if (cap !== undefined && !(typeof cap === 'number' && Number.isFinite(cap) && cap > 0)) {
      throw new ConfigurationError(`maxResponseBytes must be a positive number of bytes, got ${String(cap)}`);
    }
    const base = new URL(config.baseUrl);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
  }

  /** The per-attempt timeout requests get by default. */
  get requestTimeoutMs(): number {
    return this.#config.requestTimeoutMs;
  }

  /** The client's clock (injected in tests). */
  now(): number {
    return this.#config.now();
  }

  /** The configured API base URL. */
  get baseUrl(): string {
    return this.#config.baseUrl;
  }

  /**
   * A time on the client's clock as the API's clock read it, learned from the `Date` header of the
   * latest answer; null until an answer carried one. Never later than the server's real time, and at
   * most about a second plus a round trip earlier (the header has whole seconds).
   */
  serverTime(localMs: number): number | null {
    return this.#serverOffsetMs === null ? null : localMs + this.#serverOffsetMs;
  }

  // The header is the server's time, floored to the second, at some moment between sending and now:
  // `Date - now` underestimates the offset, so times derived from it err early.
  #learnClock(headers: Headers): void {
    const date = Date.parse(headers.get('date') ?? '');
    if (Number.isFinite(date)) this.#serverOffsetMs = date - this.#config.now();
  }

  /** Makes the request, retrying per the policy; throws a ReplicateError. */
  async request(req: ApiRequest): Promise<ApiResponse> {
    const { now, retry } = this.#config;
    const url = this.#url(req);
    const label = `${req.method} ${url.pathname}`;
    const idempotent = req.idempotent ?? req.method !== 'POST';
    const body = req.form ?? (req.json === undefined ? undefined : JSON.stringify(req.json));
    if (typeof body === 'string' && containsSecret(body, this.#config.apiKey)) {
      // One official client serializes itself, token included, into prediction inputs: never send the key
      // as data. Only a secret-shaped key is guarded (see isSecretShaped): a short key such as `test` is
      // an ordinary word, and refusing every prompt that contains it protects nothing.
      throw new InvalidInputError(
        `Refusing to send ${label}: its body contains the API key (remove the key from the input; it must never be sent as data)`,
        { predictionId: req.predictionId ?? null },
      );
    }
    let retries = 0;
    let transientRetries = 0;
    for (;;) {
      this.#throwIfStopped(req, retries);
      // Every attempt takes a token, retries included: the server counts them all (see #takeTurn).
      if (this.#config.rateLimiter) {
        await this.#takeTurn(this.#config.rateLimiter, req, url.pathname);
        this.#throwIfStopped(req, retries);
      }
      let error: ReplicateError;
      let headers: Headers | null = null;
      try {
        req.onAttempt?.();
        return await this.#attempt(req, url, label, body);
      } catch (caught) {
        if (!(caught instanceof ReplicateError)) throw caught;
        error = caught.with({ retries, predictionId: caught.predictionId ?? req.predictionId ?? null });
        headers = attemptHeaders.get(caught) ?? null;
      }
      if (error.code === 'canceled' || error.code === 'closed') throw error;
      const kind = failureKind(error, idempotent);
      const decision = decideRetry(
        retry,
        kind,
        retries,
        transientRetries,
        headers ? serverRequestedDelayMs(headers, this.serverTime(now()) ?? now(), retry.minDelayMs) : null,
      );
      if (!decision.retry) throw error;
      const scheduledMs = decision.fromServer
        ? decision.delayMs
        : withJitter(decision.delayMs, retry.jitterRatio, this.#config.random);
      let delayMs = scheduledMs;
      if (kind === 'ambiguous' && !idempotent) {
        if (!req.recover) throw error;
        let recovered: ApiResponse | null;
        const lookingSince = now();
        try {
          recovered = await req.recover(error, { retryDelayMs: scheduledMs });
        } catch (lookupError) {
          // Stopped while looking: the request may still have taken effect (the caller looks again).
          if (
            lookupError instanceof ReplicateError &&
            (lookupError.code === 'canceled' || lookupError.code === 'closed')
          )
            throw lookupError.with({ ambiguous: true, retries });
          this.log(
            'warn',
            `${label}: could not check whether the failed request took effect (${describe(lookupError)}); not repeating it`,
          );
          throw error;
        }
        if (recovered) {
          this.log('info', `${label}: the failed request had taken effect; adopted its result`);
          return recovered;
        }
        // The time spent looking (the settle window) was the wait before repeating it.
        delayMs = Math.max(0, scheduledMs - (now() - lookingSince));
      }
      if (req.deadline !== undefined && now() + delayMs >= req.deadline) {
        throw error.with({
          message: `${error.message} (gave up: retrying in ${delayMs} ms would pass the operation's deadline)`,
        });
      }
      retries += 1;
      if (kind !== 'throttled') transientRetries += 1;
      this.log('warn', `${label}: ${error.message}; retry ${retries} in ${delayMs} ms`);
      req.onRetry?.({ attempt: retries, delayMs, error });
      if (delayMs > 0) await this.wait(delayMs, req);
    }
  }

  /**
   * Waits for the rate limiter's turn. A wait ends at the operation's deadline, and a call that stops
   * waiting gives its token back. A method of its own so that the closures it hands the limiter end with
   * the turn instead of living in the request's frame until the answer.
   */
  #takeTurn(limiter: RateLimiter, req: ApiRequest, pathname: string): Promise<boolean> {
    const { now } = this.#config;
    const { deadline } = req;
    const untilDeadline = (ms: number): number =>
      deadline === undefined ? ms : Math.min(ms, Math.max(0, deadline - now()));
    return limiter.acquire(
      rateClassOf(req.method, pathname),
      (ms) => this.wait(untilDeadline(ms), req),
      () => this.#stopped(req, {}) !== null || untilDeadline(1) <= 0,
    );
  }

  /**
   * Opens a GET of a public URL that is not the API (a prediction's `urls.stream`, possibly on another
   * origin): same fetch, abort (the signal and the client's close) and logging, but no Authorization or
   * any other credential, no API rate limit, no retries and no per-attempt timeout (the caller aborts it).
   * Resolves to the response with its body unread.
   * @throws NetworkError when it cannot connect, HttpError (or a subclass) for any status but 2xx.
   */
  async openPublic(target: string, req: { signal?: AbortSignal; headers?: Record<string, string> }): Promise<Response> {
    const url = new URL(target);
    const label = `GET ${this.#config.redact(url.origin + url.pathname)}`;
    const details = { predictionId: null };
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new HttpError(`Refusing to open ${label}: not an http(s) URL`, details);
    const stopped = this.#stopped(req, details);
    if (stopped) throw stopped;
    const headers = { 'User-Agent': this.#config.userAgent, ...req.headers };
    this.log('debug', `→ ${label} (public, no credentials)`);
    let response: Response;
    try {
      response = await this.#config.fetch(url, {
        method: 'GET',
        headers,
        signal: AbortSignal.any(this.#signals(req)),
        redirect: 'manual',
      });
    } catch (cause) {
      throw this.#stopped(req, details) ?? networkError(cause, label, details, this.#config.redact);
    }
    this.log('debug', `← ${response.status} ${label}`);
    if (response.status < 200 || response.status >= 300) {
      // An error page is read for its message only: 64 KiB of it is plenty.
      const read = await readTextCapped(response, 65_536).catch(() => ({ tooLarge: false as const, text: '' }));
      const text = read.tooLarge ? read.head : read.text;
      throw httpError(response.status, text, label, details, this.#config.redact);
    }
    return response;
  }

  /** Sleeps with the injected sleep (retry waits, polling), waking early when the operation is aborted or the client closes. */
  async wait(ms: number, req: Pick<ApiRequest, 'signal' | 'cleanup'>): Promise<void> {
    const signals = this.#signals(req);
    // A signal of its own per wait: many concurrent waits (a batch pacing its creates) would otherwise each
    // add listeners to the client's close signal, past Node's max-listeners warning.
    const link = signals.length === 0 ? undefined : new LinkedSignal(signals);
    const signal = link?.signal;
    try {
      if (signal?.aborted) return;
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<void>((resolve) => {
        onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([this.#config.sleep(ms, signal), aborted]);
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
    } finally {
      link?.release();
    }
  }

  /** The signal that stops work of `req`: its own and, unless it is clean-up, the client's close. */
  stopSignal(req: Pick<ApiRequest, 'signal' | 'cleanup'>): AbortSignal | undefined {
    const signals = this.#signals(req);
    return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
  }

  /** @throws ClosedError, CanceledError, or TimeoutError once `req.deadline` has passed. */
  throwIfStopped(req: Pick<ApiRequest, 'signal' | 'cleanup' | 'deadline' | 'predictionId'>): void {
    const details = { predictionId: req.predictionId ?? null, ambiguous: true };
    const stopped = this.#stopped(req, details);
    if (stopped) throw stopped;
    if (req.deadline !== undefined && this.#config.now() >= req.deadline) {
      throw new TimeoutError("timeout: the operation's deadline passed", details);
    }
  }

  #signals(req: Pick<ApiRequest, 'signal' | 'cleanup'>): AbortSignal[] {
    const out: AbortSignal[] = [];
    if (req.signal) out.push(req.signal);
    if (!req.cleanup) out.push(this.#config.closeSignal);
    return out;
  }

  /** The error for an operation stopped by the client's close or the caller's signal, or null. */
  #stopped(req: Pick<ApiRequest, 'signal' | 'cleanup'>, details: ReplicateErrorDetails): ReplicateError | null {
    if (!req.cleanup && this.#config.closeSignal.aborted) return new ClosedError('The client was closed', details);
    if (req.signal?.aborted) return new CanceledError('The operation was aborted by the caller', details);
    return null;
  }

  #throwIfStopped(req: ApiRequest, retries: number): void {
    const details = { predictionId: req.predictionId ?? null, retries };
    const stopped = this.#stopped(req, details);
    if (stopped) throw stopped;
    if (req.deadline !== undefined && this.#config.now() >= req.deadline) {
      throw new TimeoutError("timeout: the operation's deadline passed", details);
    }
  }

  #url(req: ApiRequest): ApiTarget {
    // The usual call (a relative path of plain segments, no query) needs no URL object: every request
    // of a batch holds its target until the answer, and a parsed URL is some hundreds of bytes of it.
    if (req.query === undefined && PLAIN_PATH.test(req.path)) {
      const pathname = `${this.#basePath}${req.path}`;
      return { href: `${this.#origin}${pathname}`, pathname };
    }
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(req.path);
    const url = new URL(absolute ? req.path : `${this.#origin}${this.#basePath}${req.path}`);
    // The key goes only to the configured API: refuse any other origin (or a path outside the base).
    if (url.origin !== this.#origin || !url.pathname.startsWith(this.#basePath)) {
      throw new HttpError(
        `Refusing to send an API request to ${this.#config.redact(url.origin)}: it is not the configured API origin`,
        { predictionId: req.predictionId ?? null },
      );
    }
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return { href: url.href, pathname: url.pathname };
  }

  async #attempt(
    req: ApiRequest,
    url: ApiTarget,
    label: string,
    body: string | FormData | undefined,
  ): Promise<ApiResponse> {
    const { now, redact } = this.#config;
    const limitMs = req.timeoutMs ?? this.#config.requestTimeoutMs;
    const remainingMs = req.deadline === undefined ? Infinity : req.deadline - now();
    const timeoutMs = Math.max(1, Math.min(limitMs, remainingMs));
    // One signal for the fetch: the caller's and the client's close, followed until the attempt ends,
    // and the attempt's own timeout.
    const link = new LinkedSignal(this.#signals(req));
    const handle = setTimeout(abortForTimeout, timeoutMs, link);
    const { signal } = link;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#config.apiKey}`,
      Accept: 'application/json',
      'User-Agent': this.#config.userAgent,
    };
    if (typeof body === 'string') headers['Content-Type'] = 'application/json';
    if (req.headers) Object.assign(headers, req.headers);
    const started = now();
    const details = { predictionId: req.predictionId ?? null };
    // Debug lines are built only for a logger that takes them: two strings per request otherwise made for nothing.
    const debug = this.#config.logger?.debug !== undefined;
    if (debug) this.log('debug', `→ ${label}`);
    try {
      let response: Response;
      try {
        response = await this.#config.fetch(url.href, {
          method: req.method,
          headers,
          body,
          signal,
          redirect: 'manual',
        });
      } catch (cause) {
        throw (
          this.#endedEarly(req, signal, label, timeoutMs) ??
          refusedUrl(cause, url.href, details, redact) ??
          networkError(cause, label, details, redact)
        );
      }
      const maxBytes = this.#config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      let text: string;
      try {
        const read = await readTextCapped(response, maxBytes);
        const ok = response.status >= 200 && response.status < 300;
        // An oversized error page is only read for its message: its start is enough, and its status decides.
        if (read.tooLarge && !ok) text = read.head;
        else if (read.tooLarge) {
          this.#learnClock(response.headers);
          // A create that answered 2xx made a prediction: its id leads the answer, so it is not lost.
          const predictionId = details.predictionId ?? predictionIdInHead(redact(read.head));
          throw new ResponseTooLargeError(
            `response_too_large: ${label} answered HTTP ${response.status} with more than ${maxBytes} bytes (maxResponseBytes); the read was stopped after ${read.receivedBytes} bytes${predictionId ? ` (prediction ${predictionId})` : ''}`,
            { predictionId, status: response.status },
          );
        } else text = read.text;
      } catch (cause) {
        if (cause instanceof ReplicateError) throw cause;
        throw (
          this.#endedEarly(req, signal, label, timeoutMs) ??
          networkError(cause, label, { ...details, notSent: false }, redact)
        );
      }
      if (debug) this.log('debug', `← ${response.status} ${label} (${now() - started} ms)`);
      this.#learnClock(response.headers);
      this.#config.rateLimiter?.observe(rateClassOf(req.method, url.pathname), response.headers, started);
      if (response.status >= 200 && response.status < 300) {
        if (text.trim() === '') return { status: response.status, headers: response.headers, body: null };
        try {
          // The one point where answers enter the library: the key a server echoes (in `logs`, `error`,
          // any nested field) is removed here, so no result, error or journal line downstream holds it.
          const parsed = redactSecretDeep(JSON.parse(text) as unknown, this.#config.apiKey);
          return { status: response.status, headers: response.headers, body: parsed };
        } catch {
          throw new NetworkError(`network error: ${label} answered ${response.status} with a body that is not JSON`, {
            ...details,
            ambiguous: true,
          });
        }
      }
      throw withHeaders(httpError(response.status, text, label, details, redact), response.headers);
    } finally {
      clearTimeout(handle);
      link.release();
    }
  }

  /**
   * Why an attempt's fetch ended early, if it did: the client closed, the caller aborted, or the attempt's
   * own timeout. A POST stopped mid-flight may still have taken effect.
   */
  #endedEarly(req: ApiRequest, signal: AbortSignal, label: string, timeoutMs: number): ReplicateError | null {
    const details = { predictionId: req.predictionId ?? null };
    return (
      this.#stopped(req, { ...details, ambiguous: req.method === 'POST' }) ??
      (signal.reason === ATTEMPT_TIMED_OUT
        ? new TimeoutError(`request timeout: ${label} got no answer within ${timeoutMs} ms`, {
            ...details,
            ambiguous: true,
          })
        : null)
    );
  }

  /** Logs through the configured logger, redacted; a logger that throws is ignored. */
  log(level: keyof Logger, message: string): void {
    const fn = this.#config.logger?.[level];
    if (!fn) return;
    try {
      fn.call(this.#config.logger, `replicate-media: ${this.#config.redact(message)}`);
    } catch {
      // A logger that throws must not break a request.
    }
  }
}

// The reason an attempt's own timeout aborts its fetch with; the timer is handed the link rather than a
// closure, so an attempt in flight holds no function for it.
const ATTEMPT_TIMED_OUT = Symbol('attempt timed out');

function abortForTimeout(link: LinkedSignal): void {
  link.abort(ATTEMPT_TIMED_OUT);
}

// The response headers of a failed attempt (Retry-After, ratelimit-reset), kept off the public error.
const attemptHeaders = new WeakMap<ReplicateError, Headers>();

function withHeaders(error: ReplicateError, headers: Headers): ReplicateError {
  attemptHeaders.set(error, headers);
  return error;
}

function networkError(
  cause: unknown,
  label: string,
  details: { predictionId: string | null; notSent?: boolean },
  redact: Redactor,
): NetworkError {
  const code = causeCode(cause);
  const notSent = details.notSent ?? (code !== null && NOT_SENT_CODES.has(code));
  const reason = redact([code, describe(cause)].filter(Boolean).join(': '));
  return new NetworkError(`network error: ${label} failed (${reason})`, {
    predictionId: details.predictionId,
    ambiguous: !notSent,
  });
}

/**
 * The error for a URL fetch refuses outright, before any connection (a port on the fetch spec's "bad port"
 * list such as 6000 or 10080, a scheme it does not speak): retrying cannot help, so the call ends at once
 * with what to change. Null for any other failure.
 */
function refusedUrl(
  cause: unknown,
  href: string,
  details: { predictionId: string | null },
  redact: Redactor,
): ConfigurationError | null {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : '';
  if (!(cause instanceof TypeError) || !/bad port/i.test(inner)) return null;
  const url = new URL(href);
  return new ConfigurationError(
    `Cannot reach the API URL ${redact(url.origin)}: fetch refuses to connect to port ${url.port} ("bad port": it is on the fetch standard's list of blocked ports); use another port in baseUrl / REPLICATE_BASE_URL`,
    { predictionId: details.predictionId, ambiguous: false },
  );
}

function httpError(
  status: number,
  text: string,
  label: string,
  details: { predictionId: string | null },
  redact: Redactor,
): ReplicateError {
  let detail: string | null = null;
  try {
    const problem = JSON.parse(text) as unknown;
    if (typeof problem === 'object' && problem !== null) {
      const p = problem as Record<string, unknown>;
      const found = p.detail ?? p.title ?? p.error;
      if (typeof found === 'string') detail = found;
    }
  } catch {
    detail = text.trim().slice(0, 300) || null;
  }
  if (detail !== null) detail = redact(detail);
  const what =
    status >= 300 && status < 400 ? 'redirect (not followed, so the API key stays with the API)' : `HTTP ${status}`;
  const message = `${label} failed with ${what}${detail ? `: ${detail}` : ''}`;
  return errorForStatus(status, message, { ...details, detail });
}

function causeCode(cause: unknown): string | null {
  for (let c: unknown = cause, depth = 0; c && depth < 4; depth += 1) {
    if (typeof c === 'object' && c !== null) {
      const code = (c as { code?: unknown }).code;
      if (typeof code === 'string') return code;
      c = (c as { cause?: unknown }).cause;
    } else break;
  }
  return null;
}

function describe(value: unknown): string {
  if (value instanceof Error) {
    const inner = value.cause instanceof Error ? ` (${value.cause.message})` : '';
    return `${value.message}${inner}`;
  }
  return String(value);
}
