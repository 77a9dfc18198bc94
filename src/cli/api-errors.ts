// Errors thrown by the client's lower layer (getPrediction, cancelPrediction, listPredictions),
// as one sentence with what to do, and the exit code that fits.
import type { ReplicateError } from '../index.js';
import { type CliError, FailedError, InterruptedError, UsageError } from './errors.js';
import { withJson } from './predictions.js';

export function apiError(error: ReplicateError, action: string): CliError {
  const reason = (error.detail ?? error.message).replace(/\.$/, '');
  const details = { errorCode: error.code, status: error.status, predictionId: error.predictionId };
  let cliError: CliError;
  if (error.code === 'canceled') {
    cliError = new InterruptedError(`Interrupted: did not ${action}.`);
  } else if (error.code === 'auth') {
    cliError = new UsageError(
      `Could not ${action}: the API rejected the API key (${reason}). Check REPLICATE_API_KEY.`,
      { cause: error },
    );
  } else if (error.status === 404) {
    cliError = new UsageError(
      `Could not ${action}: not found (${reason}). Check the id with \`replicate-media predictions\`.`,
      { cause: error },
    );
  } else if (error.code === 'network') {
    cliError = new FailedError(`Could not ${action}: network error (${reason}). Check your connection or --base-url.`, {
      cause: error,
    });
  } else if (error.code === 'rate_limited') {
    cliError = new FailedError(`Could not ${action}: rate limited (${reason}). Wait a minute and try again.`, {
      cause: error,
    });
  } else {
    cliError = new FailedError(`Could not ${action}: ${reason}.`, { cause: error });
  }
  return withJson(cliError, details);
}
