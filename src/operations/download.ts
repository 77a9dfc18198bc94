// download: save the outputs of a result, a prediction or URLs into a directory, atomically, each file
// recorded in the journal; never throws for operational failures.

import type { MediaKind } from '../downloads.js';
import { DataRemovedError, InvalidInputError } from '../errors.js';
import { outputUrls } from '../internal/output-urls.js';
import type { Downloadable, DownloadCallOptions } from '../types/options.js';
import { isPrediction, type Prediction } from '../types/prediction.js';
import type { DownloadResult } from '../types/results.js';
import { checkDownload, isObject, progressListener, readOptions } from './checks.js';
import { type ClientContext, throwIfClosed, withClose } from './context.js';
import { asReplicateError } from './outcome.js';

export async function download(
  ctx: Pick<ClientContext, 'books' | 'redact' | 'closeSignal'>,
  target: Downloadable,
  options: DownloadCallOptions,
): Promise<DownloadResult> {
  let predictionId: string | null = null;
  try {
    const opts = readOptions(options);
    const dir = checkDownload(opts);
    if (dir === null) throw new InvalidInputError('download needs { dir }: the directory to save into');
    throwIfClosed(ctx);
    const found = downloadTargets(target);
    predictionId = found.predictionId;
    if (found.urls.length === 0) {
      throw found.dataRemoved
        ? new DataRemovedError(
            `The outputs of prediction ${predictionId ?? '(unknown)'} are no longer available (data_removed): Replicate deletes API outputs an hour after the prediction`,
            { predictionId },
          )
        : new InvalidInputError('Nothing to download: no output URL was found in what was given', { predictionId });
    }
    const signal = withClose(ctx, opts.signal);
    const onProgress = progressListener(opts);
    const saved = await ctx.books.save(predictionId, found.urls, {
      dir,
      expect: found.expect,
      signal,
      ...(onProgress ? { onProgress } : {}),
    });
    if (saved.error) {
      return {
        success: false,
        predictionId,
        files: saved.files,
        error: ctx.redact(saved.error.message),
        errorCode: saved.error.code,
      };
    }
    return { success: true, predictionId, files: saved.files, error: null, errorCode: null };
  } catch (caught) {
    const error = asReplicateError(caught);
    return {
      success: false,
      predictionId: error.predictionId ?? predictionId,
      files: [],
      error: ctx.redact(error.message),
      errorCode: error.code,
    };
  }
}

/** The URLs, prediction id and media kind of something to download. */
function downloadTargets(target: Downloadable): {
  predictionId: string | null;
  urls: string[];
  expect: MediaKind;
  dataRemoved: boolean;
} {
  if (typeof target === 'string') return { predictionId: null, urls: [target], expect: 'media', dataRemoved: false };
  if (Array.isArray(target)) {
    if (!target.every((u) => typeof u === 'string')) throw new InvalidInputError('download takes URLs as strings');
    return { predictionId: null, urls: [...(target as readonly string[])], expect: 'media', dataRemoved: false };
  }
  if (!isObject(target)) throw new InvalidInputError('download takes a result, a prediction, a URL or a list of URLs');
  if (isPrediction(target) && !('predictionId' in target)) {
    return {
      predictionId: target.id,
      urls: outputUrls(target.output),
      expect: 'media',
      dataRemoved: target.data_removed === true,
    };
  }
  const result = target as Exclude<Downloadable, string | readonly string[] | Prediction> & {
    success?: unknown;
    errorCode?: unknown;
  };
  const predictionId = typeof result.predictionId === 'string' ? result.predictionId : null;
  const dataRemoved = result.prediction?.data_removed === true;
  if (result.success === false) {
    throw new InvalidInputError(`Nothing to download: the generation failed (${String(result.errorCode)})`, {
      predictionId,
    });
  }
  if (Array.isArray(result.imageUrls) && result.imageUrls.length > 0) {
    return { predictionId, urls: [...result.imageUrls], expect: 'image', dataRemoved };
  }
  if (typeof result.videoUrl === 'string')
    return { predictionId, urls: [result.videoUrl], expect: 'video', dataRemoved };
  const urls = outputUrls(result.output ?? result.prediction?.output);
  return { predictionId, urls, expect: 'media', dataRemoved };
}
