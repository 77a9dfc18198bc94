// The prediction store and lifecycle. A prediction's state is never stored: it is computed from the
// clock and a few fixed instants (created, start, complete, deadline, cancel), so reading it after
// `advanceClock` is always right. Listeners are told when something may have changed.

import { createHash } from 'node:crypto';
import type { ModelSpec, OutputPlan } from './models.js';
import { modelName } from './models.js';
import { isoMicros as iso } from './random.js';

export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

export const TERMINAL_STATUSES: ReadonlySet<PredictionStatus> = new Set(['succeeded', 'failed', 'canceled', 'aborted']);

export type WebhookEvent = 'start' | 'output' | 'logs' | 'completed';

export interface PredictionRecord {
  id: string;
  /** Creation order, used by list cursors. */
  seq: number;
  model: ModelSpec;
  /** A version id, or `hidden` for an official model run by name. */
  version: string;
  deployment?: string;
  /** The input exactly as sent. */
  input: Record<string, unknown>;
  plan: OutputPlan;
  seed: number;
  createdAtMs: number;
  startAtMs: number;
  completeAtMs: number;
  /** From `Cancel-After`: reached before start → aborted, while running → canceled. */
  deadlineAtMs?: number;
  /** When the user canceled it, if they did. */
  canceledAtMs?: number;
  /** Ends as `failed` with this error at `completeAtMs`. */
  failWith?: string;
  webhook?: string;
  webhookEventsFilter?: WebhookEvent[];
  /** Log lines with the clock time each appears. */
  logLines: Array<{ atMs: number; text: string }>;
  /** Opt-in shapes seen in Replicate's recordings that clients mishandle (see Scenario.quirk). */
  quirk?: PredictionQuirk;
  /** Hidden from every read until this clock time (a create that shows up late; Scenario.appearAfterMs). */
  visibleFromMs?: number;
  /** Made by the emulator to deepen listings: not in `stats().predictionIds`. */
  background?: boolean;
  /** How a cancel is answered (Scenario.cancel), and the delay of a `late` one. */
  cancelBehavior?: { kind: 'ignore' | 'late'; delayMs: number };
  /** Extra `logs` bytes written in chunks (Scenario.logsBytes). */
  logsBytes?: number;
  /** Outputs at `/delivery/<id>/<a|b|...>/out-0.<ext>` (Scenario.sharedBaseName). */
  sharedBaseName?: boolean;
}

/**
 * `wait-processing-with-output`: the `Prefer: wait` answer says `processing` though `output` is filled.
 * `internal-model`: an official model's prediction names an internal deployment as its `model` and a
 * `dp-...` version.
 */
export type PredictionQuirk = 'wait-processing-with-output' | 'internal-model';
export const PREDICTION_QUIRKS: readonly PredictionQuirk[] = ['wait-processing-with-output', 'internal-model'];

/** The state of a prediction at one instant. */
export interface PredictionView {
  status: PredictionStatus;
  startedAtMs?: number;
  completedAtMs?: number;
  logs: string;
  /** Output file URLs (not yet shaped as the model's output); empty until it succeeds. */
  outputUrls: string[];
  output: unknown;
  error: string | null;
  dataRemoved: boolean;
}

/** tqdm-style progress lines, as Cog models print them (clients parse these for progress). */
function progressLine(step: number, steps: number, elapsedMs: number): string {
  const pct = Math.floor((step / steps) * 100);
  const filled = Math.floor((step / steps) * 10);
  const bar = '█'.repeat(filled).padEnd(10, ' ');
  const secs = String(Math.floor(elapsedMs / 1000)).padStart(2, '0');
  const rate = step === 0 || elapsedMs === 0 ? '?' : (step / (elapsedMs / 1000)).toFixed(2);
  return `${String(pct).padStart(3, ' ')}%|${bar}| ${step}/${steps} [00:${secs}<00:00, ${rate}it/s]`;
}

