// The lower layer: one function per Replicate endpoint the library uses, over the one transport.
// Creates are made safe against double billing here: after an ambiguous failure the prediction the
// lost request may have created is looked up and adopted instead of creating another.

import {
  expectPage,
  type LostCreateQuery,
  LostCreates,
  type PredictionLedger,
  settleLostCreate,
} from './create-recovery.js';
import { DEFAULT_CREATE_SETTLE_MS } from './defaults.js';
import { HttpError, InvalidInputError, ReplicateError } from './errors.js';
import { canonical } from './internal/canonical.js';
import { quoted } from './internal/printable.js';
import { parseModelRef } from './models.js';
import type { ApiRequest, ApiResponse, RetryInfo, Transport } from './transport.js';
import type { CreatePredictionOptions, PredictionTarget } from './types/options.js';
import { isPrediction, type Prediction, type UploadedFile } from './types/prediction.js';

export { findCreatedPrediction, PredictionLedger } from './create-recovery.js';

/** Internal knobs the client passes down to a create. */
export interface CreateContext {
  deadline: number;
  /** When the calling operation started, on the client's clock (the adoption window starts here). */
  startedAt: number;
  /** What this client owns and is creating: a lost create never adopts another call's prediction. */
  ledger: PredictionLedger;
  onRetry?: (info: RetryInfo) => void;
  cleanup?: boolean;
  /** How long after a lost create to keep looking for its prediction before re-sending it. */
  settleMs?: number;
  /** Filled in with what the creates lost (for the caller's final sweep); a fresh one when absent. */
  lost?: LostCreates;
}

/** Where a create goes: its endpoint, and the version and model it names (null when the target hides it). */
export interface ResolvedTarget {
  readonly path: string;
  readonly version?: string;
  readonly model: string | null;
}

// A batch names the same model thousands of times: its resolution is kept (a few models per client at
// most; the cap only bounds a program that invents model names).
const resolvedModels = new Map<string, ResolvedTarget>();
const RESOLVED_MODELS_CAP = 256;

/** Resolves the target to its endpoint and body fields; throws InvalidInputError when it makes no sense. */
export function resolveTarget(target: PredictionTarget): ResolvedTarget {
  const byModel = target.version === undefined && target.deployment === undefined ? target.model : undefined;
  if (typeof byModel === 'string') {
    const known = resolvedModels.get(byModel);
    if (known) return known;
    const resolved = Object.freeze(resolveAny(target));
    if (resolvedModels.size >= RESOLVED_MODELS_CAP) resolvedModels.clear();
    resolvedModels.set(byModel, resolved);
    return resolved;
  }
  return resolveAny(target);
}

function resolveAny(target: PredictionTarget): ResolvedTarget {
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

  // What identical creates of this client share (see CreateRequest).
  const key = canonical([target.path, target.version ?? null, options.input]);
  const lost = context.lost ?? new LostCreates();
  const query: LostCreateQuery = {
    model: target.model,
    version: target.version ?? null,
    input: options.input,
    key,
    since: context.startedAt,
    ledger: context.ledger,
    deadline: context.deadline,
    signal: options.signal,
    cleanup: context.cleanup,
  };
  lost.query = query;
  const settleMs = context.settleMs ?? DEFAULT_CREATE_SETTLE_MS;
  const request = new CreateRequest(transport, {
    path: target.path,
    json: body,
    headers,
    signal: options.signal,
    deadline: context.deadline,
    // A held answer takes as long as the wait, on top of the usual per-request allowance.
    timeoutMs: waitSeconds * 1000 + transport.requestTimeoutMs,
    onRetry: context.onRetry,
    cleanup: context.cleanup,
    query,
    lost,
    settleMs,
  });

  for (;;) {
    let response: ApiResponse;
    try {
      response = await transport.request(request);
    } catch (error) {
      // A failure the transport did not look into (no retry left, stopped) may still have made one.
      if (error instanceof ReplicateError && error.ambiguous && !request.attemptLost) lost.lost += 1;
      throw error;
    } finally {
      request.endAttempt();
    }
    const prediction = expectPrediction(response.body, 'create');
    // Adopted after a loss: already claimed by the look.
    if (response.headers === ADOPTED) return prediction;
    if (context.ledger.claim(prediction.id)) return prediction;
    // Another call of this client, looking for its own lost create, took this one (identical input):
    // take its place, and look for the prediction its lost create made (or re-send once none appears).
    lost.lost += 1;
    transport.log('info', `prediction ${prediction.id} was adopted by an identical call; looking for the one it lost`);
    const found = await settleLostCreate(transport, query, settleMs);
    if (found) {
      lost.found += 1;
      return found;
    }
  }
}

/**
 * The create as the transport sends it, with what its attempts need (a class, not closures: every
 * create in flight holds it until its answer). Each attempt on the wire is visible to this client's
 * other identical creates: a looker waits for them to be answered (their predictions are then owned)
 * before it looks. A lost attempt has ended, so two lost creates never wait for each other.
 */
class CreateRequest implements ApiRequest {
  readonly method = 'POST' as const;
  readonly idempotent = false;
  readonly path: string;
  readonly json: unknown;
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal | undefined;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
  readonly cleanup: boolean | undefined;
  /** Whether the latest attempt was given up as lost (and counted in `lost`). */
  attemptLost = false;
  readonly #transport: Transport;
  readonly #query: LostCreateQuery;
  readonly #lost: LostCreates;
  readonly #settleMs: number;
  #attempt: { end(): void } | null = null;

  constructor(
    transport: Transport,
    fields: Pick<
      CreateRequest,
      'path' | 'json' | 'headers' | 'signal' | 'deadline' | 'timeoutMs' | 'onRetry' | 'cleanup'
    > & { query: LostCreateQuery; lost: LostCreates; settleMs: number },
  ) {
    this.path = fields.path;
    this.json = fields.json;
    this.headers = fields.headers;
    this.signal = fields.signal;
    this.deadline = fields.deadline;
    this.timeoutMs = fields.timeoutMs;
    this.onRetry = fields.onRetry;
    this.cleanup = fields.cleanup;
    this.#transport = transport;
    this.#query = fields.query;
    this.#lost = fields.lost;
    this.#settleMs = fields.settleMs;
  }

  onAttempt(): void {
    this.endAttempt();
    this.#attempt = this.#query.ledger.beginAttempt(this.#query.key);
    this.attemptLost = false;
  }

  endAttempt(): void {
    this.#attempt?.end();
    this.#attempt = null;
  }

  async recover(error: ReplicateError, retry: { retryDelayMs: number }): Promise<ApiResponse | null> {
    this.endAttempt();
    this.attemptLost = true;
    this.#lost.lost += 1;
    this.#transport.log(
      'warn',
      `create may have succeeded despite "${error.message}"; looking for the prediction it made`,
    );
    // Looks go on until the create may be sent again: the settle window, or the retry's wait if longer.
    const found = await settleLostCreate(this.#transport, this.#query, Math.max(this.#settleMs, retry.retryDelayMs));
    if (!found) return null;
    this.#lost.found += 1;
    return { status: 201, headers: ADOPTED, body: found };
  }
}

// Marks an answer made up from a found prediction (it is already claimed).
const ADOPTED = new Headers();

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
