// generateImage: a prompt in, image URLs (and saved files) out; never throws for operational failures.

import type { RunMeta } from '../bookkeeping.js';
import { DEFAULT_IMAGE_MODEL, DEFAULT_TIMEOUT_MS } from '../defaults.js';
import { InvalidInputError } from '../errors.js';
import { outputUrls } from '../internal/output-urls.js';
import type { GenerateImageOptions } from '../types/options.js';
import type { ImageFailure, ImageResult } from '../types/results.js';
import { checkDownload, checkInput, progressListener, readOptions } from './checks.js';
import { begin, type ClientContext } from './context.js';
import {
  asReplicateError,
  duplicatesOf,
  failureFields,
  finished,
  noOutput,
  outcomeOf,
  withCatalogueHint,
} from './outcome.js';
import { type RunContext, runWithBooks, saveOutputs } from './run.js';

export type GenerateImageContext = RunContext & Pick<ClientContext, 'redact' | 'closeSignal'>;

export async function generateImage(
  ctx: GenerateImageContext,
  prompt: string,
  options: GenerateImageOptions,
): Promise<ImageResult> {
  try {
    const opts = readOptions(options);
    if (typeof prompt !== 'string' || prompt.trim() === '')
      throw new InvalidInputError('The prompt is empty: describe the image to generate');
    const input = { ...checkInput(opts.input), prompt };
    const downloadDir = checkDownload(opts.download);
    const started = begin(ctx, opts, DEFAULT_TIMEOUT_MS);
    const model = opts.model ?? DEFAULT_IMAGE_MODEL;
    const asked: unknown = (input as Record<string, unknown>).num_outputs;
    const numOutputs = typeof asked === 'number' && asked > 0 ? Math.ceil(asked) : 1;
    const hold = await ctx.books.reserve(
      model,
      numOutputs,
      `${numOutputs} image${numOutputs === 1 ? '' : 's'} of ${model}`,
    );
    const meta: RunMeta = { requestId: null, model, input, kind: 'image', downloadDir, durationSeconds: null };
    const { outcome, costUsd } = await runWithBooks(ctx, {
      model,
      input,
      started,
      keepRunning: opts.keepRunning,
      meta,
      hold,
    });
    const prediction = finished(outcome);
    const imageUrls = outputUrls(prediction.output);
    const [imageUrl] = imageUrls;
    if (imageUrl === undefined) throw noOutput(prediction, 'image URLs');
    // Nothing asked to be saved (the usual case): no save to start.
    const files =
      downloadDir === null
        ? {}
        : await saveOutputs(ctx, {
            prediction,
            urls: imageUrls,
            dir: downloadDir,
            expect: 'image',
            operation: started.operation,
            outcome,
            onProgress: progressListener(opts.download),
          });
    return {
      success: true,
      imageUrl,
      imageUrls,
      predictionId: prediction.id,
      error: null,
      prediction,
      costUsd,
      ...files,
      ...duplicatesOf(outcome),
    };
  } catch (error) {
    const failure: ImageFailure = {
      ...failureFields(
        ctx.redact,
        withCatalogueHint(asReplicateError(error), options?.model ?? DEFAULT_IMAGE_MODEL),
        outcomeOf(error),
      ),
      imageUrl: null,
      imageUrls: [],
    };
    return failure;
  }
}
