// The journal: an append-only JSON Lines file with one durable record per event of every prediction a
// client makes (intent to create, created, status, finished with outputs and cost, files saved), so that
// a crashed process loses nothing it paid for: `client.resume()` reads it back. Format: docs/durability.md.
//
// `node:fs/promises` is imported lazily, on the first write or read, so the library stays web-standard
// at import time (Node, Bun and Deno all provide the module).

import type { Prediction, TerminalStatus } from './types/prediction.js';

/** The version of the record format, in every record as `v`. */
export const JOURNAL_VERSION = 1;

/** What kind of call made a prediction; decides what its downloads must be. */
export type JournalKind = 'image' | 'video' | 'prediction';

/** Fields of every record. */
interface RecordBase {
  v: typeof JOURNAL_VERSION;
  /** When the record was written (client clock), ISO 8601. */
  at: string;
}

/**
 * Written (and flushed to disk) before a create is sent, so a prediction whose create answer never
 * arrived can still be found by `resume()` (same model and input, created after `at`).
 */
export interface IntentRecord extends RecordBase {
  event: 'intent';
  /** Links the intent to its `created` record. */
  requestId: string;
  model: string;
  input: Record<string, unknown>;
  kind: JournalKind;
  /** Where outputs are to be saved; null when the call did not ask for downloads. */
  downloadDir: string | null;
  /** Seconds of video asked for (what a per-second model costs); null for other kinds. */
  durationSeconds: number | null;
  /** What the call was estimated to cost, when a price is known. */
  estimateUsd: number | null;
  /** For a lower-layer create: what it targeted (a version or a deployment rather than a model). */
  target?: { model?: string; version?: string; deployment?: string };
  /** For a transition of a sequence: the sequence, and which transition (0 is the first image to the second). */
  sequenceId?: string;
  sequenceIndex?: number;
}

/** The prediction exists: written the moment its id is known. */
export interface CreatedRecord extends RecordBase {
  event: 'created';
  predictionId: string;
  /** The intent it came from; null for a prediction adopted without one. */
  requestId: string | null;
  model: string;
  version: string | null;
  input: Record<string, unknown>;
  /** The server's `created_at`. */
  createdAt: string;
  kind: JournalKind;
  downloadDir: string | null;
  durationSeconds: number | null;
  status: Prediction['status'];
  sequenceId?: string;
  sequenceIndex?: number;
}

/** A change of a prediction's (non-terminal) status. */
export interface StatusRecord extends RecordBase {
  event: 'status';
  predictionId: string;
  status: Prediction['status'];
  /** Why the record was written when it is not a plain change (a call that gave up, say). */
  note?: string;
}

/** The prediction reached a terminal status: its outputs and what it cost. */
export interface FinishedRecord extends RecordBase {
  event: 'finished';
  predictionId: string;
  status: TerminalStatus;
  /** Output file URLs (valid for an hour after the prediction on Replicate). */
  outputUrls: string[];
  error: string | null;
  /** Actual cost from the price table and what it produced; null when the model has no known price. */
  costUsd: number | null;
  /** True when the outputs were already removed when the client saw the prediction finish. */
  dataRemoved: boolean;
}

/** An output file saved to disk (atomically: it is whole and checked). */
export interface FileRecord extends RecordBase {
  event: 'file';
  predictionId: string;
  index: number;
  url: string;
  path: string;
  bytes: number;
  contentType: string;
}

/** An output file could not be saved. */
export interface DownloadFailedRecord extends RecordBase {
  event: 'download_failed';
  predictionId: string;
  index: number;
  url: string;
  errorCode: string;
  error: string;
}

/** `resume()` found no prediction for an intent: its create never reached the server. */
export interface NotCreatedRecord extends RecordBase {
  event: 'not_created';
  requestId: string;
}

/**
 * A sequence of transitions on a first-last-frame model was started: written before any of its
 * transitions is created, so `resume()` knows how many there are and where the joined video goes.
 */
export interface SequenceRecord extends RecordBase {
  event: 'sequence';
  sequenceId: string;
  model: string;
  /** How many transitions (images - 1). */
  transitions: number;
  /** Each transition's duration in seconds, in order. */
  durations: number[];
  /** Where the joined video is saved; null when the call did not ask for downloads. */
  downloadDir: string | null;
}

/** Every transition of a sequence succeeded and the joined video was saved. */
export interface SequenceJoinedRecord extends RecordBase {
  event: 'sequence_joined';
  sequenceId: string;
  /** The joined video's path; null when it was not saved to disk. */
  path: string | null;
  bytes: number;
  /** The transitions' prediction ids, in order. */
  predictionIds: string[];
}

/** One line of the journal. */
export type JournalRecord =
  | SequenceRecord
  | SequenceJoinedRecord
  | IntentRecord
  | CreatedRecord
  | StatusRecord
  | FinishedRecord
  | FileRecord
  | DownloadFailedRecord
  | NotCreatedRecord;

/** A record as given to {@link Journal.append}: `v` and `at` are filled in. */
export type NewJournalRecord = JournalRecord extends infer R
  ? R extends JournalRecord
    ? Omit<R, 'v' | 'at'>
    : never
  : never;

