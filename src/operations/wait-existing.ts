// Waiting for a prediction that already exists (pollPrediction, and resume after a crash): one setup for
// both, so they start, fetch and wait the same way.

import * as api from '../api.js';
import type { WaitOptions } from '../types/options.js';
import type { Prediction } from '../types/prediction.js';
import { waitForPrediction } from '../waiting.js';
import { begin, type ClientContext } from './context.js';

export type WaitContext = Pick<ClientContext, 'transport' | 'now' | 'closeSignal' | 'useStream'>;

/**
 * Starts an operation (deadline `options.timeoutMs`, else `defaultTimeoutMs`), fetches the prediction,
 * reports it, and polls (with the stream's `done` when `useStream`) until it is terminal.
 * `onFetched` sees the first answer, so a caller can report it should the wait then fail.
 * @throws ReplicateError (TimeoutError with a null status when the deadline passes first).
 */
export async function waitForExisting(
  ctx: WaitContext,
  predictionId: string,
  options: WaitOptions,
  defaultTimeoutMs: number,
  onFetched?: (prediction: Prediction) => void,
): Promise<Prediction> {
  const { operation, intervalMs } = begin(ctx, options, defaultTimeoutMs);
  operation.predictionId = typeof predictionId === 'string' ? predictionId : null;
  const first = await api.getPrediction(ctx.transport, predictionId, {
    signal: options.signal,
    deadline: operation.deadline,
    onRetry: operation.onRetry,
  });
  onFetched?.(first);
  operation.observe(first);
  return waitForPrediction(ctx.transport, first, operation, intervalMs, { useStream: ctx.useStream });
}
