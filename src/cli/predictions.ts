// Running a prediction from the CLI: the live status line, turning a failed result into a CliError
// with the right exit code, making sure Ctrl-C left nothing running, and saving the outputs.
import { access, constants, mkdir } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { downloadOutput, DownloadError, type DownloadedFile, type MediaKind } from '../downloads.js';
import { estimateCost, isTerminalStatus, type ReplicateClient, type StatusUpdate } from '../index.js';
import type { CommandContext } from './context.js';
import { CliError, FailedError, InterruptedError, UsageError } from './errors.js';
import { formatBytes } from './output.js';

/** A result of generate*: the fields the CLI reads. */
export interface GenerationFailure {
  success: false;
  error: string;
  errorCode: string;
  predictionId: string | null;
}

/** The onStatus listener that drives the status line for one prediction. */
export function statusListener(
  ctx: CommandContext,
  label: string,
  costUsd: number | null,
  seen: { predictionId: string | null; status: string },
): (update: StatusUpdate) => void {
  ctx.signal.addEventListener(
    'abort',
    () => {
      if (seen.status === 'creating' || !isTerminalStatus(seen.status)) {
        ctx.progress.log(`Interrupted: canceling ${label} prediction ${seen.predictionId ?? '(being created)'} on the server...`);
      }
    },
    { once: true },
  );
  return (update) => {
    if (update.predictionId) seen.predictionId = update.predictionId;
    seen.status = update.status;
    ctx.progress.status({
      label,
      predictionId: update.predictionId,
      status: update.status,
      elapsedMs: update.elapsedMs,
      retries: update.retries,
      costUsd,
    });
  };
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
  if (ctx.signal.aborted) {
    const status = await ensureCanceled(client, id);
    const message =
      id === null
        ? `Interrupted before the ${what} prediction was created; nothing is running.`
        : status === 'canceled' || status === 'aborted'
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
        new UsageError(`The API rejected the API key${where}: ${reason}. Check REPLICATE_API_KEY, or add --emulator to try without one.`),
        json,
      );
    case 'invalid_input':
      return withJson(new UsageError(`The ${what} request was rejected${where}: ${reason}. Fix the arguments and try again.`), json);
    case 'timeout':
      return withJson(new FailedError(`${failed} Try again with a longer --timeout.`), json);
    case 'network':
      return withJson(new FailedError(`${failed} Check your connection (or --base-url) and try again.`), json);
    case 'rate_limited':
      return withJson(new FailedError(`${failed} Wait a minute and try again.`), json);
    case 'prediction_failed':
      return withJson(new FailedError(`${failed} Try another prompt or input.`), json);
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
 * Downloads every output URL of a prediction into `dir` as `{predictionId}-{index}.{ext}`, with
 * download progress on the status line. A failed download ends the command (exit 1) with the URLs
 * that could not be saved, which stay valid for an hour.
 */
export async function saveOutputs(
  ctx: CommandContext,
  urls: readonly string[],
  options: { dir: string; predictionId: string; expect: MediaKind },
): Promise<SavedFile[]> {
  const saved: SavedFile[] = [];
  for (const [index, url] of urls.entries()) {
    let file: DownloadedFile;
    try {
      file = await downloadOutput(url, {
        dir: options.dir,
        predictionId: options.predictionId,
        index,
        expect: options.expect,
        signal: ctx.signal,
        onProgress: (p) =>
          ctx.progress.download({
            fileName: `${options.predictionId}-${index}`,
            receivedBytes: p.receivedBytes,
            totalBytes: p.totalBytes,
          }),
      });
    } catch (error) {
      if (ctx.signal.aborted) {
        throw withJson(new InterruptedError(`Interrupted while downloading the outputs of prediction ${options.predictionId}.`), {
          predictionId: options.predictionId,
          files: saved,
        });
      }
      const reason = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
      const left = urls.slice(index);
      const code = error instanceof DownloadError ? error.code : 'network';
      throw withJson(
        new FailedError(
          `Prediction ${options.predictionId} succeeded but saving its output failed: ${reason}. ` +
            `Download ${left.length === 1 ? 'it' : 'them'} within the hour from: ${left.join(' ')}`,
          { cause: error },
        ),
        { predictionId: options.predictionId, errorCode: code, files: saved, unsavedUrls: left },
      );
    }
    saved.push({ path: resolve(file.path), url, bytes: file.bytes, contentType: file.contentType });
    ctx.progress.note(`saved ${file.path} (${formatBytes(file.bytes)})`);
  }
  return saved;
}

/** What images and seconds of video of these models cost, or null when a model has no known price. */
export function costOf(images: { model: string; count: number } | null, video: { model: string; seconds: number } | null): number | null {
  try {
    return estimateCost(images?.count ?? 0, video?.seconds ?? 0, {
      ...(images ? { imageModel: images.model } : {}),
      ...(video ? { videoModel: video.model } : {}),
    });
  } catch {
    return null;
  }
}

/** Every http(s) or data URL in a model's output, in order. */
export function urlsIn(output: unknown): string[] {
  const urls: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (/^(https?:\/\/|data:)/i.test(value)) urls.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(visit);
    }
  };
  visit(output);
  return urls;
}

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