/** The log lines a prediction prints and when, from its start and complete instants. */
export function planLogLines(
  record: Pick<PredictionRecord, 'model' | 'plan' | 'seed' | 'startAtMs' | 'completeAtMs' | 'failWith'>,
): Array<{ atMs: number; text: string }> {
  const { startAtMs, completeAtMs, plan } = record;
  const lines: Array<{ atMs: number; text: string }> = [{ atMs: startAtMs, text: `Using seed: ${record.seed}` }];
  const predictMs = completeAtMs - startAtMs;
  const steps = Math.max(1, plan.steps);
  for (let step = 0; step <= steps; step++) {
    const atMs = startAtMs + Math.floor((predictMs * step) / (steps + 1));
    lines.push({ atMs, text: progressLine(step, steps, atMs - startAtMs) });
  }
  if (record.failWith !== undefined) {
    lines.push({
      atMs: completeAtMs,
      text: `Traceback (most recent call last):\n  emulated failure\n${record.failWith}`,
    });
  } else if (plan.files[0]?.kind === 'image') {
    lines.push({ atMs: completeAtMs, text: `Total safe images: ${plan.files.length} out of ${plan.files.length}` });
  } else {
    lines.push({
      atMs: completeAtMs,
      text: `Wrote ${plan.files.length} video file${plan.files.length === 1 ? '' : 's'}`,
    });
  }
  return lines;
}

/** Sub-folders of outputs that share a base name: index 0 → `a`, 1 → `b`, ... */
export const SHARED_NAME_FOLDERS = 'abcdefghijklmnopqrstuvwxyz';

export function outputPath(record: PredictionRecord, index: number): string {
  const file = record.plan.files[index];
  if (!file) throw new Error(`internal: prediction ${record.id} has no output ${index}`);
  // Encoded: a hostile id (`../escaped`, `a/b`) must stay one path segment that routes back to it.
  const id = encodeURIComponent(record.id);
  if (record.sharedBaseName) return `/delivery/${id}/${SHARED_NAME_FOLDERS[index]}/out-0.${file.ext}`;
  return `/delivery/${id}/out-${index}.${file.ext}`;
}

/** Computes the state of `record` at `nowMs`. */
export function viewAt(record: PredictionRecord, nowMs: number, retentionMs: number, origin: string): PredictionView {
  const stopAtMs = Math.min(record.canceledAtMs ?? Infinity, record.deadlineAtMs ?? Infinity);
  const stoppedByDeadline =
    record.deadlineAtMs !== undefined &&
    stopAtMs === record.deadlineAtMs &&
    (record.canceledAtMs ?? Infinity) > record.deadlineAtMs;
  const logsUntil = (untilMs: number) =>
    record.logLines
      .filter((line) => line.atMs <= untilMs)
      .map((line) => `${line.text}\n`)
      .join('');
  const base = {
    outputUrls: [] as string[],
    output: null as unknown,
    error: null as string | null,
    dataRemoved: false,
  };
  const removed = (completedAtMs: number) => nowMs >= completedAtMs + retentionMs;

  // Stopped before it started: a deadline aborts it (not charged), a user cancel cancels it.
  if (stopAtMs <= record.startAtMs && nowMs >= stopAtMs) {
    return {
      ...base,
      status: stoppedByDeadline ? 'aborted' : 'canceled',
      completedAtMs: stopAtMs,
      logs: '',
      dataRemoved: removed(stopAtMs),
    };
  }
  if (nowMs < record.startAtMs) return { ...base, status: 'starting', logs: '' };

  const startedAtMs = record.startAtMs;
  if (stopAtMs < record.completeAtMs && nowMs >= stopAtMs) {
    return {
      ...base,
      status: 'canceled',
      startedAtMs,
      completedAtMs: stopAtMs,
      logs: logsUntil(stopAtMs),
      dataRemoved: removed(stopAtMs),
    };
  }
  if (nowMs < record.completeAtMs) return { ...base, status: 'processing', startedAtMs, logs: logsUntil(nowMs) };

  const completedAtMs = record.completeAtMs;
  const logs = logsUntil(completedAtMs);
  if (record.failWith !== undefined) {
    return {
      ...base,
      status: 'failed',
      startedAtMs,
      completedAtMs,
      logs,
      error: record.failWith,
      dataRemoved: removed(completedAtMs),
    };
  }
  if (removed(completedAtMs))
    return { ...base, status: 'succeeded', startedAtMs, completedAtMs, logs, dataRemoved: true };
  const outputUrls = record.plan.files.map((_, i) => origin + outputPath(record, i));
  const output = record.plan.shape === 'array' ? outputUrls : (outputUrls[0] ?? null);
  return { ...base, status: 'succeeded', startedAtMs, completedAtMs, logs, outputUrls, output };
}

