// Errors thrown by the client's lower layer (getPrediction, cancelPrediction, listPredictions),
// as one sentence with what to do; the exit code comes from exit-codes.ts.
import type { ReplicateError } from '../index.js';
import { CliError, withJson } from './errors.js';
import { exitCodeForFailure } from './exit-codes.js';

export function apiError(error: ReplicateError, action: string): CliError {
  const reason = (error.detail ?? error.message).replace(/\.$/, '');
  const details = { errorCode: error.code, status: error.status, predictionId: error.predictionId };
  // These calls name a prediction (or none): a 404 means it does not exist. They are canceled only
  // by the command's signal, which Ctrl-C aborts.
  const exitCode = exitCodeForFailure({
    errorCode: error.code,
    httpStatus: error.status,
    predictionExists: false,
    interrupted: error.code === 'canceled',
  });
  const message =
    error.code === 'canceled'
      ? `Interrupted: did not ${action}.`
      : error.code === 'auth'
        ? `Could not ${action}: the API rejected the API key (${reason}). Check REPLICATE_API_KEY.`
        : error.status === 404
          ? `Could not ${action}: not found (${reason}). Check the id with \`replicate-media predictions\`.`
          : error.code === 'network'
            ? `Could not ${action}: network error (${reason}). Check your connection or --base-url.`
            : error.code === 'rate_limited'
              ? `Could not ${action}: rate limited (${reason}). Wait a minute and try again.`
              : `Could not ${action}: ${reason}.`;
  return withJson(new CliError(message, exitCode, { cause: error }), details);
}
