// The client's books: for every prediction it runs, the journal records (intent, created, status,
// finished, files) and the spend (budget holds, actual cost). generate*, download and resume all go
// through the Bookkeeper, so the journal and `spentUsd` tell the same story.

import type { Stray } from './create-recovery.js';
import { DownloadError, type DownloadProgress, downloadOutput, type MediaKind } from './downloads.js';
import {
  CanceledError,
  ConfigurationError,
  DataRemovedError,
  HttpError,
  InvalidInputError,
  JournalError,
  NetworkError,
  type ReplicateError,
  TimeoutError,
} from './errors.js';
import { toUsd } from './internal/micros.js';
import { outputUrls } from './internal/output-urls.js';
import { Journal, type JournalKind } from './journal.js';
import { costMicros, type PriceTable, priceOf } from './pricing.js';
import { isSharedJournalUrl, SharedJournal } from './shared-journal.js';
import { actualCostMicros, modelName, type Reservation, Spend } from './spend.js';
import { type FetchFn, isTerminalStatus, type Prediction } from './types/prediction.js';

/** What the books know about one run of a prediction. */
export interface RunMeta {
  /** Links the intent record to the created one. */
  requestId: string | null;
  model: string;
  input: Record<string, unknown>;
  kind: JournalKind;
  /** Where to save outputs; null when not asked to. */
  downloadDir: string | null;
  durationSeconds: number | null;
  /** For a lower-layer create: what it targeted. */
  target?: { model?: string; version?: string; deployment?: string };
  /** For a transition of a sequence (src/operations/video-sequence.ts): written on its intent and created records. */
  sequence?: { id: string; index: number };
}

export interface BookkeeperOptions {
  journalPath: string | undefined;
  budgetUsd: number | undefined;
  prices: PriceTable;
  /** Applied to every journal line: removes the exact API key and nothing else (the journal keeps what was sent). */
  redact: (text: string) => string;
  now: () => number;
  fetch: FetchFn;
  /** Warnings (a journal record that could not be written after the prediction existed). */
  warn: (message: string) => void;
}

/** Saved files of one prediction, and the error that stopped the saving, if one did. */
export interface SaveOutcome {
  files: string[];
  error: ReplicateError | null;
}

/** What a run tells the books about its prediction as answers come (see Bookkeeping.watch). */
export interface RunWatcher {
  observe: (prediction: Prediction) => void;
  /** Whether the prediction's `created` record was written (always false without a journal). */
  seen: () => boolean;
  /** Resolves once every record it started is written. */
  settled: () => Promise<void>;
}

const UNJOURNALED_WATCHER: RunWatcher = Object.freeze({
  observe: () => undefined,
  seen: () => false,
  settled: async () => undefined,
});

export class Bookkeeper {
  /** The journal file, or a fleet's shared journal (a postgres:// URL), or null. */
  readonly journal: Journal | SharedJournal | null;
  readonly spend: Spend;
  readonly #prices: PriceTable;
  readonly #fetch: FetchFn;
  readonly #warn: (message: string) => void;
  readonly #now: () => number;
  /** Lower-layer predictions created by this client and not yet seen finished (bounded like the ledger). */
  readonly #unfinished = new Map<string, RunMeta>();
  /** Request ids whose hold in the fleet's budget this client has and has not ended. */
  readonly #fleetHoldsHere = new Set<string>();
  /** Holds kept for predictions a call gave up on while they may still run, until they are seen finished. */
  readonly #keptHolds = new Map<string, { hold: Reservation; meta: RunMeta | null }>();

  constructor(options: BookkeeperOptions) {
    if (
      options.journalPath !== undefined &&
      (typeof options.journalPath !== 'string' || options.journalPath.trim() === '')
    ) {
      throw new RangeError('journal must be the path of a file or a postgres:// URL');
    }
    this.journal =
      options.journalPath === undefined
        ? null
        : isSharedJournalUrl(options.journalPath)
          ? new SharedJournal(options.journalPath, { redact: options.redact, now: options.now, warn: options.warn })
          : new Journal(options.journalPath, { redact: options.redact, now: options.now });
    this.spend = new Spend(options.budgetUsd);
    this.#prices = options.prices;
    this.#fetch = options.fetch;
    this.#warn = options.warn;
    this.#now = options.now;
  }

