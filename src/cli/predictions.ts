// Running a prediction from the CLI: the live status line, turning a failed result into a CliError
// with the right exit code, making sure Ctrl-C left nothing running, and saving the outputs.
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { extname, relative, resolve } from 'node:path';
import {
  type Downloadable,
  type DownloadTo,
  estimateCost,
  isTerminalStatus,
  type Prediction,
  type ReplicateClient,
  type StatusUpdate,
} from '../index.js';
import { mediaTypeOfExtension } from '../internal/media-types.js';
import { outputUrls as urlsIn } from '../internal/output-urls.js';
import type { CommandContext } from './context.js';
import { type CliError, FailedError, InterruptedError, UsageError } from './errors.js';
import { formatBytes, formatUsd } from './output.js';

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

/** What the status listener last saw of a prediction. */
export interface StatusSeen {
  predictionId: string | null;
  status: string;
  /** Time from the start of the call to the last update (to `succeeded`: the generation time). */
  elapsedMs: number;
}

export function newStatusSeen(): StatusSeen {
  return { predictionId: null, status: 'creating', elapsedMs: 0 };
}

/** Logs saved files (plain mode only: on a terminal the result lists them). */
export function noteSaved(ctx: CommandContext, files: readonly SavedFile[]): void {
  for (const file of files) ctx.progress.note(`saved ${displayPath(file.path)} (${formatBytes(file.bytes)})`);
}

/** `Saved PATH (SIZE)` on stdout, a line per saved file. */
export function printSaved(ctx: CommandContext, files: readonly SavedFile[]): void {
  for (const file of files) ctx.out.line(`Saved ${displayPath(file.path)} (${formatBytes(file.bytes)})`);
}

/** The result's cost line: the amount, or that no price is known for the model. */
export function costLine(model: string, costUsd: number | null): string {
  return costUsd === null ? `Cost: unknown (no price known for ${model})` : `Cost: ${formatUsd(costUsd)}`;
}

/**
 * The onStatus listener that drives the status line for one prediction. With `savingInto`, the
 * client saves the outputs after the prediction succeeds, and the line says so meanwhile.
 */
export function statusListener(
  ctx: CommandContext,
  label: string,
  costUsd: number | null,
  seen: StatusSeen,
  savingInto: string | null = null,
): (update: StatusUpdate) => void {
  ctx.signal.addEventListener(
    'abort',
    () => {
      if (seen.status === 'creating' || !isTerminalStatus(seen.status)) {
        ctx.progress.log(
          `Interrupted: canceling ${label} prediction ${seen.predictionId ?? '(being created)'} on the server...`,
        );
      }
    },
    { once: true },
  );
  return (update) => {
    if (update.predictionId) seen.predictionId = update.predictionId;
    seen.status = update.status;
    seen.elapsedMs = update.elapsedMs;
    ctx.progress.status({
      label,
      predictionId: update.predictionId,
      status: update.status,
      elapsedMs: update.elapsedMs,
      retries: update.retries,
      costUsd,
    });
    if (update.status === 'succeeded' && savingInto !== null) {
      ctx.progress.busy(
        `${label} ${update.predictionId ?? ''}: saving the outputs into ${displayPath(resolve(savingInto))}`,
      );
    }
  };
}

/**
 * The client's `download` option for saving into `dir`, with byte-level progress on the status line (a
 * terminal only: plain mode logs each saved file instead).
 */
export function savingTo(ctx: CommandContext, dir: string): DownloadTo {
  return {
    dir,
    onProgress: ({ url, receivedBytes, totalBytes }) => {
      ctx.progress.download({ fileName: fileNameOf(url), receivedBytes, totalBytes });
    },
  };
}

/** The last path segment of a URL (what is being downloaded), or the URL itself. */
function fileNameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || url;
  } catch {
    return url;
  }
}

/**
 * After Ctrl-C: the client cancels the prediction it started when its signal aborts. This checks
 * that it did (and cancels it if not), so an interrupted command never leaves a paid prediction
 * running. Returns the prediction's final status, or null if it could not be checked.
 */
