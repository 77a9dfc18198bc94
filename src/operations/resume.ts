// Resuming from the journal after a crash: find the predictions whose create was sent but whose answer
// never reached the journal (adopt them by model and input), wait for every prediction not yet terminal,
// book its cost, and save the outputs that were asked for and are not on disk. Never creates anything.

import * as api from '../api.js';
import type { Bookkeeper, RunMeta } from '../bookkeeping.js';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_RESUME_CONCURRENCY,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_VIDEO_TIMEOUT_MS,
  RESUME_ADOPTION_SKEW_MS,
} from '../defaults.js';
import { ConfigurationError, InvalidInputError, ReplicateError } from '../errors.js';
import { inputMatches } from '../internal/canonical.js';
import { outputUrls } from '../internal/output-urls.js';
import {
  foldJournal,
  type IntentRecord,
  type JournalEntry,
  missingFiles,
  newJournalEntry,
  readJournal,
} from '../journal.js';
import { parseModelRef } from '../models.js';
import { REDACTED } from '../redact.js';
import type { ResumeOptions, WaitOptions } from '../types/options.js';
import type { Prediction } from '../types/prediction.js';
import type { ResumedPrediction } from '../types/results.js';
import { readOptions } from './checks.js';
import { throwIfClosed, withClose } from './context.js';
import { finishSequences, type SequenceContext } from './video-sequence.js';
import { type WaitContext, waitForExisting } from './wait-existing.js';

/** What resume needs from the client. */
export interface ResumeHost {
  books: Bookkeeper;
  journalPath: string;
  /** Waits for a prediction to reach a terminal status. @throws ReplicateError */
  wait(predictionId: string, kind: JournalEntry['kind']): Promise<Prediction>;
  /** Every prediction created at or after `sinceMs` (all pages). */
  listCreatedSince(sinceMs: number): Promise<Prediction[]>;
  signal: AbortSignal | undefined;
  concurrency: number;
  onResult: ((result: ResumedPrediction) => void) | undefined;
}

