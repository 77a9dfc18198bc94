// Shaping how an operation ended: the error of a finished-but-unsuccessful prediction, the failure
// fields of a result, and making sure whatever escapes is a ReplicateError without the key in it.

import { modelsForSameJob } from '../catalogue.js';
import {
  CanceledError,
  DataRemovedError,
  InvalidInputError,
  PredictionFailedError,
  ReplicateError,
  TimeoutError,
} from '../errors.js';
import { printable } from '../internal/printable.js';
import type { Redactor } from '../redact.js';
import type { Prediction } from '../types/prediction.js';
import type { FailureFields } from '../types/results.js';
import type { RunOutcome } from '../waiting.js';

/** Carries a finished-but-unsuccessful run through the catch of a generate* call. */
export class OutcomeError extends Error {
  constructor(
    readonly error: ReplicateError,
    readonly outcome: RunOutcome,
  ) {
    super(error.message);
  }
}

/** The terminal prediction of a run that succeeded; throws (as OutcomeError) otherwise. */
export function finished(outcome: RunOutcome): Prediction {
  if (outcome.kind === 'gave_up') throw new OutcomeError(outcome.error, outcome);
  const p = outcome.prediction;
  const details = { predictionId: p.id, detail: typeof p.error === 'string' ? p.error : null };
  switch (p.status) {
    case 'succeeded':
      return p;
    case 'failed':
      throw new OutcomeError(new PredictionFailedError(failedMessage(p), details), outcome);
    case 'canceled':
      throw new OutcomeError(new CanceledError(`Prediction ${p.id} was canceled`, details), outcome);
    default:
      throw new OutcomeError(new TimeoutError(abortedMessage(p), details), outcome);
  }
}

export function outcomeOf(error: unknown): RunOutcome | undefined {
  return error instanceof OutcomeError ? error.outcome : undefined;
}

export function asReplicateError(error: unknown): ReplicateError {
  if (error instanceof OutcomeError) return error.error;
  if (error instanceof ReplicateError) return error;
  if (error instanceof RangeError || error instanceof TypeError) return new InvalidInputError(error.message);
  return new ReplicateError('http', `Unexpected error: ${error instanceof Error ? error.message : String(error)}`);
}

export function failedMessage(p: Prediction): string {
  const reason = typeof p.error === 'string' && p.error ? p.error : 'no reason given';
  return `Prediction ${p.id} failed: ${reason}`;
}

export function abortedMessage(p: Prediction): string {
  return `Prediction ${p.id} was aborted: its deadline (timeout) passed before it started`;
}

export function noOutput(p: Prediction, what: string): ReplicateError {
  if (p.data_removed) {
    return new DataRemovedError(
      `Prediction ${p.id} succeeded but its outputs were already removed (data_removed): Replicate deletes API outputs after an hour`,
      { predictionId: p.id },
    );
  }
  return new PredictionFailedError(`Prediction ${p.id} succeeded but returned no ${what}`, { predictionId: p.id });
}

/** The fields every failed `generate*` result has. */
export function failureFields(redact: Redactor, error: ReplicateError, outcome?: RunOutcome): FailureFields {
  return {
    success: false,
    error: redact(error.message),
    errorCode: error.code,
    httpStatus: error.status,
    predictionId: error.predictionId,
    prediction: outcome?.prediction ?? null,
    canceledOnServer: outcome?.kind === 'gave_up' ? outcome.canceledOnServer : false,
    ...duplicatesOf(outcome),
  };
}

/** `{ duplicatesCanceled }` when the run canceled predictions its lost creates made, else nothing. */
export function duplicatesOf(outcome: RunOutcome | undefined): { duplicatesCanceled?: string[] } {
  const strays = outcome?.strays ?? [];
  return strays.length === 0 ? {} : { duplicatesCanceled: strays.map((s) => s.prediction.id) };
}

/** Makes sure what escapes the lower layer is a ReplicateError without the key in it. */
export function cleanError(redact: Redactor, error: unknown): ReplicateError {
  const typed = asReplicateError(error);
  return typed.with({
    message: redact(typed.message),
    detail: typed.detail === null ? null : redact(typed.detail),
    predictionId: typed.predictionId === null ? null : redact(typed.predictionId),
  });
}

/** Runs lower-layer work, rethrowing its failure cleaned (see {@link cleanError}). */
export async function rethrowClean<T>(redact: Redactor, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw cleanError(redact, error);
  }
}

/** A 404 for a catalogue model names the catalogue models that do the same job. */
export function withCatalogueHint(error: ReplicateError, model: unknown): ReplicateError {
  if (error.status !== 404 || typeof model !== 'string') return error;
  const others = modelsForSameJob(model);
  if (others.length === 0) return error;
  return error.with({
    message: `${error.message} (${printable(model)} is not available on this account; catalogue models that do the same job: ${others.join(', ')}; see \`replicate-media models\`)`,
  });
}