  /** The estimated cost in micro-dollars of `units` (images, or seconds of video) of `model`; null without a price. */
  estimateMicros(model: string, units: number): number | null {
    try {
      priceOf(modelName(model), this.#prices);
      return costMicros(modelName(model), units, this.#prices);
    } catch {
      return null;
    }
  }

  /** The journal a fleet shares, or null (a file journal, or none). */
  get shared(): SharedJournal | null {
    return this.journal instanceof SharedJournal ? this.journal : null;
  }

  /**
   * Holds the estimate of an operation before it creates anything: in this client, and with a shared
   * journal and a budget, in the fleet's budget too (transactionally, against every process).
   * @throws BudgetExceededError (or InvalidInputError for an unknown price under a budget; JournalError
   *   when the shared journal cannot be reached: nothing is created then either)
   */
  async reserve(model: string, units: number, what: string): Promise<Reservation> {
    const estimate = this.estimateMicros(model, units);
    const local = this.spend.reserve(estimate, what);
    const shared = this.shared;
    const budgetUsd = this.spend.budgetUsd;
    if (!shared || budgetUsd === null || estimate === null) return local;
    // The fleet's hold names the intent about to be written, so a resumer can end it and no sweep
    // takes it for an orphan.
    const requestId = globalThis.crypto.randomUUID();
    let holdId: string;
    try {
      holdId = await shared.reserve(toUsd(estimate), budgetUsd, what, requestId);
    } catch (error) {
      this.spend.settle(local, 0);
      throw error;
    }
    local.requestId = requestId;
    this.#fleetHoldsHere.add(requestId);
    local.onSettle = (actual) => {
      this.#fleetHoldsHere.delete(requestId);
      shared.endHold(holdId, actual === null ? null : toUsd(actual), true);
    };
    return local;
  }

  /**
   * Records the intent to create, on disk, before the create is sent.
   * @throws JournalError when it cannot be written (then nothing must be created)
   */
  async intent(meta: RunMeta, estimate: Reservation | null): Promise<void> {
    if (!this.journal || meta.requestId === null) return;
    try {
      await this.journal.append({
        event: 'intent',
        requestId: meta.requestId,
        model: meta.model,
        input: meta.input,
        kind: meta.kind,
        downloadDir: meta.downloadDir,
        durationSeconds: meta.durationSeconds,
        estimateUsd: estimate ? toUsd(estimate.micros) : null,
        ...(meta.target ? { target: meta.target } : {}),
        ...sequenceFields(meta),
      });
    } catch (error) {
      throw new JournalError(
        `Could not write the journal ${this.journal.path} (${error instanceof Error ? error.message : String(error)}); nothing was created`,
        { cause: error },
      );
    }
  }

  /**
   * A watcher for every answer about the run's prediction: the first writes the `created` record, later
   * changes of a non-terminal status write `status` records. Never throws.
   */
  watch(meta: RunMeta): RunWatcher {
    // Without a journal there is nothing to write: one shared watcher instead of one per call.
    if (!this.journal) return UNJOURNALED_WATCHER;
    let lastStatus: string | null = null;
    const writes: Promise<void>[] = [];
    const observe = (prediction: Prediction): void => {
      if (lastStatus === null) {
        lastStatus = prediction.status;
        writes.push(this.#append(this.createdRecord(meta, prediction)));
      } else if (prediction.status !== lastStatus && !isTerminalStatus(prediction.status)) {
        lastStatus = prediction.status;
        writes.push(this.#append({ event: 'status', predictionId: prediction.id, status: prediction.status }));
      }
    };
    return { observe, seen: () => lastStatus !== null, settled: async () => void (await Promise.all(writes)) };
  }

  /** The `created` record of a prediction. */
  createdRecord(meta: RunMeta, prediction: Prediction) {
    return {
      event: 'created' as const,
      predictionId: prediction.id,
      requestId: meta.requestId,
      model: prediction.model || modelName(meta.model),
      version: typeof prediction.version === 'string' ? prediction.version : null,
      input: meta.input,
      createdAt: typeof prediction.created_at === 'string' ? prediction.created_at : new Date().toISOString(),
      kind: meta.kind,
      downloadDir: meta.downloadDir,
      durationSeconds: meta.durationSeconds,
      status: prediction.status,
      ...sequenceFields(meta),
    };
  }

  /** Appends a `created` record for a prediction found after the fact (resume's adoption). */
  adopt(meta: RunMeta, prediction: Prediction): Promise<void> {
    return this.#append(this.createdRecord(meta, prediction));
  }

  /** Records a lower-layer create: its `created` record now, its `finished` one when a poll sees it end. */
  async created(meta: RunMeta, prediction: Prediction): Promise<void> {
    if (!this.journal) return;
    this.#unfinished.set(prediction.id, meta);
    if (this.#unfinished.size > 10_000) {
      const oldest = this.#unfinished.keys().next();
      if (!oldest.done) this.#unfinished.delete(oldest.value);
    }
    await this.#append(this.createdRecord(meta, prediction));
  }

  /** Books a lower-layer prediction of this client once a poll sees it terminal (others are ignored). */
  async finishIfCreatedHere(prediction: Prediction): Promise<void> {
    if (!isTerminalStatus(prediction.status)) return;
    // A prediction a call gave up on while it could still be billed: its hold ends now, at its actual cost.
    const meta = this.#unfinished.get(prediction.id) ?? this.#keptHolds.get(prediction.id)?.meta;
    if (!meta) return;
    this.#unfinished.delete(prediction.id);
    await this.finish(meta, prediction, null);
  }

  /** Appends a `not_created` record: the intent's create never reached the server. */
  notCreated(requestId: string): Promise<void> {
    return this.#append({ event: 'not_created', requestId });
  }

  /**
   * Books a prediction that reached a terminal status: its actual cost replaces the hold (or is added, for a
   * prediction resumed without one), and a `finished` record is written. Returns the cost in USD (null: no price).
   */
  async finish(meta: RunMeta, prediction: Prediction, hold: Reservation | null): Promise<number | null> {
    const micros = actualCostMicros(
      {
        model: prediction.model || meta.model,
        status: prediction.status,
        output: prediction.output,
        durationSeconds: meta.durationSeconds,
        // What the server holds wins (its defaults included); what was sent when it no longer has it.
        input: { ...meta.input, ...(isObjectInput(prediction.input) ? prediction.input : {}) },
        imageCount: typeof prediction.metrics?.image_count === 'number' ? prediction.metrics.image_count : null,
      },
      this.#prices,
    );
    const held = hold ?? this.#keptHolds.get(prediction.id)?.hold ?? null;
    this.#keptHolds.delete(prediction.id);
    if (held) this.spend.settle(held, micros);
    else {
      this.spend.record(micros);
      // Another process's prediction (resumed, or delivered here): its hold in the fleet ends now. A
      // prediction of a request whose hold this client still has (a lost create's stray) is only added.
      const requestId = meta.requestId !== null && this.#fleetHoldsHere.has(meta.requestId) ? null : meta.requestId;
      this.shared?.settleFor(requestId, micros === null ? null : toUsd(micros));
    }
    const costUsd = micros === null ? null : toUsd(micros);
    if (isTerminalStatus(prediction.status)) {
      await this.#append({
        event: 'finished',
        predictionId: prediction.id,
        status: prediction.status,
        outputUrls: outputUrls(prediction.output),
        error:
          typeof prediction.error === 'string'
            ? prediction.error
            : prediction.error == null
              ? null
              : JSON.stringify(prediction.error),
        costUsd,
        dataRemoved: prediction.data_removed === true,
      });
    }
    return costUsd;
  }

  /**
   * A call gave up on its prediction: when nothing was created, or it was canceled on the server (it
   * produced nothing), the hold is released; when it may still be running, the hold stays (it may yet
   * cost that much) and the journal notes the last status, so `resume()` can finish it.
   */
  async gaveUp(
    hold: Reservation | null,
    prediction: { id: string | null; status: Prediction['status'] | null },
    canceledOnServer: boolean,
    meta: RunMeta | null = null,
  ): Promise<void> {
    if (hold && (prediction.id === null || canceledOnServer)) this.spend.settle(hold, 0);
    else if (hold && prediction.id !== null) this.#keptHolds.set(prediction.id, { hold, meta });
    if (prediction.id !== null) {
      await this.#append({
        event: 'status',
        predictionId: prediction.id,
        status: prediction.status ?? 'starting',
        note: canceledOnServer ? 'the call gave up and canceled it' : 'the call gave up; it may still be running',
      });
    }
  }

