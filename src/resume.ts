// Resuming from the journal after a crash: find the predictions whose create was sent but whose answer
// never reached the journal (adopt them by model and input), wait for every prediction not yet terminal,
// book its cost, and save the outputs that were asked for and are not on disk. Never creates anything.

import { ReplicateError } from './errors.js';
import { foldJournal, missingFiles, readJournal, type IntentRecord, type JournalEntry } from './journal.js';
import type { Bookkeeper, RunMeta } from './bookkeeping.js';
import { outputUrls } from './models.js';
import type { ErrorCode } from './errors.js';
import type { Prediction } from './types.js';

/** What became of one prediction `resume()` took up. */
export interface ResumedPrediction {
  predictionId: string;
  model: string;
  /** True when it succeeded and every output asked for is on disk. */
  success: boolean;
  /** Its final status; `timeout` or `error` when waiting for it failed (it may still be running). */
  status: Prediction['status'] | 'timeout' | 'error';
  outputUrls: string[];
  /** Every saved file of the prediction (from before the crash and from now). */
  files: string[];
  /** Actual cost; null when unknown (no price, or it did not finish). */
  costUsd: number | null;
  error: string | null;
  errorCode: ErrorCode | null;
  /** True when the journal had no `created` record: its create's answer was lost and it was found by listing. */
  adopted: boolean;
  prediction: Prediction | null;
}

/** What resume needs from the client. */
export interface ResumeHost {
  books: Bookkeeper;
  journalPath: string;
  /** Waits for a prediction to reach a terminal status. @throws ReplicateError */
  wait(predictionId: string, kind: JournalEntry['kind']): Promise<Prediction>;
  /** Looks for the prediction an intent's lost create made (same model and input, not in `knownIds`). */
  findCreated(intent: IntentRecord, knownIds: Set<string>): Promise<Prediction | null>;
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

  // Intents in order: an earlier one adopts the older of two identical predictions.
  for (const intent of state.openIntents) {
    const found = await host.findCreated(intent, knownIds);
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
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const i = next++;
      const { entry, adopted } = work[i]!;
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

function metaOfIntent(intent: IntentRecord): RunMeta {
  return {
    requestId: intent.requestId,
    model: intent.model,
    input: intent.input,
    kind: intent.kind,
    downloadDir: intent.downloadDir,
    durationSeconds: intent.durationSeconds,
    ...(intent.target ? { target: intent.target } : {}),
  };
}

/** A journal entry for a prediction adopted just now. */
function entryOf(meta: RunMeta, prediction: Prediction): JournalEntry {
  return {
    predictionId: prediction.id,
    requestId: meta.requestId,
    model: prediction.model || meta.model,
    input: meta.input,
    kind: meta.kind,
    createdAt: prediction.created_at,
    downloadDir: meta.downloadDir,
    durationSeconds: meta.durationSeconds,
    status: prediction.status,
    finished: false,
    outputUrls: [],
    error: null,
    costUsd: null,
    dataRemoved: false,
    files: [],
    downloadFailures: [],
  };
}
