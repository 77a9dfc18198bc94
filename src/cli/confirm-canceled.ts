// After Ctrl-C or a timeout: checking on the server that the prediction really stopped, so an
// interrupted command never leaves a paid prediction running.
import { isTerminalStatus, type ReplicateClient } from '../index.js';

/**
 * The client cancels the prediction it started when its signal aborts. This checks that it did (and
 * cancels it if not). Returns the prediction's final status, or null if it could not be checked.
 */
export async function confirmCanceled(client: ReplicateClient, predictionId: string | null): Promise<string | null> {
  if (predictionId === null) return null;
  const check = async (): Promise<string> => {
    const prediction = await client.getPrediction(predictionId);
    if (isTerminalStatus(prediction.status)) return prediction.status;
    const canceled = await client.cancelPrediction(predictionId);
    return canceled.status;
  };
  try {
    return await withTimeout(check(), 10_000);
  } catch {
    return null;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
