// A video from a sequence of images on a first-last-frame model (kwaivgi/kling-v2.1, ...): one
// prediction per pair of neighbouring images (a -> b, b -> c, ...), run in parallel under the client's
// rate limiter and budget, each journaled like any prediction (with its sequence id and index, so a
// crash resumes without paying again), then joined into one MP4 at container level (src/media).
// A transition that fails leaves the others kept: the result says which to retry, and calling again
// with the same `sequenceId` creates only those.

import * as api from '../api.js';
import type { RunMeta } from '../bookkeeping.js';
import { type CatalogueEntry, catalogueEntry } from '../catalogue.js';
import { DEFAULT_VIDEO_TIMEOUT_MS } from '../defaults.js';
import { InvalidInputError, JournalError, PredictionFailedError, type ReplicateError } from '../errors.js';
import { type ImageInput, resolveImageInputs } from '../image-inputs.js';
import { outputUrls } from '../internal/output-urls.js';
import { printable } from '../internal/printable.js';
import { foldJournal, type JournalEntry, readJournal, type SequenceRecord } from '../journal.js';
import { describeMp4 } from '../media/mp4-info.js';
import { joinMp4 } from '../media/mp4-join.js';
import { parseModelRef } from '../models.js';
import { planTransitions, type TransitionPlan } from '../sequence-plan.js';
import type { Reservation } from '../spend.js';
import type { GenerateVideoOptions } from '../types/options.js';
import type { Prediction } from '../types/prediction.js';
import type { ResumedSequence, VideoResult, VideoSegment } from '../types/results.js';
import { checkDownload, checkInput, readOptions } from './checks.js';
import { begin, type ClientContext } from './context.js';
import { asReplicateError, failureFields, finished, noOutput, outcomeOf, withCatalogueHint } from './outcome.js';
import { type RunContext, runWithBooks } from './run.js';
import { waitForExisting } from './wait-existing.js';

export type SequenceContext = RunContext & Pick<ClientContext, 'redact' | 'closeSignal' | 'videoAdapters' | 'prices'>;

type FirstLast = Extract<CatalogueEntry['frames'], { kind: 'first-last' }>;

/** What a transition is asked to show when the call gives no prompt (kling-v2.1 requires one). */
export const DEFAULT_TRANSITION_PROMPT = 'A smooth, continuous camera move from the first frame to the last frame';

const SEQUENCE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The catalogue entry when `model` is a first-last-frame model that generateVideo runs as a sequence;
 * undefined otherwise, and when the caller's own `videoAdapters` entry for it takes precedence.
 */
export function sequenceModel(
  ctx: Pick<ClientContext, 'videoAdapters'>,
  model: unknown,
): (CatalogueEntry & { frames: FirstLast }) | undefined {
  if (typeof model !== 'string') return undefined;
  const name = parseModelRef(model)?.model ?? model;
  if (Object.hasOwn(ctx.videoAdapters, name)) return undefined;
  const entry = catalogueEntry(name);
  return entry?.frames.kind === 'first-last' ? (entry as CatalogueEntry & { frames: FirstLast }) : undefined;
}

/** The default duration of one transition: the schema's default, else the shortest allowed. */
function defaultTransitionSeconds(entry: CatalogueEntry): number {
  const field = entry.limits.durationField;
  const fallback = field ? entry.input[field]?.default : undefined;
  if (typeof fallback === 'number' && fallback > 0) return fallback;
  const allowed = entry.limits.durations;
  if (Array.isArray(allowed)) return Math.min(...(allowed as number[]));
  if (allowed && 'min' in allowed) return Math.max(1, allowed.min);
  return 5;
}

/** What one transition came to. */
type TransitionOutcome =
  | { index: number; ok: true; segment: VideoSegment; prediction: Prediction | null }
  | { index: number; ok: false; error: ReplicateError; prediction: Prediction | null; canceled: boolean };

/** What the journal already holds for a sequence: per transition, the entry to reuse (if any). */
interface Previous {
  record: SequenceRecord | null;
  byIndex: Map<number, JournalEntry>;
  joined: boolean;
}

