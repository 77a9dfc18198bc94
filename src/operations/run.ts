// Running a prediction with the books kept, and saving its outputs: what generateImage and
// generateVideo share once their input is ready. Each takes one request object.

import type { RunMeta } from '../bookkeeping.js';
import type { DownloadProgress, MediaKind } from '../downloads.js';
import { ClosedError } from '../errors.js';
import { parseModelRef } from '../models.js';
import type { Reservation } from '../spend.js';
import { isTerminalStatus, type Prediction } from '../types/prediction.js';
import { type Operation, type RunOutcome, runPrediction } from '../waiting.js';
import type { ClientContext, Started } from './context.js';
import { OutcomeError } from './outcome.js';

/** What {@link runWithBooks} runs. */
export interface RunRequest {
  model: string;
  input: Record<string, unknown>;
  started: Started;
  /** The call's override of the client's `keepRunning`. */
  keepRunning: boolean | undefined;
  /** The journal's view of the run; its `requestId` is set here when there is a journal. */
  meta: RunMeta;
  /** The budget hold taken for this run; settled here whatever happens. */
  hold: Reservation;
}

export type RunContext = Pick<
  ClientContext,
  'transport' | 'books' | 'ledger' | 'keepRunning' | 'preferWaitSeconds' | 'useStream' | 'now' | 'createSettleMs'
>;

/**
 * Runs a prediction of `model` to its end within the operation (see runPrediction), with the books kept:
 * the intent is on disk before the create is sent (with a journal), every answer is journaled, and the
 * hold on the budget becomes the actual cost once the prediction finished.
 */
export async function runWithBooks(
  ctx: RunContext,
  request: RunRequest,
): Promise<{ outcome: RunOutcome; costUsd: number | null }> {
  const { books } = ctx;
  const { model, input, started, meta, hold } = request;
  const { operation } = started;
  const watcher = books.watch(meta);
  let outcome: RunOutcome;
  try {
    if (books.journal) {
      meta.requestId = globalThis.crypto.randomUUID();
      await books.intent(meta, hold);
    }
    operation.onPrediction = watcher.observe;
    outcome = await runPrediction(
      ctx.transport,
      {
        target: { model },
        input,
        intervalMs: started.intervalMs,
        keepRunning: request.keepRunning ?? ctx.keepRunning,
        preferWaitSeconds: ctx.preferWaitSeconds,
        useStream: ctx.useStream,
        ledger: ctx.ledger,
        createSettleMs: ctx.createSettleMs,
      },
      operation,
    );
  } catch (error) {
    books.spend.settle(hold, 0);
    throw error;
  } finally {
    operation.onPrediction = undefined;
  }
  await watcher.settled();
  // Other predictions its lost creates made: canceled already, recorded here (journal and spend).
  for (const stray of outcome.strays) await books.stray(meta, stray, hold.micros);
  const last = outcome.prediction;
  if (last && isTerminalStatus(last.status)) {
    return { outcome, costUsd: await books.finish(meta, last, hold) };
  }
  if (outcome.kind === 'gave_up') {
    const id = last?.id ?? outcome.error.predictionId ?? operation.predictionId;
    // A create that failed for certain made nothing: close its intent now rather than leave it to resume.
    if (id === null && meta.requestId !== null && !outcome.error.ambiguous) await books.notCreated(meta.requestId);
    // Found only while canceling (a lost create): it still gets its created record.
    if (id !== null && !watcher.seen()) await books.adopt(meta, placeholderPrediction(id, model, input, ctx.now()));
    await books.gaveUp(hold, { id, status: last?.status ?? null }, outcome.canceledOnServer, meta);
  }
  return { outcome, costUsd: null };
}

/** What {@link saveOutputs} saves. */
export interface SaveRequest {
  prediction: Prediction;
  urls: readonly string[];
  /** Null when the call did not ask for a download. */
  dir: string | null;
  expect: MediaKind;
  operation: Operation;
  /** The run's outcome, carried into the call's failure should a save fail. */
  outcome: RunOutcome;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
}

/** Saves outputs when the call asked for it; a failure becomes the call's (with the prediction id). */
export async function saveOutputs(
  ctx: Pick<ClientContext, 'books' | 'closeSignal'>,
  request: SaveRequest,
): Promise<{ files?: string[] }> {
  const { dir, operation, onProgress } = request;
  if (dir === null) return {};
  const signal = operation.signal ? AbortSignal.any([operation.signal, ctx.closeSignal]) : ctx.closeSignal;
  // The download is part of the call: it ends at the call's deadline, on its signal, and on close().
  const saved = await ctx.books.save(request.prediction.id, request.urls, {
    dir,
    expect: request.expect,
    signal,
    deadline: operation.deadline,
    ...(onProgress ? { onProgress } : {}),
  });
  if (saved.error) {
    const error =
      saved.error.code === 'canceled' && ctx.closeSignal.aborted && !operation.signal?.aborted
        ? new ClosedError(`The client was closed while saving the output of prediction ${request.prediction.id}`, {
            predictionId: request.prediction.id,
          })
        : saved.error;
    throw new OutcomeError(error, request.outcome);
  }
  return { files: saved.files };
}

/** A stand-in for a prediction known only by id (found while canceling after a lost create). */
function placeholderPrediction(id: string, model: string, input: Record<string, unknown>, nowMs: number): Prediction {
  return {
    id,
    model: parseModelRef(model)?.model ?? model,
    version: '',
    input,
    output: null,
    error: null,
    status: 'starting',
    created_at: new Date(nowMs).toISOString(),
  };
}
