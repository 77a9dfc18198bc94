// Waiting for predictions: create with `Prefer: wait` and a `Cancel-After` deadline, then poll until a
// terminal status (aborted included) or the deadline; when a call gives up, cancel what it started.

import { cancelPrediction, createPrediction, getPrediction } from './api.js';
import {
  findCreatedPrediction,
  LostCreates,
  type PredictionLedger,
  type Stray,
  sweepStrays,
} from './create-recovery.js';
import { ReplicateError, TimeoutError } from './errors.js';
import { waitForStreamDone } from './prediction-stream.js';
import type { RetryInfo, Transport } from './transport.js';
import type { PredictionTarget } from './types/options.js';
import { isTerminalStatus, type Prediction, type StatusListener, type StatusUpdate } from './types/prediction.js';

/**
 * While the prediction's stream is connected, the longest time without a poll: a safety net for a
 * connection that stays open without ever delivering `done` (Replicate ends a stream after a while anyway).
 */
export const STREAM_SAFETY_POLL_MS = 60_000;

/** How long clean-up work (canceling after a give-up) may take, on the client's clock. */
export const CLEANUP_TIMEOUT_MS = 30_000;

/** One waiting operation: its deadline, abort signal, retry count and status reports. */
export class Operation {
  readonly startedAt: number;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  retries = 0;
  predictionId: string | null = null;
  /** Sees every answer about the prediction, before the status report (the journal records them). */
  onPrediction: ((prediction: Prediction) => void) | undefined;
  readonly #now: () => number;
  readonly #onStatus: StatusListener | undefined;
  #status: StatusUpdate['status'] = 'creating';

  constructor(options: { now: () => number; timeoutMs: number; signal?: AbortSignal; onStatus?: StatusListener }) {
    this.#now = options.now;
    this.startedAt = options.now();
    this.deadline = this.startedAt + options.timeoutMs;
    this.signal = options.signal;
    this.#onStatus = options.onStatus;
  }

  /** Counts a retry and reports it. */
  readonly onRetry = (_info: RetryInfo): void => {
    this.retries += 1;
    this.report();
  };

  /** Records what the API said about the prediction and reports it. */
  observe(prediction: Prediction): void {
    this.predictionId = prediction.id;
    this.#status = prediction.status;
    this.onPrediction?.(prediction);
    this.report();
  }

  /** Sends a {@link StatusUpdate} to the listener, if any (a throwing listener is ignored). */
  report(): void {
    if (!this.#onStatus) return;
    try {
      this.#onStatus({
        predictionId: this.predictionId,
        status: this.#status,
        elapsedMs: this.#now() - this.startedAt,
        retries: this.retries,
      });
    } catch {
      // A status line must never break the operation.
    }
  }

  /** The client's clock. */
  now(): number {
    return this.#now();
  }

  /** Milliseconds left before the deadline. */
  remainingMs(): number {
    return this.deadline - this.#now();
  }
}

/**
 * Polls until the prediction reaches a terminal status (`succeeded`, `failed`, `canceled` or `aborted`).
 * With `useStream` and a `urls.stream`, the stream's `done` event is awaited alongside: it wakes the wait
 * at once, and a GET reads the final state. While the stream is connected, a poll would only repeat what
 * its `done` will say, so the scheduled polls are skipped (one still goes every STREAM_SAFETY_POLL_MS, in
 * case a connection stays open but dead); while it is opening, reconnecting or has failed, polling keeps
 * its schedule, so a stream that fails or ends early never makes the wait slower or its answer different.
 * @throws TimeoutError when the deadline passes first; the transport's errors otherwise.
 */
