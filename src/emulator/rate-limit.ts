// Rate limits as token buckets per endpoint class and token: `create` (600/min on Replicate),
// `get` (reading one prediction: its own, much higher limit; recorded `ratelimit-remaining: 59999`)
// and `other` (3000/min). A bucket holds a minute's worth, so short bursts pass, and refills on the
// emulator clock, so `advanceClock` refills it too.

export type RateClass = 'create' | 'get' | 'other';

export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (the `ratelimit-reset` header). */
  resetSeconds: number;
  /** When refused: seconds until one token is back (the `Retry-After` header). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    /** Without a `get` limit, reading one prediction shares the `other` bucket's size. */
    private readonly perMinute: (Record<'create' | 'other', number> & { get?: number }) | false,
    private readonly now: () => number,
  ) {}

  take(rateClass: RateClass, key: string): RateDecision | undefined {
    if (this.perMinute === false) return undefined;
    const capacity = this.perMinute[rateClass] ?? this.perMinute.other;
    const perMs = capacity / 60_000;
    const id = `${rateClass}:${key}`;
    const nowMs = this.now();
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { tokens: capacity, updatedMs: nowMs };
      this.buckets.set(id, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, nowMs - bucket.updatedMs) * perMs);
    bucket.updatedMs = nowMs;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const resetSeconds = Math.max(1, Math.ceil((capacity - bucket.tokens) / perMs / 1000));
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    return { allowed, remaining: Math.floor(bucket.tokens), resetSeconds, retryAfterSeconds };
  }

  clear(): void {
    this.buckets.clear();
  }
}