export async function ensureCanceled(client: ReplicateClient, predictionId: string | null): Promise<string | null> {
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

/** The CliError for a generation that did not succeed (Ctrl-C, timeout, failure, bad key, ...). */
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
    const urls = urlsIn(succeeded.output);
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
        new FailedError(`Prediction ${succeeded.id} succeeded but its outputs are gone: ${reason}.`),
        fields,
      );
    }
    return withJson(
      new FailedError(
        `Prediction ${succeeded.id} succeeded but saving its outputs failed: ${reason}. ` +
          `Save them within the hour with \`replicate-media poll ${succeeded.id}\`, or download them${where}`,
      ),
      fields,
    );
  }
  if (ctx.signal.aborted) {
    const status = await ensureCanceled(client, id);
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
  const reason = result.error.replace(/\.$/, '');
  const where = id && !reason.includes(id) ? ` (prediction ${id})` : '';
  const failed = `The ${what} failed${where}: ${reason}.`;
  switch (result.errorCode) {
    case 'auth':
      return withJson(
        new UsageError(
          `The API rejected the API key${where}: ${reason}. Check REPLICATE_API_KEY, or add --emulator to try without one.`,
        ),
        json,
      );
    case 'invalid_input':
      return withJson(
        new UsageError(`The ${what} request was rejected${where}: ${reason}. Fix the arguments and try again.`),
        json,
      );
    case 'timeout': {
      if (id === null) return withJson(new FailedError(`${failed} Try again with a longer --timeout.`), json);
      // The client cancels what it gave up on; check, so that the sentence says what is true now.
      const status = await ensureCanceled(client, id);
      const state =
        status === 'canceled' || status === 'aborted'
          ? 'it was canceled on the server'
          : status === 'succeeded'
            ? `it finished just after; save its outputs with \`replicate-media poll ${id}\``
            : status === 'failed'
              ? 'it failed meanwhile'
              : `it may still be running: stop it with \`replicate-media cancel ${id}\``;
      return withJson(
        new FailedError(`The ${what} timed out (prediction ${id}); ${state}. Try again with a longer --timeout.`),
        { ...json, status },
      );
    }
    case 'network':
      return withJson(new FailedError(`${failed} Check your connection (or --base-url) and try again.`), json);
    case 'rate_limited':
      return withJson(new FailedError(`${failed} Wait a minute and try again.`), json);
    case 'prediction_failed':
      return withJson(new FailedError(`${failed} Try another prompt or input.`), json);
    case 'budget_exceeded':
      return withJson(new UsageError(`The ${what} was refused before anything was created: ${reason}.`), json);
    case 'http':
      // An unknown model is the user's to fix (exit 2), not a failed generation.
      if (id === null && result.httpStatus === 404) {
        return withJson(new UsageError(`${failed} Check --model: it is owner/name as on replicate.com.`), json);
      }
      return withJson(new FailedError(failed), json);
    default:
      return withJson(new FailedError(failed), json);
  }
}

/** Attaches the fields the `--json` error document should carry. */
export function withJson<E extends CliError>(error: E, details: Record<string, unknown>): E {
  error.details = { ...error.details, ...details };
  return error;
}

/** A downloaded output, as printed and put in --json. */
export interface SavedFile {
  /** Absolute path. */
  path: string;
  url: string;
  bytes: number;
  contentType: string;
}

/**
 * The files the client saved (`download: { dir }` on generate*, or `client.download`), for printing
 * and --json: absolute paths, sizes, and the type their extension says (the client checked the type
 * served before saving).
 */
export async function describeFiles(paths: readonly string[], urls: readonly string[]): Promise<SavedFile[]> {
  return Promise.all(
    paths.map(async (path, index) => {
      const absolute = resolve(path);
      const bytes = await stat(absolute).then(
        (s) => s.size,
        () => 0,
      );
      return {
        path: absolute,
        url: urls[index] ?? '',
        bytes,
        contentType: mediaTypeOfExtension(extname(absolute)) ?? 'application/octet-stream',
      };
    }),
  );
}

/**
 * Saves the outputs of a finished prediction through the client (so a journal records each file),
 * as `{predictionId}-{index}.{ext}` in `dir`. A failure ends the command (exit 1) with the URLs
 * that were not saved; they stay valid for an hour.
 */
export async function saveOutputs(
  ctx: CommandContext,
  client: ReplicateClient,
  target: Downloadable,
  options: { dir: string; predictionId: string; urls: readonly string[] },
): Promise<SavedFile[]> {
  ctx.progress.busy(`saving the outputs of ${options.predictionId} into ${displayPath(resolve(options.dir))}`);
  const saved = await client.download(target, { ...savingTo(ctx, options.dir), signal: ctx.signal });
  if (!saved.success) {
    const done = await describeFiles(saved.files, options.urls);
    const left = options.urls.slice(saved.files.length);
    const details = { predictionId: options.predictionId, errorCode: saved.errorCode, files: done, unsavedUrls: left };
    if (ctx.signal.aborted) {
      throw withJson(
        new InterruptedError(
          `Interrupted while saving the outputs of prediction ${options.predictionId}: save them within the hour with \`replicate-media poll ${options.predictionId}\`.`,
        ),
        details,
      );
    }
    throw withJson(
      new FailedError(
        `Saving the outputs of prediction ${options.predictionId} failed: ${saved.error.replace(/\.$/, '')}. ` +
          `Download ${left.length === 1 ? 'it' : 'them'} within the hour from: ${left.join(' ')}`,
      ),
      details,
    );
  }
  const files = await describeFiles(saved.files, options.urls);
  noteSaved(ctx, files);
  return files;
}

/** What images and seconds of video of these models cost, or null when a model has no known price. */
export function costOf(
  images: { model: string; count: number } | null,
  video: { model: string; seconds: number } | null,
): number | null {
  try {
    return estimateCost(images?.count ?? 0, video?.seconds ?? 0, {
      ...(images ? { imageModel: images.model } : {}),
      ...(video ? { videoModel: video.model } : {}),
    });
  } catch {
    return null;
  }
}

/** Every http(s) or data URL in a model's output, in order: the library's one helper. */
export { urlsIn };

/** A saved file's path for people: relative to the working directory when it is inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}

/**
 * Makes sure the output directory exists and is writable before anything is paid for: a typo in
 * --out should cost nothing, not a generation whose files cannot be saved.
 */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a file is in the way'
          : ((error as Error).message ?? String(error));
    throw new UsageError(`Cannot save into "${dir}" (${why}): choose another directory with --out.`, { cause: error });
  }
}
