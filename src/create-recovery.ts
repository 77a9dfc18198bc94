// Recovering from a create whose answer was lost (a reset, a timeout, a 5xx after the server may have
// acted): which predictions this client owns and is creating (the ledger), the look for the prediction a
// lost create made (every page of the listing), the settle window before a create is ever re-sent, and
// the final sweep that cancels any other prediction a call caused. docs/client.md, "When a create's
// answer is lost", says what this guarantees and what it costs.

import { LIVE_ADOPTION_SKEW_MS } from './defaults.js';
import { HttpError, ReplicateError } from './errors.js';
import { inputMatches } from './internal/canonical.js';
import type { ApiResponse, Transport } from './transport.js';
import { isPrediction, type Prediction, type PredictionPage } from './types/prediction.js';

// Only recent predictions can be mistaken for a lost create's, so the ledger keeps the newest ids:
// memory stays flat however many predictions a long-lived client makes.
const OWNED_IDS_KEPT = 10_000;

// Once the API's clock is known (to the second, from `Date`), how much earlier than the call's start (in
// server time) a prediction may have been created and still be the call's: the header's one-second
// resolution plus a round trip. Anything older was made by someone else (another process, same input).
const ADOPTION_MARGIN_MS = 2_000;

// Pages read in one look, at most (100 predictions each): a server whose `next` never ends cannot keep
// a look going; the deadline bounds it too.
const MAX_LOOKUP_PAGES = 1_000;

// The first wait between looks in the settle window; each next one doubles.
const FIRST_SETTLE_LOOK_MS = 250;

/**
 * One create request of this client on the wire (one attempt; a retry is another). Its `done` promise is
 * made only when a looker asks for it (a lost create, rare): every create in flight holds its attempt.
 */
class Attempt {
  #ended = false;
  #done: Promise<void> | null = null;
  #resolve: (() => void) | null = null;

  readonly #onWire: Map<string, Attempt[]>;
  readonly #key: string;

  /** Listed in `onWire` under `key` until it ends. */
  constructor(onWire: Map<string, Attempt[]>, key: string) {
    this.#onWire = onWire;
    this.#key = key;
    const list = onWire.get(key);
    if (list) list.push(this);
    else onWire.set(key, [this]);
  }

  /** Resolves when the attempt ends (answered, failed or given up as lost). */
  get done(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#done ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#done;
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const list = this.#onWire.get(this.#key);
    if (list) {
      const at = list.indexOf(this);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.#onWire.delete(this.#key);
    }
    this.#resolve?.();
  }
}

/**
 * What one client owns and is creating, so that a create whose answer was lost adopts its own
 * prediction and never another call's. Claims are synchronous: two lookers never adopt the same one.
 */
export class PredictionLedger {
  readonly #owned = new Set<string>();
  /**
   * With a journal a fleet shares: of these ids, those another process journaled as its own (a twin's
   * identical call). They are never adopted nor swept as this client's.
   */
  knownElsewhere: ((ids: readonly string[]) => Promise<ReadonlySet<string>>) | null = null;
  /** The attempts on the wire by key: almost always one (identical creates at once are rare). */
  readonly #attempts = new Map<string, Attempt[]>();

  /** True when a call of this client already returned (or adopted, or canceled as a stray) this prediction. */
  owns(id: string): boolean {
    return this.#owned.has(id);
  }