export async function waitForPrediction(
  transport: Transport,
  prediction: Prediction,
  operation: Operation,
  intervalMs: number,
  options: { useStream?: boolean } = {},
): Promise<Prediction> {
  let current = prediction;
  if (isTerminalStatus(current.status)) return current;
  const streamUrl = options.useStream ? current.urls?.stream : undefined;
  const stopStream = new AbortController();
  // Aborted when the stream says `done`: ends the wait in progress (a wait's abort only wakes it).
  let wake: AbortController | null = null;
  // Whether the stream has a connection open right now (it says so as connections open and end).
  let streamConnected = false;
  if (typeof streamUrl === 'string') {
    const woken = new AbortController();
    wake = woken;
    const streamSignal = operation.signal ? AbortSignal.any([operation.signal, stopStream.signal]) : stopStream.signal;
    void waitForStreamDone(transport, streamUrl, streamSignal, {
      onConnected: (open) => {
        streamConnected = open;
      },
    }).then((done) => {
      streamConnected = false;
      if (done) woken.abort();
    });
  }
  let lastPollMs = operation.now();
  try {
    while (!isTerminalStatus(current.status)) {
      const remainingMs = operation.remainingMs();
      if (remainingMs <= 0) throw timeoutError(current, operation);
      const signals = [operation.signal, wake?.signal].filter((s): s is AbortSignal => s !== undefined);
      await transport.wait(Math.min(intervalMs, remainingMs), {
        signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
      });
      const streamSaidDone = wake?.signal.aborted === true;
      // The stream's `done` is used once: should the GET still say running, polling goes on as usual.
      if (streamSaidDone) wake = null;
      if (operation.remainingMs() <= 0 && !operation.signal?.aborted) throw timeoutError(current, operation);
      const connectedAndRecent =
        wake !== null && streamConnected && operation.now() - lastPollMs < STREAM_SAFETY_POLL_MS;
      if (!streamSaidDone && !operation.signal?.aborted && connectedAndRecent) continue;
      lastPollMs = operation.now();
      current = await getPrediction(transport, current.id, {
        signal: operation.signal,
        deadline: operation.deadline,
        onRetry: operation.onRetry,
      });
      operation.observe(current);
    }
    return current;
  } finally {
    stopStream.abort();
  }
}

function timeoutError(prediction: Prediction, operation: Operation): TimeoutError {
  return new TimeoutError(
    `timeout: prediction ${prediction.id} did not finish within ${operation.deadline - operation.startedAt} ms (last status: ${prediction.status})`,
    { predictionId: prediction.id, retries: operation.retries },
  );
}

/** How a run ended. `strays`: other predictions its lost creates made, found and canceled before it returned. */
export type RunOutcome =
  /** The prediction reached a terminal status (any of them). */
  | { kind: 'finished'; prediction: Prediction; strays: Stray[] }
  /** The call stopped waiting: timeout, abort, close or an error; the prediction, if any, is reported. */
  | {
      kind: 'gave_up';
      error: ReplicateError;
      prediction: Prediction | null;
      canceledOnServer: boolean;
      strays: Stray[];
    };

/** What to run and how long to wait for it. */
export interface RunRequest {
  target: PredictionTarget;
  input: Record<string, unknown>;
  intervalMs: number;
  /** Leave the prediction running on the server when the call gives up. */
  keepRunning: boolean;
  /** Longest `Prefer: wait` hold asked of the create, in seconds (0: do not hold, poll from the start). */
  preferWaitSeconds: number;
  /** Also wait on the prediction's `urls.stream` for its `done` event (polling only while it is not connected). */
  useStream: boolean;
  ledger: PredictionLedger;
  /** How long to keep looking for a lost create's prediction before re-sending (DEFAULT_CREATE_SETTLE_MS). */
  createSettleMs?: number;
}

/**
 * Creates a prediction (waiting in the create with `Prefer: wait`, deadline sent as `Cancel-After`),
 * polls it to a terminal status, and on giving up cancels it unless told to keep it running.
 * Never throws for operational failures.
 */
export async function runPrediction(
  transport: Transport,
  request: RunRequest,
  operation: Operation,
): Promise<RunOutcome> {
  let prediction: Prediction | null = null;
  const lost = new LostCreates();
  // A sweep started as soon as the call has its prediction, so a stray of a long run is not left running
  // (and billed) until the end; the final sweep then looks for any that appeared later. Never rejects.
  let early: Promise<Stray[]> | null = null;
  try {
    operation.report();
    const remainingMs = operation.remainingMs();
    // Hold the create no longer than the deadline allows; a fast model then answers in one round trip.
    const waitSeconds = Math.min(request.preferWaitSeconds, Math.floor(remainingMs / 1000));
    prediction = await createPrediction(
      transport,
      {
        ...request.target,
        input: request.input,
        wait: waitSeconds >= 1 ? waitSeconds : false,
        cancelAfterMs: remainingMs,
        signal: operation.signal,
      },
      {
        deadline: operation.deadline,
        startedAt: operation.startedAt,
        ledger: request.ledger,
        onRetry: operation.onRetry,
        lost,
        settleMs: request.createSettleMs,
      },
    );
    operation.observe(prediction);
    // Nothing lost (the usual case): no sweep to start, and none to wait for at the end.
    if (lost.lost > 0) early = sweepAfterLoss(transport, lost, operation);
    // A create held with `Prefer: wait` often answers finished: then there is nothing to wait for.
    if (!isTerminalStatus(prediction.status)) {
      prediction = await waitForPrediction(transport, prediction, operation, request.intervalMs, {
        useStream: request.useStream,
      });
    }
    return {
      kind: 'finished',
      prediction,
      strays: lost.lost > 0 ? await sweepsOf(early, transport, lost, operation) : [],
    };
  } catch (caught) {
    if (!(caught instanceof ReplicateError)) throw caught;
    const cancel = request.keepRunning
      ? 'none'
      : await cancelAfterGivingUp(transport, lost, operation, prediction, caught);
    // The create's answer may have been lost and the prediction found afterwards: report its id either way.
    const predictionId = prediction?.id ?? operation.predictionId ?? caught.predictionId;
    const error = caught.with({
      predictionId,
      retries: operation.retries,
      message: `${caught.message}${whatHappened(predictionId, prediction, cancel)}`,
    });
    // Only a cancel the server answered `canceled` ends the prediction: one still `processing` after it
    // may yet finish and be billed, so its budget hold stays (item 5 of issue 10).
    // Without a prediction and left running (keepRunning), one lost create's prediction is the call's own.
    const kept = prediction === null && cancel === 'none' && request.keepRunning ? 1 : 0;
    const strays = await sweepsOf(early, transport, lost, operation, kept);
    return { kind: 'gave_up', error, prediction, canceledOnServer: cancel === 'canceled', strays };
  }
}

