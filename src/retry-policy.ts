// Which failures are retried and after how long. Policy as data: the schedule is a table, the
// header parsing names its odd cases, and the decision is a pure function the transport calls.

import { DEFAULT_RETRY } from './defaults.js';
import type { ReplicateError } from './errors.js';

/** The retry schedule. Every field has a default, written next to it. */
export interface RetryOptions {
  /** Waits between attempts; the last one repeats. Default `[5000, 15000, 45000]`. */
  delaysMs?: readonly number[];
  /** Retries of network errors, 502/503/504 and request timeouts (429s are retried until the deadline). Default 3. */
  maxRetries?: number;
  /** Random spread of each wait, ±ratio (0 turns jitter off). Default 0.1. */
  jitterRatio?: number;
  /**
   * Floor of any wait the server asks for (`Retry-After: 0`, a date already past, `ratelimit-reset: 0`), so a
   * server that keeps saying "now" cannot draw a storm of requests. Default 1000.
   */
  minDelayMs?: number;
}

/** The resolved schedule, every field present. */
export type RetrySchedule = Required<RetryOptions>;

/** Fills in the defaults and rejects nonsense (negative delays, a ratio outside 0..1). */
export function resolveRetry(options: RetryOptions | undefined): RetrySchedule {
  const delaysMs = options?.delaysMs ?? DEFAULT_RETRY.delaysMs;
  const maxRetries = options?.maxRetries ?? DEFAULT_RETRY.maxRetries;
  const jitterRatio = options?.jitterRatio ?? DEFAULT_RETRY.jitterRatio;
  const minDelayMs = options?.minDelayMs ?? DEFAULT_RETRY.minDelayMs;
  if (delaysMs.length === 0 || delaysMs.some((d) => !Number.isFinite(d) || d < 0)) {
    throw new RangeError('retry.delaysMs must be a non-empty list of non-negative numbers of milliseconds');
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError('retry.maxRetries must be a non-negative integer');
  }
  if (!Number.isFinite(jitterRatio) || jitterRatio < 0 || jitterRatio > 1) {
    throw new RangeError('retry.jitterRatio must be between 0 and 1');
  }
  if (!Number.isFinite(minDelayMs) || minDelayMs < 0) {
    throw new RangeError('retry.minDelayMs must be a non-negative number of milliseconds');
  }
  return { delaysMs: [...delaysMs], maxRetries, jitterRatio, minDelayMs };
}

/**
 * How long the server asked us to wait, in ms, or null when it did not say; never less than `minDelayMs`.
 * - `Retry-After` is authoritative: delta-seconds (`"30"`, `"1.5"`) or an HTTP date. A date is the
 *   SERVER's time, so it is measured against the server's clock: the same answer's `Date` header when it
 *   has one, else `serverNowMs` (the client's clock corrected by the offset learned from earlier answers).
 *   Measured against the local clock, a server 60 s behind would get "wait 0" forever.
 * - `ratelimit-reset` (seconds until the window resets) is the fallback; Replicate sends it on every answer.
 * - Garbage, negative numbers and missing headers yield null (use the schedule).
 * - `0`, or a date already past, gives `minDelayMs`: a server that keeps saying "now" is not hammered.
 */
export function serverRequestedDelayMs(headers: Headers, serverNowMs: number, minDelayMs = 0): number | null {
  const floor = (ms: number): number => Math.max(minDelayMs, ms);
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return floor(Math.round(Number(retryAfter) * 1000));
    const date = httpDate(retryAfter);
    if (date !== null) {
      const serverNow = httpDate(headers.get('date') ?? '') ?? serverNowMs;
      return floor(Math.max(0, date - serverNow));
    }
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) return floor(Math.round(Number(reset) * 1000));
  return null;
}

// An HTTP date names its day and month; without this check Date.parse takes "-3" for a year.
function httpDate(text: string): number | null {
  const date = /[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? null : date;
}

/** The kind of a failed attempt, as far as retrying is concerned. */
export type FailureKind =
  /** 429: retried until the deadline; the server did not act on the request. */
  | 'throttled'
  /** Connection refused / name not resolved: the request never reached the server. */
  | 'not_sent'
  /** Reset after sending, per-request timeout, unreadable answer, 502/504/408: the server may have acted. */
  | 'ambiguous'
  /** 503: the server says it is unavailable and did not act. */
  | 'unavailable'
  /** Everything else (a 500 on a create included): not retried. */
  | 'final';

/**
 * Classifies a failed attempt from its error (status, code, ambiguity) and whether repeating the
 * request is harmless. A 500 on a read (a status check, a listing) is retried like a 502: giving up on
 * one would end a wait, and cancel a prediction already paid for, over a hiccup that a second read
 * rides out. A 500 on a create stays final: it is not repeated blindly.
 */
export function failureKind(error: ReplicateError, idempotent = false): FailureKind {
  if (error.status === 429) return 'throttled';
  if (error.status === 503) return 'unavailable';
  if (error.status === 502 || error.status === 504 || error.status === 408) return 'ambiguous';
  if (error.status === 500 && idempotent) return 'ambiguous';
  if (error.status === null && (error.code === 'network' || error.code === 'timeout')) {
    return error.ambiguous ? 'ambiguous' : 'not_sent';
  }
  return 'final';
}

/** What to do after a failed attempt. */
export type RetryDecision = { retry: false } | { retry: true; delayMs: number; fromServer: boolean };

/**
 * Decides whether to retry and after how long (before jitter and the deadline check).
 * @param kind the failure's kind
 * @param retriesSoFar retries already made in this request (the schedule index)
 * @param transientRetries retries already made for non-429 failures (bounded by maxRetries)
 * @param serverDelayMs what the server asked for, if anything
 */
export function decideRetry(
  schedule: RetrySchedule,
  kind: FailureKind,
  retriesSoFar: number,
  transientRetries: number,
  serverDelayMs: number | null,
): RetryDecision {
  if (kind === 'final') return { retry: false };
  if (kind !== 'throttled' && transientRetries >= schedule.maxRetries) return { retry: false };
  if (kind === 'throttled' && serverDelayMs !== null) return { retry: true, delayMs: serverDelayMs, fromServer: true };
  const index = Math.min(retriesSoFar, schedule.delaysMs.length - 1);
  return { retry: true, delayMs: schedule.delaysMs[index] ?? 0, fromServer: false };
}

/** Spreads a delay by ±jitterRatio using `random()` in [0, 1); 0.5 gives the exact delay. */
export function withJitter(delayMs: number, jitterRatio: number, random: () => number): number {
  if (jitterRatio === 0 || delayMs === 0) return delayMs;
  return Math.max(0, Math.round(delayMs * (1 + jitterRatio * (2 * random() - 1))));
}
