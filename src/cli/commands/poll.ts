// `replicate-media poll ID`: wait for an existing prediction to finish, then save its outputs.
import { DEFAULT_TIMEOUT_MS } from '../../defaults.js';
// Polling only watches: Ctrl-C stops watching and leaves the prediction running (it was not
// started by this command); `replicate-media cancel ID` stops it.
import { isTerminalStatus } from '../../index.js';
import { outputUrls } from '../../internal/output-urls.js';
import { requirePositional, secondsOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { CliError, FailedError, InterruptedError, withJson } from '../errors.js';
import { exitCodeForFailure } from '../exit-codes.js';
import { DEFAULT_OUT_DIR, INTERVAL_OPTION, noDownloadOption, outOption, timeoutOption } from '../generation-options.js';
import { API_OPTIONS } from '../options.js';
import { formatDuration } from '../output.js';
import { ensureWritableDir, printSaved, type SavedFile, saveOutputs } from '../saved-files.js';
import { newStatusSeen, statusListener } from '../status-listener.js';

export interface PollOptions {
  predictionId: string;
  timeoutMs: number | undefined;
  intervalMs: number | undefined;
  outDir: string;
  download: boolean;
}

export const pollCommand = defineCommand<PollOptions>({
  name: 'poll',
  summary: 'wait for a prediction to finish and download its outputs',
  usage: 'ID [options]',
  description: `Waits until prediction ID finishes (succeeded, failed, canceled or aborted), then downloads its
output files into DIR. Exits 0 if it succeeded, 1 if it failed, was canceled or aborted, or the
timeout passed. Ctrl-C stops waiting; the prediction keeps running (stop it with \`cancel ID\`).`,
  options: [
    timeoutOption('stop waiting after S seconds; the prediction is not canceled', DEFAULT_TIMEOUT_MS),
    INTERVAL_OPTION,
    outOption('the outputs'),
    noDownloadOption('URLs'),
    ...API_OPTIONS,
  ],

  parse({ values, positionals }) {
    const id = requirePositional('poll', positionals, 'ID');
    return {
      predictionId: id,
      timeoutMs: secondsOption(values, 'timeout'),
      intervalMs: secondsOption(values, 'interval'),
      outDir: stringOption(values, 'out') ?? DEFAULT_OUT_DIR,
      download: values['no-download'] !== true,
    };
  },

  async run(ctx, { predictionId, timeoutMs, intervalMs, outDir, download }) {
    const client = await ctx.createClient();
    if (download) await ensureWritableDir(outDir);
    const seen = { ...newStatusSeen(), predictionId, status: 'starting' };
    const startedAt = performance.now();
    const result = await client.pollPrediction(predictionId, {
      signal: ctx.signal,
      onStatus: statusListener(ctx, 'poll', null, seen),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    });
    const elapsedMs = performance.now() - startedAt;
    const base = { command: 'poll', predictionId, status: result.status };

    if (ctx.signal.aborted && !isTerminalStatus(result.status)) {
      ctx.progress.stop();
      // Polling only watches; check what the prediction is doing now rather than assume.
      const now = await client.getPrediction(predictionId).then(
        (p) => p.status,
        () => null,
      );
      const state =
        now === null || !isTerminalStatus(now)
          ? `it is still running on the server (stop it with \`replicate-media cancel ${predictionId}\`)`
          : `it has ${now}`;
      throw withJson(new InterruptedError(`Stopped watching prediction ${predictionId}; ${state}.`), {
        ...base,
        status: now,
      });
    }
    if (result.status === 'timeout') {
      ctx.progress.stop();
      throw withJson(
        new FailedError(
          `Prediction ${predictionId} did not finish within ${formatDuration(timeoutMs ?? DEFAULT_TIMEOUT_MS)}; it is still running: poll again with a longer --timeout, or cancel it.`,
        ),
        { ...base, errorCode: 'timeout' },
      );
    }
    if (result.status === 'error') {
      ctx.progress.stop();
      const reason = result.error.replace(/\.$/, '');
      const details = { ...base, errorCode: result.errorCode, error: result.error };
      const exitCode = exitCodeForFailure({
        errorCode: result.errorCode,
        httpStatus: result.httpStatus,
        predictionExists: result.prediction !== null,
        interrupted: ctx.signal.aborted,
      });
      const message =
        result.errorCode === 'auth'
          ? `Could not poll prediction ${predictionId}: ${reason}. Check REPLICATE_API_KEY.`
          : result.prediction === null && result.httpStatus === 404
            ? `Could not get prediction ${predictionId}: ${reason}. Check the id with \`replicate-media predictions\`.`
            : `Could not poll prediction ${predictionId}: ${reason}.`;
      throw withJson(new CliError(message, exitCode), details);
    }
    if (result.status !== 'succeeded') {
      ctx.progress.stop();
      throw withJson(new FailedError(`${result.error.replace(/\.$/, '')}.`), {
        ...base,
        errorCode: result.errorCode,
        error: result.error,
      });
    }

    const urls = outputUrls(result.output);
    let files: SavedFile[] = [];
    if (download && urls.length > 0)
      files = await saveOutputs(ctx, client, result, { dir: outDir, predictionId, urls });
    ctx.progress.stop();

    ctx.out.json({ success: true, ...base, output: result.output, files, elapsedMs: Math.round(elapsedMs) });
    ctx.out.line(`Prediction ${predictionId} succeeded.`);
    if (download) {
      printSaved(ctx, files);
      if (urls.length === 0) ctx.out.line(`Output: ${JSON.stringify(result.output)}`);
    } else {
      for (const url of urls) ctx.out.line(`Output ${url}`);
    }
  },
});
