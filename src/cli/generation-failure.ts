// A generation that did not succeed (Ctrl-C, a timeout, a failed prediction, a bad key, outputs
// that could not be saved), as one sentence that says what is true now and what to do; its exit
// code comes from exit-codes.ts.
import type { Prediction, ReplicateClient } from '../index.js';
import { outputUrls } from '../internal/output-urls.js';
import { confirmCanceled } from './confirm-canceled.js';
import type { CommandContext } from './context.js';
import { CliError, InterruptedError, withJson } from './errors.js';
import { EXIT_FAILED, exitCodeForFailure } from './exit-codes.js';

/** A failed result of generate*: the fields the CLI reads. */
export interface GenerationFailure {
  success: false;
  error: string;
  errorCode: string;
  /** HTTP status of the API answer that caused the failure, or null. */
  httpStatus: number | null;
  predictionId: string | null;
  /** The last state seen; `succeeded` when the prediction worked but saving its outputs failed. */
  prediction: Prediction | null;
  canceledOnServer: boolean;
}

/** The CliError for a generation that did not succeed. */
export async function failureError(
  ctx: CommandContext,
  client: ReplicateClient,
  what: string,
  result: GenerationFailure,
  details: Record<string, unknown>,
): Promise<CliError> {
  const id = result.predictionId;
  const json = { predictionId: id, errorCode: result.errorCode, ...details };
  const succeeded = result.prediction?.status === 'succeeded' ? result.prediction : null;
  if (succeeded !== null) {
    // The prediction worked (and is paid for); saving its outputs is what failed or was interrupted.
    const urls = outputUrls(succeeded.output);
    const where = urls.length > 0 ? ` from: ${urls.join(' ')}` : '';
    const fields = { ...json, status: 'succeeded', unsavedUrls: urls };
    if (ctx.signal.aborted) {
      return withJson(
        new InterruptedError(
          `Interrupted while saving the outputs of prediction ${succeeded.id}, which had succeeded: save them within the hour with \`replicate-media poll ${succeeded.id}\`.`,
        ),
        fields,
      );
    }
    const reason = result.error.replace(/\.$/, '');
    if (result.errorCode === 'data_removed') {
      return withJson(
        new CliError(`Prediction ${succeeded.id} succeeded but its outputs are gone: ${reason}.`, EXIT_FAILED),
        fields,
      );
    }
    return withJson(
      new CliError(
        `Prediction ${succeeded.id} succeeded but saving its outputs failed: ${reason}. ` +
          `Save them within the hour with \`replicate-media poll ${succeeded.id}\`, or download them${where}`,
        EXIT_FAILED,
      ),
      fields,
    );
  }
  if (ctx.signal.aborted) {
    const status = await confirmCanceled(client, id);
    const message =
      id === null
        ? `Interrupted before the ${what} prediction was created; nothing is running.`
        : status === 'canceled' || status === 'aborted' || (status === null && result.canceledOnServer)
          ? `Interrupted: prediction ${id} was canceled on the server.`
          : status !== null
            ? `Interrupted: prediction ${id} had already ${status}.`
            : `Interrupted, but could not confirm that prediction ${id} was canceled: run \`replicate-media cancel ${id}\`.`;
    return withJson(new InterruptedError(message), { ...json, status });
  }
  const exitCode = exitCodeForFailure({
    errorCode: result.errorCode,
    httpStatus: result.httpStatus,
    predictionExists: id !== null,
    interrupted: false,
  });
  const fail = (message: string, extra: Record<string, unknown> = {}): CliError =>
    withJson(new CliError(message, exitCode), { ...json, ...extra });
  const reason = result.error.replace(/\.$/, '');
  const where = id && !reason.includes(id) ? ` (prediction ${id})` : '';
  const failed = `The ${what} failed${where}: ${reason}.`;
  switch (result.errorCode) {
    case 'auth':
      return fail(
        `The API rejected the API key${where}: ${reason}. Check REPLICATE_API_KEY, or add --emulator to try without one.`,
      );
    case 'invalid_input':
      return fail(`The ${what} request was rejected${where}: ${reason}. Fix the arguments and try again.`);
    case 'timeout': {
      if (id === null) return fail(`${failed} Try again with a longer --timeout.`);
      // The client cancels what it gave up on; check, so that the sentence says what is true now.
      const status = await confirmCanceled(client, id);
      const state =
        status === 'canceled' || status === 'aborted'
          ? 'it was canceled on the server'
          : status === 'succeeded'
            ? `it finished just after; save its outputs with \`replicate-media poll ${id}\``
            : status === 'failed'
              ? 'it failed meanwhile'
              : `it may still be running: stop it with \`replicate-media cancel ${id}\``;
      return fail(`The ${what} timed out (prediction ${id}); ${state}. Try again with a longer --timeout.`, { status });
    }
    case 'network':
      return fail(`${failed} Check your connection (or --base-url) and try again.`);
    case 'rate_limited':
      return fail(`${failed} Wait a minute and try again.`);
    case 'prediction_failed':
      return fail(`${failed} Try another prompt or input.`);
    case 'budget_exceeded':
      return fail(`The ${what} was refused before anything was created: ${reason}.`);
    default:
      // An unknown model (404 before any prediction) is the user's to fix: exit-codes.ts says 2.
      return fail(exitCode === EXIT_FAILED ? failed : `${failed} Check --model: it is owner/name as on replicate.com.`);
  }
}