  /**
   * Books a prediction a lost create of this run made, found and canceled before the call returned: its
   * `created` record (no downloads), then `finished` when the cancel answered a terminal status (its actual
   * cost, 0 when canceled), else a `status` record and a hold of `holdMicros` (the run's estimate) kept
   * until it is seen finished (`resume()` waits for it), since it may still be billed.
   */
  async stray(meta: RunMeta, stray: Stray, holdMicros: number): Promise<void> {
    const strayMeta: RunMeta = { ...meta, downloadDir: null };
    await this.#append(this.createdRecord(strayMeta, stray.prediction));
    const after = stray.afterCancel;
    if (after && isTerminalStatus(after.status)) {
      await this.finish(strayMeta, after, null);
      return;
    }
    this.#keptHolds.set(stray.prediction.id, { hold: this.spend.holdExisting(holdMicros), meta: strayMeta });
    await this.#append({
      event: 'status',
      predictionId: stray.prediction.id,
      status: after?.status ?? stray.prediction.status,
      note: after
        ? 'made by a lost create of this call; cancel accepted, still running'
        : 'made by a lost create of this call; the cancel failed',
    });
  }

  /**
   * Downloads output `indices` of a prediction into `dir` (`{predictionId}-{index}.{ext}`, atomically),
   * recording each saved file (or failure) in the journal. Stops at the first failure and returns it as
   * a ReplicateError carrying the prediction id (`data_removed` when the file host says it is gone).
   */
  async save(
    predictionId: string | null,
    urls: readonly string[],
    options: {
      dir: string;
      expect: MediaKind;
      indices?: readonly number[];
      signal?: AbortSignal;
      /** The call's deadline on the client's clock: each file gets what is left of it (and at least 1 ms). */
      deadline?: number;
      onProgress?: (progress: DownloadProgress) => void;
    },
  ): Promise<SaveOutcome> {
    const files: string[] = [];
    const indices = options.indices ?? urls.map((_, i) => i);
    for (const index of indices) {
      const url = urls[index];
      if (url === undefined) continue;
      try {
        const file = await downloadOutput(url, {
          dir: options.dir,
          ...(predictionId !== null ? { predictionId } : {}),
          index,
          expect: options.expect,
          fetch: this.#fetch as typeof fetch,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.deadline !== undefined ? { timeoutMs: Math.max(1, options.deadline - this.#now()) } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
        files.push(file.path);
        if (predictionId !== null) {
          await this.#append({
            event: 'file',
            predictionId,
            index,
            url,
            path: file.path,
            bytes: file.bytes,
            contentType: file.contentType,
          });
        }
      } catch (caught) {
        const error = downloadFailure(caught, predictionId, url);
        if (predictionId !== null) {
          await this.#append({
            event: 'download_failed',
            predictionId,
            index,
            url,
            errorCode: error.code,
            error: error.message,
          });
        }
        return { files, error };
      }
    }
    return { files, error: null };
  }

  async #append(record: Parameters<Journal['append']>[0]): Promise<void> {
    if (!this.journal) return;
    try {
      await this.journal.append(record);
    } catch (error) {
      this.#warn(
        `could not write the journal ${this.journal.path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/** The sequence fields of a transition's journal records (none for other runs). */
function sequenceFields(meta: RunMeta): { sequenceId?: string; sequenceIndex?: number } {
  return meta.sequence ? { sequenceId: meta.sequence.id, sequenceIndex: meta.sequence.index } : {};
}

/**
 * The error a result reports for a failed download: the prediction id, what to do, and the category a
 * caller acts on (`truncated` is a `network` failure, `too_large`, `invalid_content` and
 * `redirect_refused` are `http`), so result codes stay what they were before DownloadError joined the
 * ReplicateError family.
 */
export function downloadFailure(caught: unknown, predictionId: string | null, url: string): ReplicateError {
  const of = predictionId ? ` of prediction ${predictionId}` : '';
  const details = { predictionId };
  if (!(caught instanceof DownloadError)) {
    return new NetworkError(
      `network: could not save the output${of} from ${url}: ${caught instanceof Error ? caught.message : String(caught)}`,
      details,
    );
  }
  const status = caught.status;
  const reason = caught.message.replace(/\.$/, '');
  switch (caught.code) {
    case 'data_removed':
      return new DataRemovedError(
        `The output${of} is no longer available (data_removed): ${url} answered HTTP ${status ?? 'gone'}; Replicate deletes API outputs an hour after the prediction, so it can no longer be saved`,
        { ...details, status },
      );
    case 'timeout':
      return new TimeoutError(`timeout: saving the output${of} failed: ${reason}`, { ...details, status });
    case 'canceled':
      return new CanceledError(`Saving the output${of} was canceled`, details);
    case 'invalid_input':
      return new InvalidInputError(`Cannot save the output${of}: ${reason}`, details);
    case 'permission_denied': // a missing permission is the run's configuration, not the network
      return new ConfigurationError(`Cannot save the output${of}: ${reason}`, details);
    case 'network':
    case 'truncated':
      return new NetworkError(`network: saving the output${of} failed: ${reason}`, { ...details, status });
    default:
      return new HttpError(`Saving the output${of} failed: ${reason}`, { ...details, status });
  }
}

function isObjectInput(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
