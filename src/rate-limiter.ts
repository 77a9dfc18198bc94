// Client-side rate limiting: token buckets that keep one client's requests under Replicate's limits
// (600 prediction creates and 3000 other requests per minute), so that a batch goes as fast as the
// limit allows and never sees a 429 in normal operation. The transport takes a token before every
// attempt (retries included); every call of one client shares the same buckets. Several clients on one
// key (processes, machines) share the key's limit through the API's own rate-limit headers: each one
// follows its share of the key's recent use (see SharedKey).

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
  /**
   * Follow the API's `ratelimit-remaining` / `ratelimit-reset` answers on creates, so that clients sharing
   * a key share its limit. Default true; false: this client's buckets alone decide (as before).
   */
  followServer?: boolean;
}

/** The default burst for a rate: a minute's worth less one second's, and at least 1. */
export function defaultBurst(perMinute: number): number {
  return Math.max(1, Math.floor(perMinute - perMinute / 60));
}

/**
 * A token bucket with tickets: `take()` books the next token and `readyAt(ticket)` says when it may be
 * used, on the bucket's current rate. Tickets keep waiters in order and cost one number each, not a
 * queue entry; a waiter re-asks after each sleep, so a rate lowered meanwhile (the server said the key
 * is shared) holds it back. Refills continuously on the injected clock, like the emulator's bucket.
 */
