// Submitting: create the prediction with a webhook (and Cancel-After), journal it, return its id at once.
// Nothing waits for it here: Replicate's `completed` delivery (the webhook handler, hand-over.ts) or the
// reconciler finishes it. The budget hold taken here stays until then.

import * as api from '../api.js';
import type { RunMeta } from '../bookkeeping.js';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_IMAGE_MODEL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_VIDEO_MODEL,
  DEFAULT_VIDEO_TIMEOUT_MS,
} from '../defaults.js';
import { InvalidInputError, ReplicateError } from '../errors.js';
import { type ImageInput, resolveImageInputs } from '../image-inputs.js';
import { toUsd } from '../internal/micros.js';
import { printable } from '../internal/printable.js';
import { videoModelInput } from '../models.js';
import { checkDownload, checkInput, checkVideoRequest, readOptions } from '../operations/checks.js';
import { type ClientContext, throwIfClosed } from '../operations/context.js';
import { cleanError } from '../operations/outcome.js';
import type { Reservation } from '../spend.js';
import type { ServiceState } from './state.js';
import type { SubmitImageOptions, SubmitOptions, SubmittedPrediction, SubmitVideoOptions } from './types.js';

export type SubmitContext = Pick<
  ClientContext,
  'transport' | 'books' | 'ledger' | 'redact' | 'now' | 'closeSignal' | 'videoAdapters'
> & { service: ServiceState };

/**
 * `client.submitImage`: checks, holds the estimate, journals the intent, creates with the webhook.
 * @throws ReplicateError: InvalidInputError (bad prompt or options, before anything), BudgetExceededError
 *   (nothing created), JournalError (the intent could not be written: nothing created), or the create's error.
 */
export async function submitImage(
  ctx: SubmitContext,
  prompt: string,
  options: SubmitImageOptions,
): Promise<SubmittedPrediction> {
  try {
    const opts = readSubmitOptions(options);
    if (typeof prompt !== 'string' || prompt.trim() === '')
      throw new InvalidInputError('The prompt is empty: describe the image to generate');
    const input: Record<string, unknown> = { ...checkInput(opts.input), prompt };
    const model = opts.model ?? DEFAULT_IMAGE_MODEL;
    const asked: unknown = input.num_outputs;
    const numOutputs = typeof asked === 'number' && asked > 0 ? Math.ceil(asked) : 1;
    throwIfClosed(ctx);
    const hold = await ctx.books.reserve(
      model,
      numOutputs,
      `${numOutputs} image${numOutputs === 1 ? '' : 's'} of ${model}`,
    );
    const meta: RunMeta = {
      requestId: null,
      model,
      input,
      kind: 'image',
      downloadDir: checkDownload(opts.download),
      durationSeconds: null,
    };
    return await create(ctx, meta, hold, opts, DEFAULT_TIMEOUT_MS);
  } catch (error) {
    throw cleanError(ctx.redact, error);
  }
}

/**
 * `client.submitVideo`: like {@link submitImage}, from images (URLs, data URLs or bytes; large ones are
 * uploaded first) through the model's input adapter, as generateVideo does.
 */
