// The lower layer: one function per Replicate endpoint the library uses, over the one transport.
// Creates are made safe against double billing here: after an ambiguous failure the prediction the
// lost request may have created is looked up and adopted instead of creating another.

import { LIVE_ADOPTION_SKEW_MS } from './defaults.js';
import { HttpError, InvalidInputError, type ReplicateError } from './errors.js';
import { canonical, inputMatches } from './internal/canonical.js';
import { quoted } from './internal/printable.js';
import { parseModelRef } from './models.js';
import type { ApiResponse, RetryInfo, Transport } from './transport.js';
import type { CreatePredictionOptions, PredictionTarget } from './types/options.js';
import { isPrediction, type Prediction, type PredictionPage, type UploadedFile } from './types/prediction.js';

// Only recent predictions can be mistaken for a lost create's, so the ledger keeps the newest ids:
// memory stays flat however many predictions a long-lived client makes.
const OWNED_IDS_KEPT = 10_000;

/**
 * What one client owns and is creating, so that a create whose answer was lost adopts its own
 * prediction and never another call's.
 */
export class PredictionLedger {
  readonly #owned = new Set<string>();
  readonly #creating = new Map<string, Set<Promise<unknown>>>();

  /** True when a call of this client already returned (or adopted) this prediction. */
  owns(id: string): boolean {
    return this.#owned.has(id);
  }

  /** Records a prediction as returned by (or adopted for) one call. */
  claim(id: string): void {
    this.#owned.add(id);
    if (this.#owned.size > OWNED_IDS_KEPT) {
      const oldest = this.#owned.values().next().value;
      if (oldest !== undefined) this.#owned.delete(oldest);
    }
  }