type Fs = typeof import('node:fs/promises');
type FileHandle = import('node:fs/promises').FileHandle;

function loadFs(): Promise<Fs> {
  return import('node:fs/promises');
}

/** The directory part of a path ('' when there is none). */
function dirnameOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut > 0 ? path.slice(0, cut) : '';
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Appends records to a journal file, each flushed to disk (fsync) before its promise resolves.
 * Records written while a flush is running are committed together by the next one (one write and one
 * fsync for many records), so a busy batch costs few fsyncs. If the file ends in a torn line (a crash
 * mid-write), a newline is written first so the next record starts on a line of its own.
 */
export class Journal {
  /** The file, as given. */
  readonly path: string;
  readonly #redact: (text: string) => string;
  readonly #now: () => number;
  #handle: Promise<FileHandle> | null = null;
  #pending: Pending[] = [];
  #flushing: Promise<void> | null = null;

  constructor(path: string, options: { redact?: (text: string) => string; now?: () => number } = {}) {
    this.path = path;
    this.#redact = options.redact ?? ((text) => text);
    this.#now = options.now ?? Date.now;
  }

  /** Appends one record; resolves once it is on disk. @throws the file system's error */
  append(record: NewJournalRecord): Promise<void> {
    const full = { v: JOURNAL_VERSION, at: new Date(this.#now()).toISOString(), ...record };
    // The whole line goes through the redactor: no input field may carry the API key to disk.
    const line = `${this.#redact(JSON.stringify(full))}\n`;
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
      this.#flushing ??= this.#drain();
    });
  }

  /** Waits for pending records and closes the file. The journal reopens on the next append. */
  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    const handle = this.#handle;
    this.#handle = null;
    if (handle) await (await handle.catch(() => null))?.close();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0);
        try {
          const handle = await this.#open();
          await handle.write(batch.map((p) => p.line).join(''));
          await handle.sync();
          for (const p of batch) p.resolve();
        } catch (error) {
          // A failed open is retried by the next append, not cached.
          this.#handle = null;
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.#flushing = null;
    }
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= (async () => {
      const fs = await loadFs();
      const dir = dirnameOf(this.path);
      if (dir) await fs.mkdir(dir, { recursive: true });
      const handle = await fs.open(this.path, 'a+');
      const { size } = await handle.stat();
      if (size > 0) {
        const last = new Uint8Array(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) await handle.write('\n');
      }
      return handle;
    })();
    return this.#handle;
  }
}

/** What {@link readJournal} found. */
export interface JournalContents {
  records: JournalRecord[];
  /** Lines that are not records (a torn last line after a crash, or foreign text); they are skipped. */
  skippedLines: number;
}

/** Reads a journal; a missing file is an empty journal. Unreadable lines (a torn last line) are skipped. */
export async function readJournal(path: string): Promise<JournalContents> {
  const fs = await loadFs();
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { records: [], skippedLines: 0 };
    throw error;
  }
  return parseJournal(text);
}

/** Parses journal text (see {@link readJournal}). */
export function parseJournal(text: string): JournalContents {
  const records: JournalRecord[] = [];
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (isRecord(value)) records.push(value);
      else skippedLines++;
    } catch {
      skippedLines++;
    }
  }
  return { records, skippedLines };
}

const EVENTS = new Set([
  'intent',
  'created',
  'status',
  'finished',
  'file',
  'download_failed',
  'not_created',
  'sequence',
  'sequence_joined',
]);

function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.event !== 'string' || !EVENTS.has(v.event)) return false;
  if (v.event === 'sequence' || v.event === 'sequence_joined') return typeof v.sequenceId === 'string';
  return v.event === 'intent' || v.event === 'not_created'
    ? typeof v.requestId === 'string'
    : typeof v.predictionId === 'string';
}

/** Everything the journal says about one prediction, folded from its records. */
export interface JournalEntry {
  predictionId: string;
  requestId: string | null;
  model: string;
  input: Record<string, unknown>;
  kind: JournalKind;
  createdAt: string | null;
  downloadDir: string | null;
  durationSeconds: number | null;
  /** The latest status recorded. */
  status: Prediction['status'];
  /** True once a `finished` record was written. */
  finished: boolean;
  outputUrls: string[];
  error: string | null;
  costUsd: number | null;
  dataRemoved: boolean;
  /** Saved files, by output index (the latest record wins). */
  files: FileRecord[];
  /** Download failures not followed by a saved file for the same index. */
  downloadFailures: DownloadFailedRecord[];
  /** For a transition of a sequence: the sequence and the transition's index. */
  sequenceId?: string;
  sequenceIndex?: number;
}

/** The journal folded: one entry per prediction (in order of creation) and the open intents. */
export interface JournalState {
  entries: JournalEntry[];
  openIntents: IntentRecord[];
}