export class TokenBucket {
  /** The configured rate (the account's limit), per minute. */
  readonly perMinute: number;
  readonly burst: number;
  readonly #now: () => number;
  #perMs: number;
  // Tokens ever made available (the burst, refills, refunds, less what the server's answers took away)
  // and tickets ever handed out: ticket k may go once supply >= k; supply - issued is what is left.
  #supply: number;
  #issued = 0;
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
    this.#supply = burst;
    this.#updatedMs = now();
  }

  /** Tokens available now (negative while tickets are waiting). */
  get tokens(): number {
    this.#refill();
    return this.#supply - this.#issued;
  }

  /** The rate the bucket refills at now, per minute (lower than `perMinute` while the key is shared). */
  get refillPerMinute(): number {
    return this.#perMs * 60_000;
  }

  /** Books the next token; returns its ticket for `readyAt`. */
  take(): number {
    this.#refill();
    this.#issued += 1;
    return this.#issued;
  }

  /** The clock time from which a ticket may be used: now when it is covered, else when the refill covers it. */
  readyAt(ticket: number): number {
    this.#refill();
    if (this.#supply >= ticket) return this.#updatedMs;
    return Math.ceil(this.#updatedMs + (ticket - this.#supply) / this.#perMs);
  }

  /**
   * Takes a token. Returns the clock time from which it may be used: now when the bucket had one,
   * else the moment the refill covers this reservation at the current rate (rounded up to a whole ms).
   */
  reserve(): number {
    return this.readyAt(this.take());
  }

  /** Gives back a booked token that was not used (its waiter was aborted): every later ticket moves up. */
  refund(): void {
    this.#refill();
    this.#supply = Math.min(this.#issued + this.burst, this.#supply + 1);
  }

  /** Refills at `perMinute` from now on (at most the configured rate, at least a hundredth of it). */
  setRate(perMinute: number): void {
    this.#refill();
    this.#perMs = Math.min(this.perMinute, Math.max(this.perMinute / 100, perMinute)) / 60_000;
  }

  /**
   * Sets what may be sent from now on to `available` tokens (as the server's answers tell it), of which
   * `waiting` go first to the tickets already waiting; at most the burst.
   */
  setAvailable(available: number, waiting: number): void {
    this.#refill();
    this.#supply = Math.min(this.#issued + this.burst, this.#issued - waiting + available);
  }

  #refill(): void {
    const nowMs = this.#now();
    const elapsedMs = Math.max(0, nowMs - this.#updatedMs);
    this.#supply = Math.max(this.#supply, Math.min(this.#issued + this.burst, this.#supply + elapsedMs * this.#perMs));
    this.#updatedMs = Math.max(this.#updatedMs, nowMs);
  }
}

/** What one answer's rate-limit headers said, stamped with when its request was sent. */
interface ServerReading {
  /** The client's clock when the request went (the server took its token then, or just after). */
  atMs: number;
  /** `ratelimit-remaining`: whole tokens the key had left after this request. */
  remaining: number;
  /** When the key's bucket would be full again with nobody sending (from `ratelimit-reset`). */
  fullAtMs: number;
  /** How many of this client's own requests of the class had gone by then, this one included. */
  ownSent: number;
  /**
   * Whether `ownSent` is exact: not when other requests of this client went in the same millisecond, as
   * the server may have counted them before or after this one (such readings bound, but do not measure).
   */
  exact: boolean;
}

// How far back the readings go when estimating this client's share of the key's use, and how few
// tokens of the key's use make an estimate worth taking (fewer: the floor of `remaining` is too coarse).
const SHARE_WINDOW_MS = 8_000;
const SHARE_MIN_TOKENS = 4;
// How far back the readings go when choosing the n of an even share 1/n (see evenPartsNear): long enough
// that a client whose workers go in step (a lump of creates every few seconds) measures the same share
// whichever lumps the window happens to hold.
const EVEN_WINDOW_MS = 24_000;
// The recent stretch looked at when the key has tokens to spare (see #estimateShare, #leftByOthers).
const SHARE_RECENT_MS = 1_500;
// The stretch before a reading over which the key's drain is measured, to age the reading (see #bound).
const DRAIN_WINDOW_MS = 1_000;
// The longest a create waits for a token without asking the bucket again, while its client has less than
// the key's whole rate (see RateLimiter#sliceMs).
const FOLLOW_SLICE_MS = 200;
// A recent share from which a client counts as alone on the key (the rest is noise or a straggler).
const SHARE_ALONE = 0.8;
// The lowest share a client assumes, so that one that was idle can always win some rate back.
const SHARE_FLOOR = 0.02;
// Added to the share while requests are waiting for tokens: a client that wants more asks for a little
// more, so one that was idle or light wins its part back. What the clients ask for together beyond the
// key's rate comes out of the reserve, and the bound (below) hands it back.
const SHARE_NUDGE = 0.02;

/**
 * The n of the even share 1/n nearest to a measured share, keeping the current n while the measure is
 * within three quarters of a part of it: a share measured over a few seconds of the client's own sends
 * wavers by a tenth or more, and an n that flips with it would undo what evening out is for.
 */
export function evenPartsNear(share: number, current: number): number {
  const parts = 1 / share;
  return Math.abs(parts - current) < 0.75 ? current : Math.max(1, Math.round(parts));
}

/**
 * The server's view of a key shared with other clients (other processes, other machines): from the
 * `ratelimit-remaining` / `ratelimit-reset` headers of this client's own answers, its share of the
 * key's recent use, and a bound on what it may still send. The readings are stamped with the request's
 * send time, since a held `Prefer: wait` create is answered up to a minute later.
 */
class SharedKey {
  readonly #bucket: TokenBucket;
  readonly #perMs: number;
  /** Tokens of the key's bucket left unclaimed, for jitter that bunches requests up. */
  readonly #reserve: number;
  readonly #now: () => number;
  #readings: ServerReading[] = [];
  // Send times of this client's own recent requests of the class (ascending), and how many were dropped.
  #sends: number[] = [];
  #dropped = 0;
  #share = 1;
  #waiting = 0;
  #nextSlotMs = Number.NEGATIVE_INFINITY;
  // The n of the even share this client last took (see evenPartsNear).
  #evenParts = 1;

  constructor(bucket: TokenBucket, now: () => number) {
    this.#bucket = bucket;
    this.#perMs = bucket.perMinute / 60_000;
    // The same slack below the server's bucket as the burst keeps (a second's worth by default).
    this.#reserve = Math.max(bucket.perMinute / 60, bucket.perMinute - bucket.burst);
    this.#now = now;
  }

  /** This client's estimated share of the key's use (1 until the server's answers say otherwise). */
  get share(): number {
    return this.#share;
  }

  waiting(delta: number): void {
    this.#waiting += delta;
  }

  /**
   * When a create that may go at `nowMs` should go: then, unless another of this client's creates
   * already holds that millisecond; then the next free one.
   */
  slot(nowMs: number): number {
    const atMs = Math.max(nowMs, this.#nextSlotMs);
    this.#nextSlotMs = atMs + 1;
    return atMs;
  }

  /** Records one of this client's own sends. */
  sent(atMs: number): void {
    this.#sends.push(atMs);
    const horizon = atMs - 2 * EVEN_WINDOW_MS;
    let old = 0;
    while (old < this.#sends.length && (this.#sends[old] ?? Number.POSITIVE_INFINITY) < horizon) old += 1;
    if (old > 64) {
      this.#sends.splice(0, old);
      this.#dropped += old;
    }
  }

  /** Own sends at or before `atMs`, counted from the start. */
  #ownSentBy(atMs: number): number {
    return this.#dropped + this.#firstAfter(atMs);
  }

  /** The index of the first recorded send later than `atMs`. */
  #firstAfter(atMs: number): number {
    let lo = 0;
    let hi = this.#sends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#sends[mid] ?? Number.POSITIVE_INFINITY) <= atMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Takes in one answer's headers: re-estimates the share, and sets the bucket to its part of what is left. */
  observe(remaining: number, resetSeconds: number | null, sentAtMs: number): void {
    // A create held longer than the sends kept in memory (a long `Prefer: wait`) says nothing current.
    if (sentAtMs < this.#now() - 2 * SHARE_WINDOW_MS) return;
    const reading: ServerReading = {
      atMs: sentAtMs,
      remaining,
      fullAtMs:
        resetSeconds === null
          ? sentAtMs + Math.max(0, this.#bucket.perMinute - remaining) / this.#perMs
          : sentAtMs + Math.max(0, resetSeconds - 1) * 1000,
      ownSent: this.#ownSentBy(sentAtMs),
      exact: this.#firstAfter(sentAtMs) - this.#firstAfter(sentAtMs - 1) <= 1,
    };
    const readings = this.#readings;
    let at = readings.length;
    while (at > 0 && (readings[at - 1]?.atMs ?? Number.NEGATIVE_INFINITY) > sentAtMs) at -= 1;
    readings.splice(at, 0, reading);
    const newest = readings.at(-1) ?? reading;
    while (readings.length > 2 && (readings[0]?.atMs ?? Number.POSITIVE_INFINITY) < newest.atMs - EVEN_WINDOW_MS)
      readings.shift();
    if (readings.length > 256) readings.splice(0, readings.length - 256);
    this.#estimateShare();
    // An answer that arrives after a later one's (held creates end in any order) tells nothing newer.
    if (newest === reading) this.#bound(reading);
  }

  #estimateShare(): void {
    const readings = this.#readings;
    const newest = readings.at(-1);
    if (newest === undefined) return;
    if (newest.fullAtMs <= newest.atMs) {
      // The key's bucket is (nearly) full: nobody is using the key up, so nothing limits this client's share.
      this.#setShare(1);
      return;
    }
    if (!newest.exact) return;
    // The oldest exact reading in the window after which the bucket cannot have filled up (a full bucket hides use).
    const usable = (r: ServerReading): boolean => r !== newest && r.exact && r.fullAtMs >= newest.atMs;
    const oldest = readings.find((r) => usable(r) && newest.atMs - r.atMs <= SHARE_WINDOW_MS);
    if (!oldest) return;
    let measured = this.#shareSince(oldest, newest);
    if (measured === undefined) return;
    if (this.#waiting === 0) {
      this.#setShare(measured);
      return;
    }
    // The reading that starts the recent stretch, looked at only when the key has tokens to spare.
    const recent =
      newest.remaining > this.#reserve
        ? readings.findLast((r) => usable(r) && newest.atMs - r.atMs >= SHARE_RECENT_MS)
        : undefined;
    // The key has tokens to spare while this client waits, and of the key's use in the last couple of
    // seconds nearly all was its own: the others have stopped. The whole window says so only seconds
    // later; a client finishing its work alone takes the key's whole rate at once instead.
    if (newest.remaining > this.#reserve + SHARE_MIN_TOKENS) {
      const recentShare = recent && recent !== oldest ? this.#shareSince(recent, newest) : undefined;
      if (recentShare !== undefined && recentShare >= SHARE_ALONE) measured = Math.max(measured, recentShare);
    }
    // A client that wants more than it gets, and whose share is near 1/n of the key's use, takes exactly
    // 1/n: n clients that all want more converge on even shares at once, instead of keeping whatever
    // split the noise of the readings left them in (a share is measured from the client's own use, so
    // any split is otherwise stable). Uneven shares let one process finish its work seconds after the
    // others, with the key idle meanwhile. The n comes from the longer window (EVEN_WINDOW_MS), unless the
    // client is alone (then the recent share decides).
    const oldestEven = readings.find(usable);
    const evenMeasure =
      oldestEven && measured < SHARE_ALONE ? (this.#shareSince(oldestEven, newest) ?? measured) : measured;
    this.#evenParts = evenPartsNear(evenMeasure, this.#evenParts);
    this.#setShare(Math.max(1 / this.#evenParts + SHARE_NUDGE, this.#leftByOthers(recent, newest)));
  }

  /**
   * The part of the key's rate the others left unused since `recent` (given when the key has tokens above
   * the reserve): a client that wants more may take it all (it is more than its even share when another client has
   * finished or slowed down). Several clients taking it at once ask for more than the key's rate; the
   * bound holds them to their part of what is left, and the next readings show the others' use again.
   * Without this, the clients left once one has finished keep their even share for the seconds the
   * window takes to forget it, with the key idle meanwhile.
   */
  #leftByOthers(recent: ServerReading | undefined, newest: ServerReading): number {
    if (recent === undefined) return 0;
    const othersUsed = this.#usedBetween(recent, newest) - (newest.ownSent - recent.ownSent);
    return 1 - Math.max(0, othersUsed) / (newest.atMs - recent.atMs) / this.#perMs;
  }

  /** This client's part of the key's use between two readings, when there was enough use to tell. */
  #shareSince(older: ServerReading, newer: ServerReading): number | undefined {
    if (newer.atMs - older.atMs < 1_000) return undefined;
    const used = this.#usedBetween(older, newer);
    if (used < SHARE_MIN_TOKENS) return undefined;
    return Math.min(1, Math.max(SHARE_FLOOR, (newer.ownSent - older.ownSent) / used));
  }

  /** Tokens the key's users (this client and the others) took between two readings: its fall plus its refill. */
  #usedBetween(older: ServerReading, newer: ServerReading): number {
    return older.remaining - newer.remaining + (newer.atMs - older.atMs) * this.#perMs;
  }

  #setShare(share: number): void {
    this.#share = Math.min(1, share);
    this.#bucket.setRate(this.#bucket.perMinute * this.#share);
  }

  /**
   * What the server's reading leaves this client: its share of the tokens left above the reserve,
   * refilled since, less its own sends since. Below the reserve that part is negative: each client holds
   * back its share of the shortfall, so that clients asking for more than the key's rate together
   * (nudged shares, even shares next to a light client) settle just under the reserve, not at a 429.
   *
   * A reading is as old as its answer took (a second for a held create, up to a minute). While the key
   * is being used faster than it refills (the end of a fleet's burst), what was left at the reading has
   * kept going at that pace since: that much of it counts as gone, down to the reserve. Otherwise the
   * client whose creates happen to go first in each round keeps claiming its share of a surplus the
   * others have already spent, and takes the burst's last tokens (or a 429) from them.
   */
  #bound(reading: ServerReading): void {
    const nowMs = this.#now();
    const sinceMs = Math.max(0, nowMs - reading.atMs);
    const ownSince = this.#ownSentBy(nowMs) - reading.ownSent;
    const surplus = reading.remaining - this.#reserve;
    const spentSince = Math.max(0, Math.min(surplus, this.#drainPerMs(reading) * sinceMs));
    const available = this.#share * (surplus - spentSince + sinceMs * this.#perMs) - ownSince;
    this.#bucket.setAvailable(available, this.#waiting);
  }

  /** How fast the key's tokens went beyond its refill in the second before a reading (0: not draining). */
  #drainPerMs(reading: ServerReading): number {
    const earlier = this.#readings.findLast(
      (r) => r.atMs <= reading.atMs - DRAIN_WINDOW_MS && r.fullAtMs >= reading.atMs,
    );
    if (earlier === undefined) return 0;
    const elapsedMs = reading.atMs - earlier.atMs;
    return Math.max(0, (earlier.remaining - reading.remaining) / elapsedMs);
  }
}

