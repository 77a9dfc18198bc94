// pollPrediction: wait for an existing prediction and say how it ended; never throws for operational
// failures, and leaves the prediction running on timeout.

import { DEFAULT_TIMEOUT_MS } from '../defaults.js';
import { printable } from '../internal/printable.js';
import type { PollOptions } from '../types/options.js';
import type { Prediction } from '../types/prediction.js';
import type { PollResult } from '../types/results.js';
import { readOptions } from './checks.js';
import type { ClientContext } from './context.js';
import { abortedMessage, asReplicateError, failedMessage } from './outcome.js';
import { type WaitContext, waitForExisting } from './wait-existing.js';

export type PollContext = WaitContext & Pick<ClientContext, 'books' | 'redact'>;

export async function pollPrediction(
  ctx: PollContext,
  predictionId: string,
  pollOptions: PollOptions,
): Promise<PollResult> {
  let last: Prediction | null = null;
  try {
    const options = readOptions(pollOptions);
    last = await waitForExisting(ctx, predictionId, options, DEFAULT_TIMEOUT_MS, (first) => {
      last = first;
    });
    await ctx.books.finishIfCreatedHere(last);
    const base = { predictionId: last.id, output: last.output, prediction: last, httpStatus: null };
    switch (last.status) {
      case 'succeeded':
        return { ...base, status: 'succeeded', error: null, errorCode: null };
      case 'failed':
        return {
          ...base,
          status: 'failed',
          error: ctx.redact(failedMessage(last)),
          errorCode: 'prediction_failed',
        };
      case 'canceled':
        return { ...base, status: 'canceled', error: `Prediction ${last.id} was canceled`, errorCode: 'canceled' };
      default:
        return { ...base, status: 'aborted', error: abortedMessage(last), errorCode: 'timeout' };
    }
  } catch (caught) {
    const error = asReplicateError(caught);
    const id = typeof predictionId === 'string' ? predictionId : printable(predictionId);
    const message = ctx.redact(error.message);
    if (error.code === 'timeout' && error.status === null) {
      return {
        status: 'timeout',
        predictionId: ctx.redact(id),
        output: null,
        error: message,
        errorCode: 'timeout',
        httpStatus: null,
        prediction: last,
      };
    }
    return {
      status: 'error',
      predictionId: ctx.redact(id),
      output: null,
      error: message,
      errorCode: error.code,
      httpStatus: error.status,
      prediction: last,
    };
  }
}
