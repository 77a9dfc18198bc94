// generateVideo: images (URLs, data URLs or bytes; large ones uploaded) in, a video URL (and the saved
// file) out, through the model's input adapter; never throws for operational failures.

import * as api from '../api.js';
import type { RunMeta } from '../bookkeeping.js';
import { DEFAULT_VIDEO_MODEL, DEFAULT_VIDEO_TIMEOUT_MS } from '../defaults.js';
import type { ReplicateError } from '../errors.js';
import { type ImageInput, resolveImageInputs } from '../image-inputs.js';
import { outputUrls } from '../internal/output-urls.js';
import { videoModelInput } from '../models.js';
import type { Reservation } from '../spend.js';
import type { GenerateVideoOptions } from '../types/options.js';
import type { VideoFailure, VideoResult } from '../types/results.js';
import type { RunOutcome } from '../waiting.js';
import { checkVideoRequest, progressListener, readOptions } from './checks.js';
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
import { generateVideoSequence, sequenceModel } from './video-sequence.js';

export type GenerateVideoContext = RunContext &
  Pick<ClientContext, 'redact' | 'closeSignal' | 'videoAdapters' | 'prices'>;

export async function generateVideo(
  ctx: GenerateVideoContext,
  imageUrls: readonly ImageInput[],
  videoOptions: GenerateVideoOptions,
): Promise<VideoResult> {
  // A first-last-frame catalogue model makes one transition per pair of images, joined (video-sequence.ts).
  if (sequenceModel(ctx, videoOptions?.model)) return generateVideoSequence(ctx, imageUrls, videoOptions);
  const count = Array.isArray(imageUrls) ? imageUrls.length : 0;
  const durationSeconds = videoOptions?.durationSeconds ?? count;
  // What the model is asked for: `durationSeconds`, unless the input sent says `duration`.
  let askedSeconds = durationSeconds;
  const fail = (error: ReplicateError, outcome?: RunOutcome): VideoFailure => ({
    ...failureFields(ctx.redact, error, outcome),
    videoUrl: null,
    durationSeconds: askedSeconds,
  });
  let hold: Reservation | null = null;
  try {
    const options = readOptions(videoOptions);
    const { model, adapter, extra, downloadDir } = checkVideoRequest(
      imageUrls,
      options,
      ctx.videoAdapters,
      DEFAULT_VIDEO_MODEL,
    );
    // The deadline starts now: uploads of large images count against it.
    const started = begin(ctx, options, DEFAULT_VIDEO_TIMEOUT_MS);
    const { operation } = started;
    // Refused before the uploads: nothing is created when the budget would be crossed. The hold is for
    // what the model will be asked: a `duration` in `input` overrides durationSeconds.
    const heldSeconds = secondsAsked(extra, durationSeconds);
    askedSeconds = heldSeconds;
    hold = await ctx.books.reserve(model, heldSeconds, `${heldSeconds} s of video of ${model}`);
    const images = await resolveImageInputs(imageUrls, async (content, filename) => {
      const file = await api.uploadFile(ctx.transport, content, {
        filename,
        signal: operation.signal,
        deadline: operation.deadline,
        onRetry: operation.onRetry,
      });
      return file.urls.get;
    });
    const input = videoModelInput(
      adapter,
      images,
      { durationSeconds, prompt: options.prompt, fps: options.fps },
      extra,
    );
    // The adapter may set the duration itself: the hold and the books follow the input actually sent.
    const sentSeconds = secondsAsked(input, durationSeconds);
    if (sentSeconds !== heldSeconds) {
      ctx.books.spend.settle(hold, 0);
      hold = null;
      hold = await ctx.books.reserve(model, sentSeconds, `${sentSeconds} s of video of ${model}`);
      askedSeconds = sentSeconds;
    }
    const meta: RunMeta = {
      requestId: null,
      model,
      input,
      kind: 'video',
      downloadDir,
      durationSeconds: sentSeconds,
    };
    const run = await runWithBooks(ctx, { model, input, started, keepRunning: options.keepRunning, meta, hold });
    hold = null;
    const { outcome, costUsd } = run;
    const prediction = finished(outcome);
    const videoUrl = adapter.videoUrl
      ? adapter.videoUrl(prediction.output)
      : (outputUrls(prediction.output)[0] ?? null);
    if (!videoUrl) throw noOutput(prediction, 'video URL');
    const files = await saveOutputs(ctx, {
      prediction,
      urls: [videoUrl],
      dir: downloadDir,
      expect: 'video',
      operation,
      outcome,
      onProgress: progressListener(options.download),
    });
    return {
      success: true,
      videoUrl,
      durationSeconds: askedSeconds,
      predictionId: prediction.id,
      error: null,
      prediction,
      costUsd,
      ...files,
      ...duplicatesOf(outcome),
    };
  } catch (error) {
    // A failure before the run (an upload, say) releases the hold: nothing was created.
    if (hold) ctx.books.spend.settle(hold, 0);
    return fail(
      withCatalogueHint(asReplicateError(error), videoOptions?.model ?? DEFAULT_VIDEO_MODEL),
      outcomeOf(error),
    );
  }
}

/** Seconds of video the input asks for: its `duration` when it has a positive one, else `fallback`. */
function secondsAsked(input: Record<string, unknown>, fallback: number): number {
  const duration = input.duration;
  return typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : fallback;
}
