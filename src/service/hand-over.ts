// Handing a finished prediction over: what a webhook delivery and the reconciler both do once they hold
// a terminal prediction that a submit made. Find what the journal (or this instance's memory) knows of
// it, save the outputs asked for, shape the same result object generateImage / generateVideo return,
// give it to the caller, then book the spend and journal the outcome. Booking comes after the caller has
// it, so a hand-over that failed (the caller threw, the process died) is done again rather than lost.

import type { RunMeta } from '../bookkeeping.js';
import { toUsd } from '../internal/micros.js';
import { outputUrls } from '../internal/output-urls.js';
import type { JournalEntry } from '../journal.js';
import { parseModelRef } from '../models.js';
import type { ClientContext } from '../operations/context.js';
import { asReplicateError, failureFields, finished, noOutput, OutcomeError } from '../operations/outcome.js';
import { actualCostMicros } from '../spend.js';
import { isTerminalStatus, type Prediction } from '../types/prediction.js';
import type { ImageResult, VideoResult } from '../types/results.js';
import type { RunOutcome } from '../waiting.js';
import { journalEntry } from './journal-view.js';
import type { ServiceState } from './state.js';
import type { ResultListener, ServiceResult } from './types.js';

export type HandOverContext = Pick<ClientContext, 'books' | 'redact' | 'prices' | 'videoAdapters' | 'closeSignal'> & {
  service: ServiceState;
};

/**
 * What became of a hand-over: `handed_over` (the caller has it, it is booked), `duplicate` (already
 * handed over, by this instance or one sharing the journal), `unknown` (not a prediction a submit made
 * here or in the journal: ignored), `running` (not terminal yet).
 */
export type HandOver = 'handed_over' | 'duplicate' | 'unknown' | 'running';

/** @throws whatever `onResult` threw, or the journal's error: nothing was booked, hand it over again later. */
export function handOver(
  ctx: HandOverContext,
  prediction: Prediction,
  via: ServiceResult['via'],
  onResult: ResultListener,
): Promise<HandOver> {
  if (!isTerminalStatus(prediction.status)) return Promise.resolve('running');
  return ctx.service.exclusive(prediction.id, async (): Promise<HandOver> => {
    const local = ctx.service.submitted(prediction.id);
    const entry = ctx.books.journal ? await journalEntry(ctx.books, prediction.id) : null;
    if (entry?.finished) {
      ctx.service.forget(prediction.id);
      return 'duplicate';
    }
    const meta = local?.meta ?? (entry ? metaOf(entry) : null);
    if (!meta || (meta.kind !== 'image' && meta.kind !== 'video')) return 'unknown';
    const saved = entry?.files ?? [];
    const costMicros = actualCostMicros(
      {
        model: prediction.model || meta.model,
        status: prediction.status,
        output: prediction.output,
        durationSeconds: meta.durationSeconds,
        input: meta.input,
        imageCount: typeof prediction.metrics?.image_count === 'number' ? prediction.metrics.image_count : null,
      },
      ctx.prices,
    );
    const costUsd = costMicros === null ? null : toUsd(costMicros);
    const finishedResult: ServiceResult =
      meta.kind === 'image'
        ? {
            kind: 'image',
            predictionId: prediction.id,
            via,
            result: await imageResult(ctx, meta, prediction, saved, costUsd),
          }
        : {
            kind: 'video',
            predictionId: prediction.id,
            via,
            result: await videoResult(ctx, meta, prediction, saved, costUsd),
          };
    await onResult(finishedResult);
    await ctx.books.finish(meta, prediction, local?.hold ?? null);
    ctx.service.forget(prediction.id);
    return 'handed_over';
  });
}

function metaOf(entry: JournalEntry): RunMeta {
  return {
    requestId: entry.requestId,
    model: entry.model,
    input: entry.input,
    kind: entry.kind,
    downloadDir: entry.downloadDir,
    durationSeconds: entry.durationSeconds,
  };
}

async function imageResult(
  ctx: HandOverContext,
  meta: RunMeta,
  prediction: Prediction,
  saved: JournalEntry['files'],
  costUsd: number | null,
): Promise<ImageResult> {
  const outcome: RunOutcome = { kind: 'finished', prediction, strays: [] };
  try {
    const done = finished(outcome);
    const imageUrls = outputUrls(done.output);
    const [imageUrl] = imageUrls;
    if (imageUrl === undefined) throw noOutput(done, 'image URLs');
    const files = await saveMissing(ctx, meta, done, imageUrls, saved, outcome);
    return {
      success: true,
      imageUrl,
      imageUrls,
      predictionId: done.id,
      error: null,
      prediction: done,
      costUsd,
      ...files,
    };
  } catch (error) {
    return { ...failureFields(ctx.redact, asReplicateError(error), outcome), imageUrl: null, imageUrls: [] };
  }
}

async function videoResult(
  ctx: HandOverContext,
  meta: RunMeta,
  prediction: Prediction,
  saved: JournalEntry['files'],
  costUsd: number | null,
): Promise<VideoResult> {
  const outcome: RunOutcome = { kind: 'finished', prediction, strays: [] };
  const durationSeconds = meta.durationSeconds ?? 0;
  try {
    const done = finished(outcome);
    const adapter = ctx.videoAdapters[parseModelRef(meta.model)?.model ?? meta.model];
    const videoUrl = adapter?.videoUrl ? adapter.videoUrl(done.output) : (outputUrls(done.output)[0] ?? null);
    if (!videoUrl) throw noOutput(done, 'video URL');
    const files = await saveMissing(ctx, meta, done, [videoUrl], saved, outcome);
    return {
      success: true,
      videoUrl,
      durationSeconds,
      predictionId: done.id,
      error: null,
      prediction: done,
      costUsd,
      ...files,
    };
  } catch (error) {
    return { ...failureFields(ctx.redact, asReplicateError(error), outcome), videoUrl: null, durationSeconds };
  }
}

/** Saves the outputs not yet on disk (a hand-over done again after a crash keeps what was saved). */
async function saveMissing(
  ctx: HandOverContext,
  meta: RunMeta,
  prediction: Prediction,
  urls: readonly string[],
  saved: JournalEntry['files'],
  outcome: RunOutcome,
): Promise<{ files?: string[] }> {
  if (meta.downloadDir === null) return {};
  const byIndex = new Map(saved.map((f) => [f.index, f.path]));
  const indices = urls.map((_, i) => i).filter((i) => !byIndex.has(i));
  const result = await ctx.books.save(prediction.id, urls, {
    dir: meta.downloadDir,
    expect: meta.kind === 'video' ? 'video' : 'image',
    indices,
    signal: ctx.closeSignal,
  });
  if (result.error) throw new OutcomeError(result.error, outcome);
  indices.forEach((index, i) => {
    const path = result.files[i];
    if (path !== undefined) byIndex.set(index, path);
  });
  return { files: urls.map((_, i) => byIndex.get(i)).filter((p): p is string => p !== undefined) };
}