  /** The creates of the same model and input already in flight. */
  inFlight(key: string): Promise<unknown>[] {
    return [...(this.#creating.get(key) ?? [])];
  }

  /** Makes a create visible to later creates of the same key until it settles. */
  track(key: string, create: Promise<unknown>): void {
    const set = this.#creating.get(key) ?? new Set<Promise<unknown>>();
    set.add(create);
    this.#creating.set(key, set);
    const done = (): void => {
      set.delete(create);
      if (set.size === 0 && this.#creating.get(key) === set) this.#creating.delete(key);
    };
    create.then(done, done);
  }
}

/** Internal knobs the client passes down to a create. */
export interface CreateContext {
  deadline: number;
  /** When the calling operation started, on the client's clock (the adoption window starts here). */
  startedAt: number;
  /** What this client owns and is creating: a lost create never adopts another call's prediction. */
  ledger: PredictionLedger;
  onRetry?: (info: RetryInfo) => void;
  cleanup?: boolean;
}

// Once the API's clock is known (to the second, from `Date`), how much earlier than the call's start (in
// server time) a prediction may have been created and still be the call's: the header's one-second
// resolution plus a round trip. Anything older was made by someone else (another process, same input).
const ADOPTION_MARGIN_MS = 2_000;

/** Resolves the target to its endpoint and body fields; throws InvalidInputError when it makes no sense. */
export function resolveTarget(target: PredictionTarget): { path: string; version?: string; model: string | null } {
  const given = [target.model, target.version, target.deployment].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new InvalidInputError('Give exactly one of model, version or deployment');
  }
  if (target.deployment !== undefined) {
    const ref = parseModelRef(target.deployment);
    if (!ref || ref.version)
      throw new InvalidInputError(`Invalid deployment name: ${quoted(target.deployment)} (expected owner/name)`);
    return { path: `/deployments/${encodePath(ref.model)}/predictions`, model: null };
  }
  if (target.model !== undefined) {
    const ref = parseModelRef(target.model);
    if (!ref)
      throw new InvalidInputError(`Invalid model: ${quoted(target.model)} (expected owner/name or owner/name:version)`);
    if (ref.version) return { path: '/predictions', version: ref.version, model: ref.model };
    return { path: `/models/${encodePath(ref.model)}/predictions`, model: ref.model };
  }
  const version = typeof target.version === 'string' ? target.version : '';
  const ref = parseModelRef(version);
  if (ref?.version) return { path: '/predictions', version: ref.version, model: ref.model };
  if (/^[A-Za-z0-9]+$/.test(version)) return { path: '/predictions', version, model: null };
  throw new InvalidInputError(`Invalid version: ${quoted(target.version)}`);
}

function encodePath(model: string): string {
  return model.split('/').map(encodeURIComponent).join('/');
}

/** `Cancel-After` value for a deadline `ms` from now: whole seconds, at least Replicate's minimum of 5. */
export function cancelAfterHeader(ms: number): string {
  return `${Math.max(5, Math.ceil(ms / 1000))}s`;
}

/** Creates a prediction; after an ambiguous failure adopts the prediction it made rather than making another. */
export async function createPrediction(
  transport: Transport,
  options: CreatePredictionOptions,
  context: CreateContext,
): Promise<Prediction> {
  if (typeof options.input !== 'object' || options.input === null || Array.isArray(options.input)) {
    throw new InvalidInputError('input must be an object of model inputs');
  }
  const target = resolveTarget(options);
  const headers: Record<string, string> = {};
  let waitSeconds = 0;
  if (options.wait !== undefined && options.wait !== false) {
    waitSeconds = options.wait === true ? 60 : Math.min(60, Math.max(1, Math.ceil(options.wait)));
    if (!Number.isFinite(waitSeconds)) throw new InvalidInputError('wait must be true or a number of seconds (1-60)');
    headers.Prefer = `wait=${waitSeconds}`;
  }
  if (options.cancelAfterMs !== undefined) {
    if (!Number.isFinite(options.cancelAfterMs) || options.cancelAfterMs <= 0) {
      throw new InvalidInputError('cancelAfterMs must be a positive number of milliseconds');
    }
    headers['Cancel-After'] = cancelAfterHeader(options.cancelAfterMs);
  }
  const body: Record<string, unknown> = { input: options.input };
  if (target.version !== undefined) body.version = target.version;
  if (options.webhook !== undefined) body.webhook = options.webhook;
  if (options.webhookEventsFilter !== undefined) body.webhook_events_filter = options.webhookEventsFilter;
  if (options.stream !== undefined) body.stream = options.stream;

  // Identical creates started earlier by this client may still be waiting for their answers: once they
  // have settled, their predictions are owned and cannot be mistaken for this one's. (Only earlier ones:
  // two lost creates then never wait for each other.)
  const key = canonical([target.path, target.version ?? null, options.input]);
  const earlier = context.ledger.inFlight(key);
  const recover = async (error: ReplicateError): Promise<ApiResponse | null> => {
    transport.log('warn', `create may have succeeded despite "${error.message}"; looking for the prediction it made`);
    await Promise.allSettled(earlier);
    const found = await findCreatedPrediction(transport, {
      target: options,
      input: options.input,
      since: context.startedAt,
      ledger: context.ledger,
      deadline: context.deadline,
      signal: options.signal,
      cleanup: context.cleanup,
    });
    return found ? { status: 201, headers: new Headers(), body: found } : null;
  };

  const request = transport.request({
    method: 'POST',
    path: target.path,
    json: body,
    headers,
    signal: options.signal,
    deadline: context.deadline,
    // A held answer takes as long as the wait, on top of the usual per-request allowance.
    timeoutMs: waitSeconds * 1000 + transport.requestTimeoutMs,
    idempotent: false,
    recover,
    onRetry: context.onRetry,
    cleanup: context.cleanup,
  });
  context.ledger.track(key, request);
  const prediction = expectPrediction((await request).body, 'create');
  context.ledger.claim(prediction.id);
  return prediction;
}

/** What a lost create would have made. */
export interface AdoptionQuery {
  target: PredictionTarget;
  input: Record<string, unknown>;
  since: number;
  ledger: PredictionLedger;
  deadline: number;
  signal: AbortSignal | undefined;
  cleanup: boolean | undefined;
}

/**
 * Looks for a prediction created (by a create whose answer was lost) since the call started, for the same
 * model or version and the same input, that this client does not already own. "Since" is in the API's
 * clock, learned from the `Date` header of the answers (the list's own included), less
 * `ADOPTION_MARGIN_MS`; without one, 30 s of skew is allowed. Among the matches the newest is taken: an
 * identical prediction another process made just before the call must not be adopted (and canceled).
 */
export async function findCreatedPrediction(transport: Transport, query: AdoptionQuery): Promise<Prediction | null> {
  const { model, version = null } = resolveTarget(query.target);
  const earliest = (): number => {
    const serverStart = transport.serverTime(query.since);
    return serverStart === null ? query.since - LIVE_ADOPTION_SKEW_MS : serverStart - ADOPTION_MARGIN_MS;
  };
  const response = await transport.request({
    method: 'GET',
    path: '/predictions',
    query: { created_after: new Date(earliest()).toISOString() },
    signal: query.signal,
    deadline: query.deadline,
    cleanup: query.cleanup,
  });
  const page = expectPage(response.body);
  // The list's answer has just refreshed what we know of the server's clock.
  const notBefore = earliest();
  const matches = page.results.filter(
    (p) =>
      !query.ledger.owns(p.id) &&
      !(Date.parse(p.created_at) < notBefore) &&
      (model === null || p.model === model) &&
      (version === null || p.version === version) &&
      inputMatches(query.input, p.input),
  );
  const newest = matches.reduce<Prediction | null>(
    (best, p) => (best === null || Date.parse(p.created_at) > Date.parse(best.created_at) ? p : best),
    null,
  );
  if (newest) query.ledger.claim(newest.id);
  return newest;
}

/** `GET /predictions/{id}`. */
export async function getPrediction(
  transport: Transport,
  id: string,
  options: { signal?: AbortSignal; deadline?: number; onRetry?: (info: RetryInfo) => void; cleanup?: boolean },
): Promise<Prediction> {
  const response = await transport.request({
    method: 'GET',
    path: `/predictions/${encodeURIComponent(checkId(id))}`,
    predictionId: id,
    ...options,
  });
  return expectPrediction(response.body, 'get');
}

/** `POST /predictions/{id}/cancel` (repeating it is harmless). */
export async function cancelPrediction(
  transport: Transport,
  id: string,
  options: { signal?: AbortSignal; deadline?: number; cleanup?: boolean; timeoutMs?: number },
): Promise<Prediction> {
  const response = await transport.request({
    method: 'POST',
    path: `/predictions/${encodeURIComponent(checkId(id))}/cancel`,
    predictionId: id,
    idempotent: true,
    ...options,
  });
  return expectPrediction(response.body, 'cancel');
}

/** `GET /predictions`, newest first, one page at a time, following `next`. */
export async function* listPredictions(
  transport: Transport,
  options: { createdAfter?: Date | string; createdBefore?: Date | string; signal?: AbortSignal; deadline?: number },
): AsyncGenerator<Prediction[], void, undefined> {
  const iso = (d: Date | string | undefined): string | undefined =>
    d === undefined ? undefined : d instanceof Date ? d.toISOString() : d;
  let path: string | null = '/predictions';
  let query: Record<string, string | undefined> | undefined = {
    created_after: iso(options.createdAfter),
    created_before: iso(options.createdBefore),
  };
  while (path !== null) {
    const response: ApiResponse = await transport.request({
      method: 'GET',
      path,
      query,
      signal: options.signal,
      deadline: options.deadline,
    });
    const page = expectPage(response.body);
    yield page.results;
    path = page.next;
    query = undefined; // `next` carries the cursor and the filters
  }
}

/** `POST /files`: uploads bytes for use as a model input. */
export async function uploadFile(
  transport: Transport,
  content: Blob,
  options: { filename: string; signal?: AbortSignal; deadline?: number; onRetry?: (info: RetryInfo) => void },
): Promise<UploadedFile> {
  const form = new FormData();
  form.set('content', content, options.filename);
  form.set('metadata', '{}');
  const response = await transport.request({
    method: 'POST',
    path: '/files',
    form,
    signal: options.signal,
    deadline: options.deadline,
    onRetry: options.onRetry,
    // A duplicate upload costs nothing and expires within a day.
    idempotent: true,
  });
  const file = response.body as UploadedFile | null;
  if (!file || typeof file !== 'object' || typeof file.urls?.get !== 'string') {
    throw new HttpError('POST /files answered without a file URL');
  }
  return file;
}

/** `GET /webhooks/default/secret`: the `whsec_...` key deliveries are signed with. */
export async function getWebhookSecret(
  transport: Transport,
  options: { signal?: AbortSignal; deadline?: number },
): Promise<string> {
  const response = await transport.request({ method: 'GET', path: '/webhooks/default/secret', ...options });
  const key = (response.body as { key?: unknown } | null)?.key;
  if (typeof key !== 'string') throw new HttpError('GET /webhooks/default/secret answered without a key');
  return key;
}

function checkId(id: string): string {
  // Real ids are 26 characters; a longer "id" is a mistake (and would put a huge label in every message).
  if (typeof id !== 'string' || id.length > 200 || !/^[A-Za-z0-9_-]+$/.test(id)) {
    throw new InvalidInputError(`Invalid prediction id: ${quoted(id)}`);
  }
  return id;
}

function expectPrediction(body: unknown, what: string): Prediction {
  if (!isPrediction(body)) throw new HttpError(`The ${what} answer is not a prediction object`);
  return body;
}

function expectPage(body: unknown): PredictionPage {
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