/**
 * The first instant after `nowMs` at which `viewAt` can answer differently for `record` (Infinity if never):
 * every comparison `viewAt` makes against the clock flips at one of these thresholds, so the view is the
 * same for any clock reading in [nowMs, nextChangeAfter). A cancel changes the record itself, not the clock,
 * and is checked apart (see PredictionStore.answerBytes).
 */
export function nextChangeAfter(record: PredictionRecord, nowMs: number, retentionMs: number): number {
  const stopAtMs = Math.min(record.canceledAtMs ?? Infinity, record.deadlineAtMs ?? Infinity);
  let next = Infinity;
  const consider = (atMs: number) => {
    if (atMs > nowMs && atMs < next) next = atMs;
  };
  consider(record.startAtMs);
  consider(record.completeAtMs);
  consider(stopAtMs);
  consider(record.completeAtMs + retentionMs);
  consider(stopAtMs + retentionMs);
  for (const line of record.logLines) consider(line.atMs);
  return next;
}

/** The prediction object as the API returns it, shaped like Replicate's recorded answers. */
export function predictionJson(
  record: PredictionRecord,
  view: PredictionView,
  apiUrl: string,
  origin: string,
  keepInputAndLogs = false,
): Record<string, unknown> {
  // Recorded: `{predict_time}` on success (with image_count for image models), `{predict_time, total_time}` on cancel.
  const metrics: Record<string, number> = {};
  if (view.completedAtMs !== undefined) {
    if (view.startedAtMs !== undefined) metrics.predict_time = (view.completedAtMs - view.startedAtMs) / 1000;
    if (view.status !== 'succeeded') metrics.total_time = (view.completedAtMs - record.createdAtMs) / 1000;
    if (view.status === 'succeeded' && record.plan.files[0]?.kind === 'image')
      metrics.image_count = record.plan.files.length;
  }
  const removed = view.dataRemoved && !keepInputAndLogs;
  const internal = record.quirk === 'internal-model' && record.version === 'hidden';
  const json: Record<string, unknown> = {
    id: record.id,
    // As seen in the wild: `replicate-internal/<name>-<variant>` and `dp-` + 32 hex digits.
    model: internal ? `replicate-internal/${record.model.name}-emulated` : modelName(record.model),
    version: internal ? `dp-${createHash('md5').update(modelName(record.model)).digest('hex')}` : record.version,
    input: removed ? {} : record.input,
    // A canceled prediction answers `logs: null` (recorded), whatever it printed before.
    logs: view.status === 'canceled' || removed ? null : view.logs,
    output: view.output,
    data_removed: view.dataRemoved,
    error: view.error,
    status: view.status,
    source: 'api',
    created_at: iso(record.createdAtMs),
  };
  if (view.startedAtMs !== undefined) json.started_at = iso(view.startedAtMs);
  if (view.completedAtMs !== undefined) json.completed_at = iso(view.completedAtMs);
  const id = encodeURIComponent(record.id);
  json.urls = {
    cancel: `${apiUrl}/predictions/${id}/cancel`,
    get: `${apiUrl}/predictions/${id}`,
    stream: `${origin}/stream/${id}`,
    web: `${origin}/p/${id}`,
  };
  json.metrics = metrics;
  if (record.deadlineAtMs !== undefined) json.deadline = iso(record.deadlineAtMs);
  if (record.deployment !== undefined) json.deployment = record.deployment;
  if (record.webhook !== undefined) {
    json.webhook = record.webhook;
    json.webhook_events_filter = record.webhookEventsFilter;
  }
  return json;
}