async function previousRun(ctx: SequenceContext, sequenceId: string): Promise<Previous> {
  const journal = ctx.books.journal;
  const none: Previous = { record: null, byIndex: new Map(), joined: false };
  if (!journal) return none;
  const { records } = await readJournal(journal.path);
  const state = foldJournal(records);
  const open = state.openIntents.filter((intent) => intent.sequenceId === sequenceId);
  if (open.length > 0) {
    throw new InvalidInputError(
      `Transition ${open.map((i) => i.sequenceIndex).join(', ')} of sequence ${sequenceId} may have been created by a process that stopped before it heard back: run client.resume() (or \`replicate-media resume\`) first, so it is not paid for twice`,
    );
  }
  const record =
    records.filter((r): r is SequenceRecord => r.event === 'sequence' && r.sequenceId === sequenceId).at(-1) ?? null;
  const joined = records.some((r) => r.event === 'sequence_joined' && r.sequenceId === sequenceId);
  const byIndex = new Map<number, JournalEntry>();
  for (const entry of state.entries) {
    if (entry.sequenceId !== sequenceId || entry.sequenceIndex === undefined) continue;
    // A succeeded transition is kept; one still running is waited for; a failed one is made again.
    const usable = !entry.finished || entry.status === 'succeeded';
    const current = byIndex.get(entry.sequenceIndex);
    const better = !current || (entry.status === 'succeeded' && current.status !== 'succeeded');
    if (usable && better) byIndex.set(entry.sequenceIndex, entry);
  }
  return { record, byIndex, joined };
}

/**
 * generateVideo on a first-last-frame model: the transitions between neighbouring images, joined.
 * Never throws for operational failures.
 */
