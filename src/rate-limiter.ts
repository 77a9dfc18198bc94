// Client-side rate limiting: token buckets that keep one client's requests under Replicate's limits
// (600 prediction creates and 3000 other requests per minute), so that a batch goes as fast as the
// limit allows and never sees a 429 in normal operation. The transport takes a token before every
// attempt (retries included); every call of one client shares the same buckets.

import { DEFAULT_RATE_LIMIT } from './defaults.js';

/** Which limit a request counts against: Replicate limits prediction creates apart from the rest. */
export type RateClass = 'create' | 'other';

/** The `rateLimit` option of the client. Every field has a default; `rateLimit: false` turns limiting off. */
export interface RateLimitOptions {
  /** Prediction creates per minute. Default 600 (Replicate's limit). */
  createsPerMinute?: number;
  /**
   * How many creates may go at once from a full bucket. Default: a minute's worth less one second's
   * (590 at 600/min). Replicate's (and the emulator's) bucket holds a minute's worth; keeping one
   * second's worth below it leaves the server slack for network jitter that bunches requests up.
   */
  burst?: number;
  /** Every other API request per minute (gets, cancels, lists, uploads). Default 3000; `false`: not limited. */
  otherPerMinute?: number | false;
  /** Burst of the other requests. Default: a minute's worth less one second's (2950 at 3000/min). */
  otherBurst?: number;
}

/** The default burst for a rate: a minute's worth less one second's, and at least 1. */
export function defaultBurst(perMinute: number): number {
  return Math.max(1, Math.floor(perMinute - perMinute / 60));
}

/**
 * A token bucket with reservations: `reserve()` takes a token now, or books the next one to refill
 * and says when it may be used. Reservations keep waiters in order and cost one number each, not a
 * queue entry. Refills continuously on the injected clock, like the emulator's bucket.
 */
export class TokenBucket {
  readonly perMinute: number;
  readonly burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedMs: number;

  constructor(perMinute: number, burst: number, now: () => number) {
    if (!(perMinute > 0) || !Number.isFinite(perMinute))
      throw new RangeError(`a rate must be a positive number per minute, got ${String(perMinute)}`);
    if (!Number.isInteger(burst) || burst < 1)
      throw new RangeError(`a burst must be a whole number of at least 1, got ${String(burst)}`);
    this.perMinute = perMinute;
    this.burst = burst;
    this.#perMs = perMinute / 60_000;
    this.#now = now;
    this.#tokens = burst;
    this.#updatedMs = now();
  }

  /** Tokens available now (negative while reservations are waiting). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /**
   * Takes a token. Returns the clock time from which it may be used: now when the bucket had one,
   * else the moment the refill covers this reservation (rounded up to a whole millisecond).
   */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens >= 0) return this.#updatedMs;
    return Math.ceil(this.#updatedMs + -this.#tokens / this.#perMs);
  }

  /** Gives back a reserved token that was not used (its waiter was aborted). */
  refund(): void {
    this.#refill();
    this.#tokens = Math.min(this.burst, this.#tokens + 1);
  }

  #refill(): void {
    const nowMs = this.#now();
    const elapsedMs = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.burst, this.#tokens + elapsedMs * this.#perMs);
    this.#updatedMs = Math.max(this.#updatedMs, nowMs);
  }
}

/** Waits `ms` (abortable by whoever supplies it); resolves early when the waiter is stopped. */
export type RateWait = (ms: number) => Promise<void>;

/** The buckets of one client: one for prediction creates and, unless turned off, one for the rest. */
export class RateLimiter {
  readonly #buckets: Partial<Record<RateClass, TokenBucket>>;
  readonly #now: () => number;

  /** @throws RangeError for a rate or burst that is not a positive number. */
  constructor(options: RateLimitOptions, now: () => number) {
    this.#now = now;
    const creates = options.createsPerMinute ?? DEFAULT_RATE_LIMIT.createsPerMinute;
    const others = options.otherPerMinute === undefined ? DEFAULT_RATE_LIMIT.otherPerMinute : options.otherPerMinute;
    this.#buckets = {
      create: new TokenBucket(creates, options.burst ?? defaultBurst(creates), now),
      ...(others === false ? {} : { other: new TokenBucket(others, options.otherBurst ?? defaultBurst(others), now) }),
    };
  }

  /** The bucket of a class, if it is limited. */
  bucket(rateClass: RateClass): TokenBucket | undefined {
    return this.#buckets[rateClass];
  }

  /**
   * Waits until a request of this class may go. `wait` sleeps (the transport's abortable wait);
   * `stopped` says whether the caller gave up meanwhile, in which case the token is given back.
   * Returns true when the request may go, false when it was stopped while waiting.
   */
  async acquire(rateClass: RateClass, wait: RateWait, stopped: () => boolean): Promise<boolean> {
    const bucket = this.#buckets[rateClass];
    if (!bucket) return true;
    const goAtMs = bucket.reserve();
    // Re-read the clock after each sleep: a timer may fire a little early, and a sleep stops early on abort.
    for (let nowMs = this.#now(); nowMs < goAtMs; nowMs = this.#now()) {
      if (stopped()) {
        bucket.refund();
        return false;
      }
      await wait(goAtMs - nowMs);
    }
    if (stopped()) {
      bucket.refund();
      return false;
    }
    return true;
  }
}

/** Whether a request is a prediction create (`POST .../predictions`), which Replicate limits apart. */
export function rateClassOf(method: string, pathname: string): RateClass {
  return method === 'POST' && /\/predictions\/?$/.test(pathname) ? 'create' : 'other';
}