/** What a prediction's answer depends on besides its record and the clock (fixed for one emulator). */
export interface AnswerContext {
  retentionMs: number;
  apiUrl: string;
  origin: string;
  keepInputAndLogs: boolean;
}

/** A serialized answer and the span of clock readings over which it stays true. */
interface CachedAnswer {
  bytes: Uint8Array;
  fromMs: number;
  untilMs: number;
  /** The record's only field that changes after creation: a cancel makes the answer stale at once. */
  canceledAtMs: number | undefined;
  context: AnswerContext;
}

/**
 * How many serialized answers are kept (~1 KB each). Lists and polls read the newest predictions over and
 * over; a bound keeps a store of 100 000 read once each from holding all their JSON twice.
 */
export const MAX_CACHED_ANSWERS = 10_000;

const COMMA = Buffer.from(',');

/** List pages kept for a repeated query (~100 KB each). */
export const MAX_CACHED_PAGES = 16;

/** A list page's body and what it was joined from. */
interface CachedPage {
  next: string | null;
  previous: string | null;
  results: Uint8Array[];
  bytes: Uint8Array;
}

/**
 * A list page's body, byte for byte what `JSON.stringify({ next, previous, results })` gives, but joined
 * from the predictions' already-serialized answers rather than serializing 100 objects again.
 */