export async function resumeFromJournal(host: ResumeHost): Promise<ResumedPrediction[]> {
  const { records } = await readJournal(host.journalPath);
  const state = foldJournal(records);
  const knownIds = new Set(state.entries.map((e) => e.predictionId));
  const work: Array<{ entry: JournalEntry; adopted: boolean }> = state.entries
    .filter((e) => e.createdAt !== null && (!e.finished || missingFiles(e).length > 0))
    .map((entry) => ({ entry, adopted: false }));

  // One listing covers every open intent; taken in order, an earlier intent adopts the older of two
  // identical predictions, and a prediction is adopted at most once.
  const since = Math.min(...state.openIntents.map((i) => Date.parse(i.at)));
  const candidates =
    state.openIntents.length === 0
      ? []
      : (await host.listCreatedSince(since - RESUME_ADOPTION_SKEW_MS))
          .filter((p) => !knownIds.has(p.id))
          .sort(byCreation);
  for (const intent of state.openIntents) {
    const earliest = Date.parse(intent.at) - RESUME_ADOPTION_SKEW_MS;
    const found =
      candidates.find((p) => !knownIds.has(p.id) && Date.parse(p.created_at) >= earliest && madeBy(intent, p)) ?? null;
    const meta = metaOfIntent(intent);
    if (!found) {
      await host.books.notCreated(intent.requestId);
      continue;
    }
    knownIds.add(found.id);
    await host.books.adopt(meta, found);
    work.push({ entry: entryOf(meta, found), adopted: true });
  }

  const results: ResumedPrediction[] = new Array(work.length);
  // One iterator shared by the workers: each takes the next unclaimed entry.
  const queue = work.entries();
  const worker = async (): Promise<void> => {
    for (const [i, { entry, adopted }] of queue) {
      const result = await resumeOne(host, entry, adopted);
      results[i] = result;
      try {
        host.onResult?.(result);
      } catch {
        // A progress listener must never break the resume.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(host.concurrency, work.length)) }, worker));
  return results;
}

async function resumeOne(host: ResumeHost, entry: JournalEntry, adopted: boolean): Promise<ResumedPrediction> {
  const meta: RunMeta = {
    requestId: entry.requestId,
    model: entry.model,
    input: entry.input,
    kind: entry.kind,
    downloadDir: entry.downloadDir,
    durationSeconds: entry.durationSeconds,
  };
  const base = {
    predictionId: entry.predictionId,
    model: entry.model,
    adopted,
    files: entry.files.map((f) => f.path),
  };
  let prediction: Prediction | null = null;
  let urls = entry.outputUrls;
  let costUsd = entry.costUsd;
  let status: ResumedPrediction['status'] = entry.status;
  let dataRemoved = entry.dataRemoved;
  if (!entry.finished) {
    try {
      prediction = await host.wait(entry.predictionId, entry.kind);
    } catch (caught) {
      const error = caught instanceof ReplicateError ? caught : new ReplicateError('http', String(caught));
      return {
        ...base,
        success: false,
        status: error.code === 'timeout' && error.status === null ? 'timeout' : 'error',
        outputUrls: [],
        costUsd: null,
        error: error.message,
        errorCode: error.code,
        prediction: null,
      };
    }
    costUsd = await host.books.finish(meta, prediction, null);
    urls = outputUrls(prediction.output);
    status = prediction.status;
    dataRemoved = prediction.data_removed === true;
  }
  if (status !== 'succeeded') {
    const reason = typeof prediction?.error === 'string' ? prediction.error : entry.error;
    return {
      ...base,
      success: false,
      status,
      outputUrls: urls,
      costUsd,
      error: `Prediction ${entry.predictionId} ${status}${reason ? `: ${reason}` : ''}`,
      errorCode: status === 'failed' ? 'prediction_failed' : status === 'canceled' ? 'canceled' : 'timeout',
      prediction,
    };
  }
  if (dataRemoved && urls.length === 0) {
    return {
      ...base,
      success: base.files.length > 0 || entry.downloadDir === null,
      status,
      outputUrls: urls,
      costUsd,
      error:
        entry.downloadDir === null
          ? null
          : `The outputs of prediction ${entry.predictionId} were removed before they could be saved (data_removed): Replicate deletes API outputs an hour after the prediction`,
      errorCode: entry.downloadDir === null ? null : 'data_removed',
      prediction,
    };
  }
  const files = [...base.files];
  let error: ReplicateError | null = null;
  if (entry.downloadDir !== null) {
    const owed = missingFiles({ ...entry, finished: true, status: 'succeeded', outputUrls: urls, dataRemoved: false });
    const saved = await host.books.save(entry.predictionId, urls, {
      dir: entry.downloadDir,
      expect: entry.kind === 'image' ? 'image' : entry.kind === 'video' ? 'video' : 'media',
      indices: owed,
      ...(host.signal ? { signal: host.signal } : {}),
    });
    files.push(...saved.files);
    error = saved.error;
  }
  return {
    ...base,
    files,
    success: error === null,
    status,
    outputUrls: urls,
    costUsd,
    error: error?.message ?? null,
    errorCode: error?.code ?? null,
    prediction,
  };
}

function byCreation(a: Prediction, b: Prediction): number {
  return Date.parse(a.created_at) - Date.parse(b.created_at);
}

/** True when `prediction` is what the intent's create would have made: same target, same input. */
function madeBy(intent: IntentRecord, prediction: Prediction): boolean {
  const target = intent.target ?? { model: intent.model };
  if (target.model !== undefined) {
    const ref = parseModelRef(target.model);
    if (!ref || prediction.model !== ref.model) return false;
    if (ref.version !== null && prediction.version !== ref.version) return false;
  } else if (target.version !== undefined) {
    const id = target.version.includes(':') ? target.version.split(':').pop() : target.version;
    if (prediction.version !== id) return false;
  }
  return inputMatches(intent.input, prediction.input) || redactedInputMatches(intent.input, prediction.input);
}

/**
 * Journals written before inputs were stored verbatim had credential-shaped text in prompts replaced by
 * `[REDACTED]`: such a string matches the server's when the rest of it is the same, each `[REDACTED]`
 * standing for some text. Only strings holding the marker are compared this way.
 */
function redactedInputMatches(sent: Record<string, unknown>, echoed: unknown): boolean {
  if (typeof echoed !== 'object' || echoed === null) return false;
  const server = echoed as Record<string, unknown>;
  let marked = false;
  const same = Object.entries(sent).every(([key, value]) => {
    const theirs = server[key];
    if (typeof value === 'string' && value.includes(REDACTED) && typeof theirs === 'string') {
      marked = true;
      const pattern = value
        .split(REDACTED)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.+?');
      return new RegExp(`^${pattern}$`, 's').test(theirs);
    }
    return inputMatches({ [key]: value }, server);
  });
  return marked && same;
}

function metaOfIntent(intent: IntentRecord): RunMeta {
  return {
    requestId: intent.requestId,
    model: intent.model,
    input: intent.input,
    kind: intent.kind,
    downloadDir: intent.downloadDir,
    durationSeconds: intent.durationSeconds,
    ...(intent.target ? { target: intent.target } : {}),
    ...(intent.sequenceId !== undefined
      ? { sequence: { id: intent.sequenceId, index: intent.sequenceIndex ?? 0 } }
      : {}),
  };
}

/** A journal entry for a prediction adopted just now. */
function entryOf(meta: RunMeta, prediction: Prediction): JournalEntry {
  return newJournalEntry({
    predictionId: prediction.id,
    requestId: meta.requestId,
    model: prediction.model || meta.model,
    input: meta.input,
    kind: meta.kind,
    createdAt: prediction.created_at,
    downloadDir: meta.downloadDir,
    durationSeconds: meta.durationSeconds,
    status: prediction.status,
  });
}

/**
 * `client.resume()`: checks its options, then finishes what the journal says is unfinished (see
 * {@link resumeFromJournal}), waiting for each prediction the way `pollPrediction` does.
 * @throws ConfigurationError without a journal; InvalidInputError for a bad `concurrency`.
 */
export async function resume(ctx: WaitContext & SequenceContext, options: ResumeOptions): Promise<ResumedPrediction[]> {
  const opts = readOptions(options);
  const journal = ctx.books.journal;
  if (!journal)
    throw new ConfigurationError('resume() needs a journal: new ReplicateClient({ journal: "path/to/journal.jsonl" })');
  throwIfClosed(ctx);
  const concurrency = opts.concurrency ?? DEFAULT_RESUME_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InvalidInputError('concurrency must be a whole number of at least 1');
  const signal = opts.signal;
  const waitOptions: WaitOptions = {
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
    ...(signal ? { signal } : {}),
  };
  const results = await resumeFromJournal({
    books: ctx.books,
    journalPath: journal.path,
    signal: withClose(ctx, signal),
    concurrency,
    onResult: opts.onResult,
    wait: (predictionId, kind) =>
      waitForExisting(ctx, predictionId, waitOptions, kind === 'video' ? DEFAULT_VIDEO_TIMEOUT_MS : DEFAULT_TIMEOUT_MS),
    listCreatedSince: async (sinceMs: number) => {
      const found: Prediction[] = [];
      const deadline = ctx.now() + DEFAULT_CALL_TIMEOUT_MS;
      for await (const page of api.listPredictions(ctx.transport, {
        createdAfter: new Date(sinceMs),
        signal,
        deadline,
      })) {
        found.push(...page);
      }
      return found;
    },
  });
  // Then the sequences whose transitions are now all done: fetched, joined and saved (nothing created).
  for (const sequence of await finishSequences(ctx)) {
    try {
      opts.onSequence?.(sequence);
    } catch {
      // A progress listener must never break the resume.
    }
  }
  return results;
}
