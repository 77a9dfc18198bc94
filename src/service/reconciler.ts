// The reconciler: finishes what no delivery reached (a webhook lost, refused, or sent while every
// instance was down). Each pass takes the journal's unfinished predictions older than the grace period,
// polls each once, and hands over the terminal ones exactly as a delivery would (hand-over.ts), so a
// late delivery of the same prediction is answered as a duplicate.

import * as api from '../api.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../defaults.js';
import { InvalidInputError } from '../errors.js';
import type { ClientContext } from '../operations/context.js';
import { cleanError } from '../operations/outcome.js';
import { type HandOverContext, handOver } from './hand-over.js';
import { unfinishedEntries } from './journal-view.js';
import type { ReconcileReport, Reconciler, ReconcilerOptions } from './types.js';

/** Replicate's last retry of a `completed` delivery is about a minute after completion; twice that. */
export const DEFAULT_RECONCILE_GRACE_MS = 120_000;
export const DEFAULT_RECONCILE_EVERY_MS = 30_000;

export type ReconcileContext = HandOverContext & Pick<ClientContext, 'transport' | 'now' | 'ledger'>;

export function createReconciler(ctx: ReconcileContext, options: ReconcilerOptions): Reconciler {
  if (typeof options?.onResult !== 'function') throw new TypeError('onResult must be a function');
  const graceMs = options.graceMs ?? DEFAULT_RECONCILE_GRACE_MS;
  if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0)
    throw new InvalidInputError(`graceMs must be a non-negative number of milliseconds, got ${String(graceMs)}`);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = true;
  let running: Promise<ReconcileReport> | null = null;

  const runOnce = (): Promise<ReconcileReport> => {
    // One pass at a time: a pass asked for while one runs shares it.
    running ??= pass(ctx, graceMs, options).finally(() => {
      running = null;
    });
    return running;
  };
  const schedule = (everyMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce()
        .catch(() => undefined)
        .finally(() => schedule(everyMs));
    }, everyMs);
    // A timer must not keep a Node process alive on its own (web runtimes have no unref).
    (timer as { unref?: () => void }).unref?.();
  };
  return {
    runOnce,
    start(everyMs = DEFAULT_RECONCILE_EVERY_MS) {
      if (typeof everyMs !== 'number' || !Number.isFinite(everyMs) || everyMs <= 0)
        throw new InvalidInputError(`everyMs must be a positive number of milliseconds, got ${String(everyMs)}`);
      if (!stopped) return;
      stopped = false;
      schedule(everyMs);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}

async function pass(ctx: ReconcileContext, graceMs: number, options: ReconcilerOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, finished: [], running: [], failed: [] };
  const cutoff = ctx.now() - graceMs;
  const due = ctx.books.journal
    ? (await unfinishedEntries(ctx.books))
        // Ages on the journal writers' clocks (the server's created_at may be on another clock).
        .filter(
          ({ entry, journaledAtMs }) => (entry.kind === 'image' || entry.kind === 'video') && journaledAtMs <= cutoff,
        )
        // A prediction a generate* call of this client is waiting for is that call's to finish.
        .filter(
          ({ entry }) =>
            ctx.service.submitted(entry.predictionId) !== undefined || !ctx.ledger.owns(entry.predictionId),
        )
        .map(({ entry }) => entry.predictionId)
    : ctx.service.pending(cutoff);
  for (const predictionId of due) {
    if (ctx.closeSignal.aborted) break;
    report.checked++;
    try {
      const prediction = await api.getPrediction(ctx.transport, predictionId, {
        signal: ctx.closeSignal,
        deadline: ctx.now() + DEFAULT_CALL_TIMEOUT_MS,
      });
      const outcome = await handOver(ctx, prediction, 'reconciler', options.onResult);
      if (outcome === 'handed_over') report.finished.push(predictionId);
      else if (outcome === 'running') report.running.push(predictionId);
    } catch (error) {
      report.failed.push({ predictionId, error: cleanError(ctx.redact, error).message });
    }
  }
  return report;
}