function joinListPage(next: string | null, previous: string | null, results: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [
    Buffer.from(`{"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},"results":[`),
  ];
  results.forEach((bytes, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(bytes);
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

/** Holds the predictions and tells listeners when one may have changed. */
export class PredictionStore {
  private readonly byId = new Map<string, PredictionRecord>();
  private readonly ordered: PredictionRecord[] = [];
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Predictions run per model (`owner/name`), counted as they are created: a model's `run_count` is O(1). */
  private readonly runs = new Map<string, number>();
  /** Serialized answers by prediction id, oldest cached first (evicted in that order). */
  private readonly answers = new Map<string, CachedAnswer>();
  /** The last page sent for each list query, oldest first (evicted in that order). */
  private readonly pages = new Map<string, CachedPage>();
  private nextSeq = 0;

  /** `now` decides which late predictions (`visibleFromMs`) have appeared yet. */
  constructor(private readonly now: () => number = Date.now) {}

  private visible(record: PredictionRecord): boolean {
    return record.visibleFromMs === undefined || this.now() >= record.visibleFromMs;
  }

  /** Whether an id is taken, by a visible prediction or one still to appear. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  add(record: Omit<PredictionRecord, 'seq'>): PredictionRecord {
    const full: PredictionRecord = { ...record, seq: this.nextSeq++ };
    this.byId.set(full.id, full);
    this.ordered.push(full);
    const name = modelName(full.model);
    this.runs.set(name, (this.runs.get(name) ?? 0) + 1);
    return full;
  }

  /** The prediction, unless it has not appeared yet. */
  get(id: string): PredictionRecord | undefined {
    const record = this.byId.get(id);
    return record && this.visible(record) ? record : undefined;
  }

  /**
   * Every stored prediction, oldest first, late ones not yet visible included (for the accounts' totals:
   * O(stored), so not for hot routes).
   */
  inCreationOrder(): readonly PredictionRecord[] {
    return this.ordered;
  }

  /** How many predictions of the model `owner/name` were created (since the last reset). */
  runCount(name: string): number {
    return this.runs.get(name) ?? 0;
  }

  /**
   * The prediction's answer as the API sends it (`JSON.stringify(predictionJson(...))` in UTF-8), computed
   * once per span of time over which it cannot change: a finished prediction is serialized once until its
   * data is removed, then once more; a running one once per log line. Polls and list pages then cost a
   * lookup and a copy instead of a view, three timestamps and a serialization each.
   */
  answerBytes(record: PredictionRecord, nowMs: number, context: AnswerContext): Uint8Array {
    const cached = this.answers.get(record.id);
    if (
      cached !== undefined &&
      nowMs >= cached.fromMs &&
      nowMs < cached.untilMs &&
      cached.canceledAtMs === record.canceledAtMs &&
      cached.context === context
    )
      return cached.bytes;
    const view = viewAt(record, nowMs, context.retentionMs, context.origin);
    const text = JSON.stringify(predictionJson(record, view, context.apiUrl, context.origin, context.keepInputAndLogs));
    // A memory of its own, not a slice of Node's shared 8 KB pool: a kept answer must not pin a slab
    // that evicted ones shared with it.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    bytes.write(text);
    if (cached === undefined && this.answers.size >= MAX_CACHED_ANSWERS) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(record.id, {
      bytes,
      fromMs: nowMs,
      untilMs: nextChangeAfter(record, nowMs, context.retentionMs),
      canceledAtMs: record.canceledAtMs,
      context,
    });
    return bytes;
  }

  /**
   * The body of a list page (see joinListPage). The same page asked again (same links, and the very same
   * cached answers: nothing on it changed) is the same bytes as last time, sent without joining 100 KB
   * again. `query` only picks which earlier page to compare with; the comparison decides.
   */
  listPageBytes(query: string, next: string | null, previous: string | null, results: Uint8Array[]): Uint8Array {
    const cached = this.pages.get(query);
    if (
      cached !== undefined &&
      cached.next === next &&
      cached.previous === previous &&
      cached.results.length === results.length &&
      cached.results.every((bytes, i) => bytes === results[i])
    )
      return cached.bytes;
    const bytes = joinListPage(next, previous, results);
    if (cached === undefined && this.pages.size >= MAX_CACHED_PAGES) {
      const oldest = this.pages.keys().next();
      if (!oldest.done) this.pages.delete(oldest.value);
    }
    this.pages.set(query, { next, previous, results, bytes });
    return bytes;
  }

  /**
   * One page of the list, newest first: up to `size` records that `keep` accepts, older than the record
   * numbered `before`, or (with `after`) the `size` oldest newer than `after`, else the newest; and whether
   * more accepted records lie on either side. It walks from the cursor only as far as the page needs,
   * so a page costs the same with 100 predictions stored or 100 000.
   */
  page(
    size: number,
    accepts: (record: PredictionRecord) => boolean,
    cursor: { before?: number; after?: number },
  ): { records: PredictionRecord[]; older: boolean; newer: boolean } {
    // Late predictions (`visibleFromMs`) are not listed until they appear.
    const keep = (record: PredictionRecord) => this.visible(record) && accepts(record);
    const records: PredictionRecord[] = [];
    if (cursor.after !== undefined) {
      for (let i = this.#firstAbove(cursor.after); i < this.ordered.length && records.length < size; i++) {
        const record = this.ordered[i];
        if (record && keep(record)) records.push(record);
      }
      records.reverse();
    } else {
      const start = cursor.before === undefined ? this.ordered.length - 1 : this.#firstAbove(cursor.before - 1) - 1;
      for (let i = start; i >= 0 && records.length < size; i--) {
        const record = this.ordered[i];
        if (record && keep(record)) records.push(record);
      }
    }
    const newest = records[0];
    const oldest = records[records.length - 1];
    const any = (from: number, step: 1 | -1): boolean => {
      for (let i = from; i >= 0 && i < this.ordered.length; i += step) {
        const record = this.ordered[i];
        if (record && keep(record)) return true;
      }
      return false;
    };
    return {
      records,
      older: oldest !== undefined && any(this.#firstAbove(oldest.seq - 1) - 1, -1),
      newer: newest !== undefined && any(this.#firstAbove(newest.seq), 1),
    };
  }

  /** The index of the first record numbered above `seq` (records are in creation order, numbers ascending). */
  #firstAbove(seq: number): number {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ordered[mid]?.seq ?? Number.POSITIVE_INFINITY) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  subscribe(id: string, listener: () => void): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  notify(id: string): void {
    for (const listener of [...(this.listeners.get(id) ?? [])]) listener();
  }

  clear(): void {
    this.byId.clear();
    this.ordered.length = 0;
    this.listeners.clear();
    this.runs.clear();
    this.answers.clear();
    this.pages.clear();
  }
}
