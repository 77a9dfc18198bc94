// The files a command saved: describing them (path, size, type) for people and --json, saving the
// outputs of an existing prediction, and checking the output directory before anything is paid for.
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Downloadable, ReplicateClient } from '../index.js';
import { mediaTypeOfExtension } from '../internal/media-types.js';
import type { CommandContext } from './context.js';
import { FailedError, InterruptedError, UsageError, withJson } from './errors.js';
import { displayPath, formatBytes } from './output.js';
import { savingTo } from './status-listener.js';

/** A downloaded output, as printed and put in --json. */
export interface SavedFile {
  /** Absolute path. */
  path: string;
  url: string;
  bytes: number;
  contentType: string;
}

/** Logs saved files (plain mode only: on a terminal the result lists them). */
export function noteSaved(ctx: CommandContext, files: readonly SavedFile[]): void {
  for (const file of files) ctx.progress.note(`saved ${displayPath(file.path)} (${formatBytes(file.bytes)})`);
}

/** `Saved PATH (SIZE)` on stdout, a line per saved file. */
export function printSaved(ctx: CommandContext, files: readonly SavedFile[]): void {
  for (const file of files) ctx.out.line(`Saved ${displayPath(file.path)} (${formatBytes(file.bytes)})`);
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