export async function generateVideoSequence(
  ctx: SequenceContext,
  imageInputs: readonly ImageInput[],
  videoOptions: GenerateVideoOptions,
): Promise<VideoResult> {
  const holds = new Map<number, Reservation>();
  const releaseHolds = () => {
    for (const hold of holds.values()) ctx.books.spend.settle(hold, 0);
    holds.clear();
  };
  let durationSeconds = 0;
  let sequenceId: string | undefined;
  let model = '';
  try {
    const options = readOptions(videoOptions);
    model = String(options.model);
    const entry = sequenceModel(ctx, options.model);
    if (!entry) throw new InvalidInputError(`${printable(model)} is not a first-last-frame model in the catalogue`);
    if (!Array.isArray(imageInputs) || imageInputs.length < 2) {
      throw new InvalidInputError(
        `${entry.model} moves from one image to the next, so a sequence needs at least 2 images, got ${Array.isArray(imageInputs) ? imageInputs.length : 0}`,
      );
    }
    if (options.prompt !== undefined && typeof options.prompt !== 'string')
      throw new InvalidInputError('prompt must be a string');
    if (options.onTransition !== undefined && typeof options.onTransition !== 'function')
      throw new InvalidInputError('onTransition must be a function');
    if (
      options.sequenceId !== undefined &&
      (typeof options.sequenceId !== 'string' || !SEQUENCE_ID.test(options.sequenceId))
    )
      throw new InvalidInputError('sequenceId must be 1-100 letters, digits, ".", "_" or "-"');
    const extra = checkInput(options.input);
    const downloadDir = checkDownload(options.download);
    const transitions = imageInputs.length - 1;
    const totalSeconds = options.durationSeconds ?? defaultTransitionSeconds(entry) * transitions;
    const runInput = { ...(entry.frames.requires ?? {}), ...extra };
    // The client's price for the model (its `prices` option) wins over the catalogue's.
    const price = ctx.prices[entry.model];
    const plan: TransitionPlan = planTransitions(entry.model, {
      images: imageInputs.length,
      totalSeconds,
      input: runInput,
      ...(price ? { price } : {}),
    });
    durationSeconds = plan.billedSeconds;
    sequenceId = options.sequenceId ?? `seq-${globalThis.crypto.randomUUID()}`;
    const id = sequenceId;
    const previous = options.sequenceId
      ? await previousRun(ctx, id)
      : { record: null, byIndex: new Map(), joined: false };
    if (previous.record && previous.record.transitions !== transitions) {
      throw new InvalidInputError(
        `Sequence ${id} has ${previous.record.transitions} transitions in the journal, but ${imageInputs.length} images make ${transitions}: pass the same images, or another sequenceId`,
      );
    }
    // A sequence taken up again keeps the durations it started with (its transitions may exist).
    const durations = previous.record?.durations ?? plan.durations;
    durationSeconds = durations.reduce((n, d) => n + d, 0);
    const toCreate = durations.map((_, k) => k).filter((k) => !previous.byIndex.has(k));

    // The budget first: one hold per transition to create, all taken before anything is created.
    for (const k of toCreate) {
      const seconds = durations[k] as number;
      holds.set(k, ctx.books.reserve(entry.model, seconds, `${seconds} s transition ${k} of ${entry.model}`));
    }
    const started = begin(ctx, options, DEFAULT_VIDEO_TIMEOUT_MS);
    if (ctx.books.journal && !previous.record) {
      const journal = ctx.books.journal;
      await journal
        .append({ event: 'sequence', sequenceId: id, model: entry.model, transitions, durations, downloadDir })
        .catch((error: unknown) => {
          throw new JournalError(
            `Could not write the journal ${journal.path} (${error instanceof Error ? error.message : String(error)}); nothing was created`,
            { cause: error },
          );
        });
    }
    const images =
      toCreate.length === 0
        ? []
        : await resolveImageInputs(imageInputs, async (content, filename) => {
            const file = await api.uploadFile(ctx.transport, content, {
              filename,
              signal: started.operation.signal,
              deadline: started.operation.deadline,
              onRetry: started.operation.onRetry,
            });
            return file.urls.get;
          });

    const report = (index: number) => (update: Parameters<NonNullable<typeof options.onStatus>>[0]) => {
      try {
        options.onTransition?.(index, update);
      } catch {
        // A progress listener must never break the run.
      }
      options.onStatus?.(update);
    };

    const runOne = async (k: number): Promise<TransitionOutcome> => {
      const seconds = durations[k] as number;
      const prior = previous.byIndex.get(k);
      const meta: RunMeta = {
        requestId: null,
        model: entry.model,
        input: {},
        kind: 'video',
        downloadDir,
        durationSeconds: seconds,
        sequence: { id, index: k },
      };
      try {
        let prediction: Prediction;
        let costUsd: number | null;
        if (prior) {
          meta.requestId = prior.requestId;
          meta.input = prior.input;
          if (prior.finished) {
            const url = prior.outputUrls[0];
            if (!url)
              throw new PredictionFailedError(`Transition ${k} (prediction ${prior.predictionId}) has no video URL`);
            const segment = segmentOf(k, prior.predictionId, url, seconds, prior.costUsd, prior);
            return { index: k, ok: true, segment, prediction: null };
          }
          prediction = await waitForExisting(
            ctx,
            prior.predictionId,
            { ...options, onStatus: report(k) },
            DEFAULT_VIDEO_TIMEOUT_MS,
          );
          costUsd = await ctx.books.finish(meta, prediction, null);
          prediction = finished({ kind: 'finished', prediction, strays: [] });
        } else {
          const input = {
            prompt: options.prompt ?? DEFAULT_TRANSITION_PROMPT,
            [entry.frames.startField]: images[k],
            [entry.frames.endField]: images[k + 1],
            ...(entry.limits.durationField ? { [entry.limits.durationField]: seconds } : {}),
            ...runInput,
          };
          meta.input = input;
          const run = begin(ctx, { ...options, onStatus: report(k) }, DEFAULT_VIDEO_TIMEOUT_MS);
          const hold = holds.get(k) as Reservation;
          holds.delete(k);
          const outcome = await runWithBooks(ctx, {
            model: entry.model,
            input,
            started: run,
            keepRunning: options.keepRunning,
            meta,
            hold,
          });
          costUsd = outcome.costUsd;
          prediction = finished(outcome.outcome);
        }
        const url = outputUrls(prediction.output)[0];
        if (!url) throw noOutput(prediction, 'video URL');
        return { index: k, ok: true, segment: segmentOf(k, prediction.id, url, seconds, costUsd, null), prediction };
      } catch (error) {
        const outcome = outcomeOf(error);
        return {
          index: k,
          ok: false,
          error: withCatalogueHint(asReplicateError(error), entry.model),
          prediction: outcome?.prediction ?? null,
          canceled: outcome?.kind === 'gave_up' ? outcome.canceledOnServer : false,
        };
      }
    };

    const outcomes = await Promise.all(durations.map((_, k) => runOne(k)));
    const segments = outcomes.filter((o) => o.ok).map((o) => (o as { segment: VideoSegment }).segment);
    const failures = outcomes.filter((o): o is Extract<TransitionOutcome, { ok: false }> => !o.ok);

    // Kept segments are saved at once when asked: their URLs expire, and a retry or resume joins them.
    const fetched = await fetchSegments(ctx, segments, downloadDir, started.operation.signal);
    if (failures.length > 0 || fetched.error) {
      const first = failures[0];
      const error = first?.error ?? (fetched.error as ReplicateError);
      const retry = first ? failures.map((f) => f.index) : [];
      const n = segments.length;
      const kept = n === 0 ? 'none succeeded' : `the ${n} that succeeded ${n === 1 ? 'is' : 'are'} kept`;
      const which = first
        ? `${retry.length} of ${transitions} transitions failed (retry [${retry.join(', ')}], counted from 0; first: ${error.message})`
        : `a transition could not be fetched (${error.message})`;
      const message = `${which}; ${kept}: call generateVideo again with sequenceId "${id}" to ${first ? 'make only the failed ones' : 'fetch and join them'}`;
      return {
        ...failureFields(ctx.redact, error.with({ message }), undefined),
        prediction: first?.prediction ?? null,
        canceledOnServer: first?.canceled ?? false,
        videoUrl: null,
        durationSeconds,
        segments,
        retry,
        sequenceId: id,
      };
    }

    const joined = joinSegments(segments, fetched.bytes);
    let files: string[] | undefined;
    if (downloadDir !== null) {
      const path = await writeJoined(downloadDir, id, joined.bytes);
      files = [path];
      await ctx.books.journal?.append({
        event: 'sequence_joined',
        sequenceId: id,
        path,
        bytes: joined.bytes.length,
        predictionIds: segments.map((s) => s.predictionId),
      });
    }
    const firstOutcome = outcomes[0] as Extract<TransitionOutcome, { ok: true }>;
    const firstSegment = segments[0] as VideoSegment;
    const costs = segments.map((s) => s.costUsd);
    const costUsd = costs.some((c) => c === null)
      ? null
      : Math.round(costs.reduce((n: number, c) => n + (c as number) * 1_000_000, 0)) / 1_000_000;
    return {
      success: true,
      videoUrl: firstSegment.videoUrl,
      durationSeconds,
      predictionId: firstSegment.predictionId,
      error: null,
      prediction: firstOutcome.prediction ?? placeholder(firstSegment, entry.model),
      costUsd,
      ...(files ? { files } : {}),
      bytes: joined.bytes,
      segments,
      sequenceId: id,
      plan: { ...plan, durations, billedSeconds: durations.reduce((n, d) => n + d, 0) },
      audio: joined.audio,
    };
  } catch (error) {
    releaseHolds();
    const typed = withCatalogueHint(asReplicateError(error), model);
    return {
      ...failureFields(ctx.redact, typed, outcomeOf(error)),
      videoUrl: null,
      durationSeconds,
      ...(sequenceId ? { sequenceId } : {}),
    };
  }
}