/** The strays of the early sweep (if one was started) and of a last one. */
async function sweepsOf(
  early: Promise<Stray[]> | null,
  transport: Transport,
  lost: LostCreates,
  operation: Operation,
  kept = 0,
): Promise<Stray[]> {
  return [...((await early) ?? []), ...(await sweepAfterLoss(transport, lost, operation, kept))];
}

/**
 * For a call that lost creates: a look for the predictions those creates made and nobody adopted (one
 * may have appeared after the settle window), each canceled and counted as found. Made once the call has
 * its prediction and once more before it returns. Clean-up work: it runs after an abort or close too,
 * within CLEANUP_TIMEOUT_MS.
 */
async function sweepAfterLoss(
  transport: Transport,
  lost: LostCreates,
  operation: Operation,
  kept = 0,
): Promise<Stray[]> {
  const count = lost.unaccounted - kept;
  if (count <= 0 || lost.query === null) return [];
  const strays = await sweepStrays(
    transport,
    { ...lost.query, signal: undefined, cleanup: true, deadline: operation.now() + CLEANUP_TIMEOUT_MS },
    count,
  );
  lost.found += strays.length;
  return strays;
}

function whatHappened(predictionId: string | null, prediction: Prediction | null, cancel: CancelOutcome): string {
  if (!predictionId) return '';
  if (cancel === 'canceled') return `; prediction ${predictionId} was canceled on the server`;
  if (cancel === 'requested')
    return `; a cancel of prediction ${predictionId} was accepted but it was still running: it may yet finish and be billed`;
  if (prediction && isTerminalStatus(prediction.status)) return '';
  return `; prediction ${predictionId} may still be running on the server`;
}

/**
 * What a cancel after giving up achieved: `canceled` (the server answered `canceled`), `requested` (accepted,
 * but the prediction was still running: it may finish and be billed), `none` (nothing to cancel, or it failed).
 */
export type CancelOutcome = 'canceled' | 'requested' | 'none';

/**
 * Cancels the prediction a call gave up on, so giving up costs nothing more. When the create's answer was
 * lost (an abort or timeout during the create), first finds the prediction it made.
 */
async function cancelAfterGivingUp(
  transport: Transport,
  lost: LostCreates,
  operation: Operation,
  prediction: Prediction | null,
  error: ReplicateError,
): Promise<CancelOutcome> {
  if (prediction && isTerminalStatus(prediction.status)) return 'none';
  if (!prediction && !error.ambiguous) return 'none';
  const cleanup = { cleanup: true, deadline: operation.now() + CLEANUP_TIMEOUT_MS };
  try {
    let id = prediction?.id ?? null;
    if (id === null) {
      if (lost.query === null) return 'none';
      const found = await findCreatedPrediction(transport, { ...lost.query, signal: undefined, ...cleanup });
      if (!found) {
        // This was the call's last look: what it did not find, a sweep would not find either.
        lost.found = lost.lost;
        return 'none';
      }
      lost.found += 1;
      id = found.id;
      operation.predictionId = id;
      if (isTerminalStatus(found.status)) return 'none';
    }
    const canceled = await cancelPrediction(transport, id, cleanup);
    if (canceled.status === 'canceled') return 'canceled';
    return isTerminalStatus(canceled.status) ? 'none' : 'requested';
  } catch (cancelError) {
    transport.log(
      'warn',
      `could not cancel the prediction after giving up: ${cancelError instanceof Error ? cancelError.message : String(cancelError)}`,
    );
    return 'none';
  }
}