  /** Records a prediction as one call's; false when a call of this client had already claimed it. */
  claim(id: string): boolean {
    if (this.#owned.has(id)) return false;
    this.#owned.add(id);
    if (this.#owned.size > OWNED_IDS_KEPT) {
      const oldest = this.#owned.values().next().value;
      if (oldest !== undefined) this.#owned.delete(oldest);
    }
    return true;
  }

  /** Marks one create attempt of `key` (model + input) as on the wire until `end()`. */
  beginAttempt(key: string): { end(): void } {
    return new Attempt(this.#attempts, key);
  }

  /** The attempts of `key` on the wire now (a lost one has already ended: two lookers never wait on each other). */
  attemptsInFlight(key: string): Promise<void>[] {
    return (this.#attempts.get(key) ?? []).map((a) => a.done);
  }
}

/** What one call's creates lost: the attempts whose answer never came, and how many of those were found. */
export class LostCreates {
  /** Create attempts that failed ambiguously (each may have made a prediction). */
  lost = 0;
  /** Of those, the ones whose prediction was found (adopted, or canceled after giving up). */
  found = 0;
  /** The look for them, once a create was lost. */
  query: LostCreateQuery | null = null;

  /** Predictions this call may have made and not yet accounted for: what the final sweep looks for. */
  get unaccounted(): number {
    return Math.max(0, this.lost - this.found);
  }
}

/** What a lost create would have made, and how long and how hard to look for it. */
export interface LostCreateQuery {
  /** `owner/name` the prediction reports, or null when the target does not say (a bare version, a deployment). */
  model: string | null;
  version: string | null;
  input: Record<string, unknown>;
  /** The create's key in the ledger (model and input). */
  key: string;
  /** When the call started, on the client's clock (the look's window starts here). */
  since: number;
  ledger: PredictionLedger;
  deadline: number;
  signal: AbortSignal | undefined;
  cleanup?: boolean | undefined;
}

/** `GET /predictions` answer, checked. */
export function expectPage(body: unknown): PredictionPage {
  const page = body as Partial<PredictionPage> | null;
  if (!page || typeof page !== 'object' || !Array.isArray(page.results)) {
    throw new HttpError('The prediction list answer is not a page of predictions');
  }
  return {
    results: page.results.filter(isPrediction),
    next: typeof page.next === 'string' ? page.next : null,
    previous: typeof page.previous === 'string' ? page.previous : null,
  };
}

/**
 * Every prediction created since the call started (on the API's clock, less a margin; 30 s of skew until
 * the clock is known) for the same model or version and input, that this client does not own, newest
 * first. Reads every page (newest first) until one reaches back before the window, or there is no next.
 */
export async function findUnowned(transport: Transport, query: LostCreateQuery): Promise<Prediction[]> {
  const earliest = (): number => {
    const serverStart = transport.serverTime(query.since);
    return serverStart === null ? query.since - LIVE_ADOPTION_SKEW_MS : serverStart - ADOPTION_MARGIN_MS;
  };
  const matches: Prediction[] = [];
  const visited = new Set<string>();
  let path: string | null = '/predictions';
  let params: Record<string, string> | undefined = { created_after: new Date(earliest()).toISOString() };
  for (let pages = 0; path !== null && pages < MAX_LOOKUP_PAGES; pages++) {
    const response: ApiResponse = await transport.request({
      method: 'GET',
      path,
      query: params,
      signal: query.signal,
      deadline: query.deadline,
      cleanup: query.cleanup,
    });
    const page = expectPage(response.body);
    // Each answer refreshes what we know of the server's clock.
    const notBefore = earliest();
    let oldest = Number.POSITIVE_INFINITY;
    for (const p of page.results) {
      const created = Date.parse(p.created_at);
      if (created < oldest) oldest = created;
      if (
        !(created < notBefore) &&
        (query.model === null || p.model === query.model) &&
        (query.version === null || p.version === query.version) &&
        inputMatches(query.input, p.input)
      )
        matches.push(p);
    }
    // Newest first: a page that reaches back before the window is the last one that can hold a match.
    if (page.results.length === 0 || oldest < notBefore || page.next === null || visited.has(page.next)) break;
    visited.add(page.next);
    path = page.next;
    params = undefined; // `next` carries the cursor and the filters
  }
  const unowned = matches.filter((p) => !query.ledger.owns(p.id));
  const elsewhere =
    unowned.length > 0 && query.ledger.knownElsewhere
      ? await query.ledger.knownElsewhere(unowned.map((p) => p.id))
      : new Set<string>();
  return unowned
    .filter((p) => !elsewhere.has(p.id))
    .sort((a, b) => (Date.parse(b.created_at) || 0) - (Date.parse(a.created_at) || 0));
}

/**
 * Looks once for the prediction a lost create made and claims it (the newest unowned match: an identical
 * prediction another process made just before the call must not be adopted). Null when there is none.
 */
export async function findCreatedPrediction(transport: Transport, query: LostCreateQuery): Promise<Prediction | null> {
  const candidates = await findUnowned(transport, query);
  // The claim is made after the listing, synchronously: a match another call claimed meanwhile is skipped.
  return candidates.find((p) => query.ledger.claim(p.id)) ?? null;
}

/**
 * After a lost create: waits for this client's other identical creates on the wire (their predictions
 * are then owned, never mistaken for this one's), then looks, and looks again with backoff until
 * `settleMs` has passed since the loss (a queue may write the prediction late). Null when nothing
 * appeared: only then may the create be re-sent. Every wait honours the deadline, the signal and close().
 * @throws CanceledError / ClosedError / TimeoutError when stopped; the listing's errors.
 */
export async function settleLostCreate(
  transport: Transport,
  query: LostCreateQuery,
  settleMs: number,
): Promise<Prediction | null> {
  const lostAt = transport.now();
  for (let delay = FIRST_SETTLE_LOOK_MS; ; delay *= 2) {
    await waitForAttempts(transport, query.ledger.attemptsInFlight(query.key), query);
    const found = await findCreatedPrediction(transport, query);
    if (found) return found;
    const left = Math.min(settleMs - (transport.now() - lostAt), query.deadline - transport.now());
    if (left <= 0) return null;
    await transport.wait(Math.min(delay, left), query);
    transport.throwIfStopped({ signal: query.signal, cleanup: query.cleanup });
    // At the deadline there is no time left to look, nor to re-send: the caller gives up (and looks once more).
    if (transport.now() >= query.deadline) return null;
  }
}

/** A prediction a call caused beside the one it kept, found and canceled by the final sweep. */
export interface Stray {
  /** As the listing showed it. */
  prediction: Prediction;
  /** What the cancel answered (null when the cancel failed): only `canceled` is the end of it. */
  afterCancel: Prediction | null;
}

/**
 * The final sweep of a call that lost creates: finds up to `count` unowned predictions of the call's
 * model and input created in its window (newest first), claims them, and cancels each. Never throws.
 */
export async function sweepStrays(transport: Transport, query: LostCreateQuery, count: number): Promise<Stray[]> {
  if (count <= 0) return [];
  let candidates: Prediction[];
  try {
    candidates = await findUnowned(transport, query);
  } catch (error) {
    transport.log('warn', `could not look for other predictions a lost create made: ${describe(error)}`);
    return [];
  }
  const strays: Stray[] = [];
  for (const prediction of candidates) {
    if (strays.length >= count) break;
    if (!query.ledger.claim(prediction.id)) continue;
    let afterCancel: Prediction | null = null;
    try {
      const response = await transport.request({
        method: 'POST',
        path: `/predictions/${encodeURIComponent(prediction.id)}/cancel`,
        predictionId: prediction.id,
        idempotent: true,
        signal: query.signal,
        deadline: query.deadline,
        cleanup: query.cleanup,
      });
      afterCancel = isPrediction(response.body) ? response.body : null;
    } catch (error) {
      transport.log('warn', `could not cancel prediction ${prediction.id}, made by a lost create: ${describe(error)}`);
    }
    if (afterCancel)
      transport.log('warn', `prediction ${prediction.id} was made by a lost create of this call; canceled it`);
    strays.push({ prediction, afterCancel });
  }
  return strays;
}

/** Waits for `attempts` to end, until the deadline, the signal or close(). @throws when stopped */
async function waitForAttempts(
  transport: Transport,
  attempts: Promise<void>[],
  query: Pick<LostCreateQuery, 'deadline' | 'signal' | 'cleanup'>,
): Promise<void> {
  if (attempts.length === 0) return;
  const stop = transport.stopSignal(query);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      Promise.all(attempts),
      // The attempts end on real time (their own request timeouts), so the bound is a real timer too.
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, query.deadline - transport.now()));
      }),
      new Promise<void>((resolve) => {
        if (!stop) return;
        onAbort = resolve;
        if (stop.aborted) resolve();
        else stop.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) stop?.removeEventListener('abort', onAbort);
  }
  transport.throwIfStopped(query);
}

function describe(error: unknown): string {
  return error instanceof ReplicateError || error instanceof Error ? error.message : String(error);
}