/** What a prediction's entry starts from: what is known of it, and nothing finished, saved or failed yet. */
export function newJournalEntry(
  known: Omit<
    JournalEntry,
    'finished' | 'outputUrls' | 'error' | 'costUsd' | 'dataRemoved' | 'files' | 'downloadFailures'
  >,
): JournalEntry {
  return {
    ...known,
    finished: false,
    outputUrls: [],
    error: null,
    costUsd: null,
    dataRemoved: false,
    files: [],
    downloadFailures: [],
  };
}

/** Folds records into per-prediction entries, in order of creation. Later records win. */
export function foldJournal(records: readonly JournalRecord[]): JournalState {
  const entries = new Map<string, JournalEntry>();
  const intents = new Map<string, IntentRecord>();
  const entryFor = (predictionId: string): JournalEntry => {
    let entry = entries.get(predictionId);
    if (!entry) {
      entry = newJournalEntry({
        predictionId,
        requestId: null,
        model: '',
        input: {},
        kind: 'prediction',
        createdAt: null,
        downloadDir: null,
        durationSeconds: null,
        status: 'starting',
      });
      entries.set(predictionId, entry);
    }
    return entry;
  };
  for (const record of records) {
    switch (record.event) {
      case 'intent':
        intents.set(record.requestId, record);
        break;
      case 'not_created':
        intents.delete(record.requestId);
        break;
      case 'created': {
        if (record.requestId) intents.delete(record.requestId);
        const entry = entryFor(record.predictionId);
        Object.assign(entry, {
          requestId: record.requestId,
          model: record.model,
          input: record.input,
          kind: record.kind,
          createdAt: record.createdAt,
          downloadDir: record.downloadDir,
          durationSeconds: record.durationSeconds,
          ...(record.sequenceId !== undefined
            ? { sequenceId: record.sequenceId, sequenceIndex: record.sequenceIndex }
            : {}),
        });
        if (!entry.finished) entry.status = record.status;
        break;
      }
      case 'status': {
        const entry = entryFor(record.predictionId);
        if (!entry.finished) entry.status = record.status;
        break;
      }
      case 'finished': {
        const entry = entryFor(record.predictionId);
        Object.assign(entry, {
          status: record.status,
          finished: true,
          outputUrls: record.outputUrls,
          error: record.error,
          costUsd: record.costUsd,
          dataRemoved: record.dataRemoved,
        });
        break;
      }
      case 'file': {
        const entry = entryFor(record.predictionId);
        entry.files = [...entry.files.filter((f) => f.index !== record.index), record].sort(
          (a, b) => a.index - b.index,
        );
        entry.downloadFailures = entry.downloadFailures.filter((f) => f.index !== record.index);
        break;
      }
      case 'download_failed': {
        const entry = entryFor(record.predictionId);
        entry.downloadFailures = [...entry.downloadFailures.filter((f) => f.index !== record.index), record];
        break;
      }
    }
  }
  // Records about a prediction the journal never saw created or finished (a file saved with
  // `client.download` for another client's prediction, say) do not make it one of the journal's.
  const known = [...entries.values()].filter((e) => e.createdAt !== null || e.finished);
  return { entries: known, openIntents: [...intents.values()] };
}

/** Totals over a journal, for `replicate-media history`. */
export interface JournalTotals {
  predictions: number;
  succeeded: number;
  /** Failed, canceled or aborted. */
  failed: number;
  /** Not finished in the journal (still running, or the process died: run resume). */
  unfinished: number;
  files: number;
  bytes: number;
  costUsd: number;
}

/** Adds a journal's entries up. Costs are summed in micro-dollars, so the total is exact. */
export function journalTotals(entries: readonly JournalEntry[]): JournalTotals {
  let micros = 0;
  const totals: JournalTotals = {
    predictions: entries.length,
    succeeded: 0,
    failed: 0,
    unfinished: 0,
    files: 0,
    bytes: 0,
    costUsd: 0,
  };
  for (const entry of entries) {
    if (!entry.finished) totals.unfinished++;
    else if (entry.status === 'succeeded') totals.succeeded++;
    else totals.failed++;
    totals.files += entry.files.length;
    totals.bytes += entry.files.reduce((n, f) => n + f.bytes, 0);
    if (entry.costUsd !== null) micros += Math.round(entry.costUsd * 1_000_000);
  }
  totals.costUsd = micros / 1_000_000;
  return totals;
}

/**
 * Output indices of a succeeded entry that asked for downloads and has no saved file yet (an output
 * whose download failed as `data_removed` is gone for good and not listed).
 */
export function missingFiles(entry: JournalEntry): number[] {
  if (!entry.finished || entry.status !== 'succeeded' || entry.downloadDir === null || entry.dataRemoved) return [];
  const saved = new Set(entry.files.map((f) => f.index));
  const gone = new Set(entry.downloadFailures.filter((f) => f.errorCode === 'data_removed').map((f) => f.index));
  return entry.outputUrls.map((_, i) => i).filter((i) => !saved.has(i) && !gone.has(i));
}

/** True when the journal still owes work on this entry: not finished, or outputs asked for and not all saved. */
export function needsResume(entry: JournalEntry): boolean {
  return !entry.finished || missingFiles(entry).length > 0;
}