function segmentOf(
  index: number,
  predictionId: string,
  videoUrl: string,
  durationSeconds: number,
  costUsd: number | null,
  entry: JournalEntry | null,
): VideoSegment {
  return { index, predictionId, videoUrl, durationSeconds, costUsd, file: entry?.files[0]?.path ?? null };
}

/** Stands in for the first transition's prediction when it was finished in an earlier call. */
function placeholder(segment: VideoSegment, model: string): Prediction {
  return {
    id: segment.predictionId,
    model,
    version: '',
    input: {},
    output: segment.videoUrl,
    error: null,
    status: 'succeeded',
    created_at: new Date(0).toISOString(),
  };
}

/**
 * Each segment's bytes: from its saved file when it has one, else saved now (with `download`, so the
 * journal lists it for a resume after the URL expires) or fetched into memory.
 */
async function fetchSegments(
  ctx: SequenceContext,
  segments: VideoSegment[],
  downloadDir: string | null,
  signal: AbortSignal | undefined,
): Promise<{ bytes: Uint8Array[]; error: ReplicateError | null }> {
  const bytes: Uint8Array[] = [];
  for (const segment of segments) {
    try {
      if (segment.file === null && downloadDir !== null) {
        const saved = await ctx.books.save(segment.predictionId, [segment.videoUrl], {
          dir: downloadDir,
          expect: 'video',
          signal: signal ? AbortSignal.any([signal, ctx.closeSignal]) : ctx.closeSignal,
        });
        if (saved.error) return { bytes, error: saved.error };
        segment.file = saved.files[0] ?? null;
      }
      if (segment.file !== null) {
        const fs = await import('node:fs/promises');
        bytes.push(new Uint8Array(await fs.readFile(segment.file)));
      } else {
        const response = await ctx.transport.openPublic(segment.videoUrl, signal ? { signal } : {});
        bytes.push(new Uint8Array(await response.arrayBuffer()));
      }
    } catch (error) {
      return { bytes, error: asReplicateError(error).with({ predictionId: segment.predictionId }) };
    }
  }
  return { bytes, error: null };
}