/** Waits `ms` (abortable by whoever supplies it); resolves early when the waiter is stopped. */
export type RateWait = (ms: number) => Promise<void>;

/**
 * The buckets of one client: one for prediction creates and, unless turned off, one for the rest.
 * The create bucket also follows the API's `ratelimit-remaining` / `ratelimit-reset` answers (see
 * `observe`), so that several clients on one key (processes, machines) stay under the key's limit together.
 */
export class RateLimiter {
  readonly #buckets: Partial<Record<RateClass, TokenBucket>>;
  readonly #shared: SharedKey;
  readonly #followServer: boolean;
  readonly #now: () => number;

  /** @throws RangeError for a rate or burst that is not a positive number. */
  constructor(options: RateLimitOptions, now: () => number) {
    this.#now = now;
    const creates = options.createsPerMinute ?? DEFAULT_RATE_LIMIT.createsPerMinute;
    const others = options.otherPerMinute === undefined ? DEFAULT_RATE_LIMIT.otherPerMinute : options.otherPerMinute;
    const create = new TokenBucket(creates, options.burst ?? defaultBurst(creates), now);
    this.#buckets = {
      create,
      ...(others === false ? {} : { other: new TokenBucket(others, options.otherBurst ?? defaultBurst(others), now) }),
    };
    this.#shared = new SharedKey(create, now);
    this.#followServer = options.followServer ?? true;
  }

  /** The bucket of a class, if it is limited. */
  bucket(rateClass: RateClass): TokenBucket | undefined {
    return this.#buckets[rateClass];
  }

  /** This client's estimated share of the key's create rate, from the server's answers (1: not shared). */
  get createShare(): number {
    return this.#shared.share;
  }

  /**
   * Waits until a request of this class may go. `wait` sleeps (the transport's abortable wait);
   * `stopped` says whether the caller gave up meanwhile, in which case the token is given back.
   * Returns true when the request may go, false when it was stopped while waiting.
   */
  async acquire(rateClass: RateClass, wait: RateWait, stopped: () => boolean): Promise<boolean> {
    const bucket = this.#buckets[rateClass];
    if (!bucket) return true;
    const shared = rateClass === 'create' ? this.#shared : undefined;
    const ticket = bucket.take();
    shared?.waiting(1);
    try {
      // Re-ask after each sleep: a timer may fire a little early, a sleep stops early on abort, and the
      // server's answers may have changed the rate meanwhile.
      for (let goAtMs = bucket.readyAt(ticket), nowMs = this.#now(); nowMs < goAtMs; ) {
        if (stopped()) {
          bucket.refund();
          return false;
        }
        await wait(Math.min(goAtMs - nowMs, this.#sliceMs(shared)));
        goAtMs = bucket.readyAt(ticket);
        nowMs = this.#now();
      }
      // One create a millisecond: the answers of creates sent in the same millisecond cannot be told
      // apart (see ServerReading.exact), so a batch whose workers go in lumps would learn nothing about
      // its share of the key until the key ran out. A lump of n creates leaves over n milliseconds.
      const readyAtMs = this.#now();
      const slotMs = this.#followServer ? shared?.slot(readyAtMs) : undefined;
      if (slotMs !== undefined && slotMs > readyAtMs) await wait(slotMs - readyAtMs);
      if (stopped()) {
        bucket.refund();
        return false;
      }
      shared?.sent(this.#now());
      return true;
    } finally {
      shared?.waiting(-1);
    }
  }

  /**
   * How long a waiter may sleep before asking its bucket again. While this client has less than the
   * key's whole rate, the server's answers may raise what the bucket has for it at any time (another
   * client finished): a waiter asleep until the time the old figure gave would leave the key idle
   * meanwhile, so it sleeps in slices. At the whole rate nothing can raise it, and a waiter sleeps once.
   */
  #sliceMs(shared: SharedKey | undefined): number {
    return shared && this.#followServer && shared.share < 1 ? FOLLOW_SLICE_MS : Number.POSITIVE_INFINITY;
  }

  /**
   * Takes in an API answer's rate-limit headers (any status, 429 included). `sentAtMs` is when its
   * request went, on the client's clock. Only creates are followed: Replicate's other routes have limits
   * of their own (a GET of one prediction answers with a much higher one), so their figures do not add up.
   */
  observe(rateClass: RateClass, headers: Headers, sentAtMs: number): void {
    if (rateClass !== 'create' || !this.#followServer) return;
    const remaining = Number.parseInt(headers.get('ratelimit-remaining') ?? '', 10);
    if (!Number.isFinite(remaining) || remaining < 0) return;
    const reset = Number.parseFloat(headers.get('ratelimit-reset') ?? '');
    this.#shared.observe(remaining, Number.isFinite(reset) && reset >= 0 ? reset : null, sentAtMs);
  }
}

/** Whether a request is a prediction create (`POST .../predictions`), which Replicate limits apart. */
export function rateClassOf(method: string, pathname: string): RateClass {
  return method === 'POST' && /\/predictions\/?$/.test(pathname) ? 'create' : 'other';
}