export async function submitVideo(
  ctx: SubmitContext,
  images: readonly ImageInput[],
  options: SubmitVideoOptions,
): Promise<SubmittedPrediction> {
  let hold: Reservation | null = null;
  try {
    const opts = readSubmitOptions(options);
    const { durationSeconds, model, adapter, extra, downloadDir } = checkVideoRequest(
      images,
      opts,
      ctx.videoAdapters,
      DEFAULT_VIDEO_MODEL,
    );
    throwIfClosed(ctx);
    // Refused before the uploads: nothing is created when the budget would be crossed. The hold is for
    // what the model will be asked: a `duration` in `input` overrides durationSeconds (as generateVideo).
    const heldSeconds = secondsAsked(extra, durationSeconds);
    hold = await ctx.books.reserve(model, heldSeconds, `${heldSeconds} s of video of ${model}`);
    const deadline = ctx.now() + DEFAULT_CALL_TIMEOUT_MS;
    const resolved = await resolveImageInputs(images, async (content, filename) => {
      const file = await api.uploadFile(ctx.transport, content, { filename, signal: opts.signal, deadline });
      return file.urls.get;
    });
    const input = videoModelInput(adapter, resolved, { durationSeconds, prompt: opts.prompt, fps: opts.fps }, extra);
    // The adapter may set the duration itself: the hold and the books follow the input actually sent.
    const sentSeconds = secondsAsked(input, durationSeconds);
    if (sentSeconds !== heldSeconds) {
      ctx.books.spend.settle(hold, 0);
      hold = null;
      hold = await ctx.books.reserve(model, sentSeconds, `${sentSeconds} s of video of ${model}`);
    }
    const meta: RunMeta = { requestId: null, model, input, kind: 'video', downloadDir, durationSeconds: sentSeconds };
    const taken = hold;
    hold = null; // create() settles it from here on
    return await create(ctx, meta, taken, opts, DEFAULT_VIDEO_TIMEOUT_MS);
  } catch (error) {
    if (hold) ctx.books.spend.settle(hold, 0);
    throw cleanError(ctx.redact, error);
  }
}

function readSubmitOptions<T extends SubmitOptions>(options: T): T {
  const opts = readOptions(options);
  const webhook: unknown = opts.webhook;
  let url: URL | null = null;
  try {
    url = typeof webhook === 'string' ? new URL(webhook) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new InvalidInputError(
      `webhook must be the https URL Replicate delivers the finished prediction to, got ${printable(webhook)}`,
    );
  }
  if (
    opts.cancelAfterMs !== undefined &&
    (typeof opts.cancelAfterMs !== 'number' || !Number.isFinite(opts.cancelAfterMs) || opts.cancelAfterMs <= 0)
  ) {
    throw new InvalidInputError(
      `cancelAfterMs must be a positive number of milliseconds, got ${printable(opts.cancelAfterMs)}`,
    );
  }
  return opts;
}

/** Intent, create (with webhook and Cancel-After), created record; the hold is kept for the hand-over. */
async function create(
  ctx: SubmitContext,
  meta: RunMeta,
  hold: Reservation,
  opts: SubmitOptions,
  defaultCancelAfterMs: number,
): Promise<SubmittedPrediction> {
  try {
    if (ctx.books.journal) {
      meta.requestId = hold.requestId ?? globalThis.crypto.randomUUID();
      await ctx.books.intent(meta, hold);
    }
    const now = ctx.now();
    let prediction: Awaited<ReturnType<typeof api.createPrediction>>;
    try {
      prediction = await api.createPrediction(
        ctx.transport,
        {
          model: meta.model,
          input: meta.input,
          webhook: opts.webhook,
          webhookEventsFilter: ['completed'],
          cancelAfterMs: opts.cancelAfterMs ?? defaultCancelAfterMs,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
        { deadline: now + DEFAULT_CALL_TIMEOUT_MS, startedAt: now, ledger: ctx.ledger },
      );
    } catch (error) {
      // Certainly not created: close the intent. Ambiguous: leave it open for resume() to adopt or close.
      if (meta.requestId !== null && error instanceof ReplicateError && !error.ambiguous)
        await ctx.books.notCreated(meta.requestId);
      throw error;
    }
    await ctx.books.adopt(meta, prediction);
    ctx.service.remember(prediction.id, { meta, hold, at: now });
    return { predictionId: prediction.id, estimateUsd: hold.micros > 0 ? toUsd(hold.micros) : null, prediction };
  } catch (error) {
    ctx.books.spend.settle(hold, 0);
    throw error;
  }
}

/** Seconds of video the input asks for: its `duration` when it has a positive one, else `fallback`. */
function secondsAsked(input: Record<string, unknown>, fallback: number): number {
  const duration = input.duration;
  return typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : fallback;
}