/** Joins the segments; a segment that is not a joinable MP4 fails as its transition's prediction. */
export function joinSegments(
  segments: readonly Pick<VideoSegment, 'index' | 'predictionId'>[],
  bytes: readonly Uint8Array[],
): { bytes: Uint8Array; audio: 'joined' | 'dropped' | 'none' } {
  let withAudio = 0;
  bytes.forEach((b, i) => {
    try {
      if (describeMp4(b).hasAudio) withAudio++;
    } catch (error) {
      const segment = segments[i];
      throw new PredictionFailedError(
        `Transition ${segment?.index} (prediction ${segment?.predictionId}) did not make a readable MP4: ${asReplicateError(error).message}`,
        { predictionId: segment?.predictionId ?? null },
      );
    }
  });
  const audio = withAudio === 0 ? 'none' : withAudio === bytes.length ? 'joined' : 'dropped';
  return { bytes: joinMp4(bytes), audio };
}

/** Writes the joined video as `<dir>/<sequenceId>.mp4`, atomically (a temporary file renamed). */
async function writeJoined(dir: string, sequenceId: string, bytes: Uint8Array): Promise<string> {
  const fs = await import('node:fs/promises');
  await fs.mkdir(dir, { recursive: true });
  const path = `${dir.replace(/[\\/]+$/, '')}/${sequenceId}.mp4`;
  const temporary = `${path}.${globalThis.crypto.randomUUID()}.part`;
  await fs.writeFile(temporary, bytes);
  await fs.rename(temporary, path);
  return path;
}

/**
 * After resume finished the predictions: joins every sequence the journal started with `download`
 * whose transitions all succeeded and whose joined video is not saved yet. Never creates anything.
 */
export async function finishSequences(ctx: SequenceContext): Promise<ResumedSequence[]> {
  const journal = ctx.books.journal;
  if (!journal) return [];
  const { records } = await readJournal(journal.path);
  const state = foldJournal(records);
  const joined = new Set(records.filter((r) => r.event === 'sequence_joined').map((r) => r.sequenceId));
  const started = records.filter(
    (r): r is SequenceRecord => r.event === 'sequence' && !joined.has(r.sequenceId) && r.downloadDir !== null,
  );
  const results: ResumedSequence[] = [];
  for (const sequence of started) {
    const byIndex = new Map<number, JournalEntry>();
    for (const entry of state.entries) {
      if (entry.sequenceId !== sequence.sequenceId || entry.sequenceIndex === undefined) continue;
      if (entry.finished && entry.status === 'succeeded') byIndex.set(entry.sequenceIndex, entry);
    }
    const retry = Array.from({ length: sequence.transitions }, (_, k) => k).filter((k) => !byIndex.has(k));
    const base = { sequenceId: sequence.sequenceId, model: sequence.model };
    if (retry.length > 0) {
      results.push({
        ...base,
        success: false,
        file: null,
        retry,
        error: `Transition${retry.length === 1 ? '' : 's'} ${retry.join(', ')} did not succeed: call generateVideo with sequenceId "${sequence.sequenceId}" to make ${retry.length === 1 ? 'it' : 'them'}`,
      });
      continue;
    }
    const segments = [...byIndex.entries()]
      .sort(([a], [b]) => a - b)
      .map(([k, entry]) =>
        segmentOf(k, entry.predictionId, entry.outputUrls[0] ?? '', sequence.durations[k] ?? 0, entry.costUsd, entry),
      );
    try {
      const fetched = await fetchSegments(ctx, segments, sequence.downloadDir, undefined);
      if (fetched.error) throw fetched.error;
      const video = joinSegments(segments, fetched.bytes);
      const path = await writeJoined(sequence.downloadDir as string, sequence.sequenceId, video.bytes);
      await journal.append({
        event: 'sequence_joined',
        sequenceId: sequence.sequenceId,
        path,
        bytes: video.bytes.length,
        predictionIds: segments.map((s) => s.predictionId),
      });
      results.push({ ...base, success: true, file: path, retry: [], error: null });
    } catch (error) {
      results.push({
        ...base,
        success: false,
        file: null,
        retry: [],
        error: ctx.redact(asReplicateError(error).message),
      });
    }
  }
  return results;
}
