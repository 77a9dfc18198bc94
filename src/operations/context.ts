// The one context a client hands its operations. Each operation takes only the slice it uses
// (`Pick<ClientContext, ...>`), so what an operation may touch is written in its signature.

import type { PredictionLedger } from '../api.js';
import type { Bookkeeper } from '../bookkeeping.js';
import { CanceledError, ClosedError } from '../errors.js';
import type { VideoInputAdapter } from '../models.js';
import type { PriceTable } from '../pricing.js';
import type { Redactor } from '../redact.js';
import type { Transport } from '../transport.js';
import type { WaitOptions } from '../types/options.js';
import { Operation } from '../waiting.js';
import { checkInterval, checkTimeout } from './checks.js';

/** What a client is made of, as its operations see it. */
export interface ClientContext {
  readonly transport: Transport;
  readonly redact: Redactor;
  readonly now: () => number;
  /** Aborted by `close()`. */
  readonly closeSignal: AbortSignal;
  /** The ids this client created, so an ambiguous create never adopts another process's prediction. */
  readonly ledger: PredictionLedger;
  readonly books: Bookkeeper;
  readonly prices: PriceTable;
  readonly videoAdapters: Readonly<Record<string, VideoInputAdapter>>;
  readonly keepRunning: boolean;
  readonly preferWaitSeconds: number;
  readonly useStream: boolean;
  /** How long to keep looking for a lost create's prediction before sending the create again. */
  readonly createSettleMs: number;
}

/** A waiting operation that has started, and its polling interval. */
export interface Started {
  operation: Operation;
  intervalMs: number;
}

/**
 * Starts a waiting operation: checks its timing options, refuses to start when the client is closed or
 * the signal already aborted, and fixes the deadline.
 */
export function begin(
  ctx: Pick<ClientContext, 'now' | 'closeSignal'>,
  options: WaitOptions,
  defaultTimeoutMs: number,
): Started {
  const timeoutMs = checkTimeout(options.timeoutMs, defaultTimeoutMs);
  const intervalMs = checkInterval(options.intervalMs);
  throwIfClosed(ctx);
  if (options.signal?.aborted) throw new CanceledError('The operation was aborted by the caller before it started');
  const operation = new Operation({
    now: ctx.now,
    timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStatus ? { onStatus: options.onStatus } : {}),
  });
  return { operation, intervalMs };
}

/** @throws ClosedError after `close()`. */
export function throwIfClosed(ctx: Pick<ClientContext, 'closeSignal'>): void {
  if (ctx.closeSignal.aborted) throw new ClosedError('The client is closed');
}

/** The caller's signal joined with the client's close, or the close alone. */
export function withClose(ctx: Pick<ClientContext, 'closeSignal'>, signal: AbortSignal | undefined): AbortSignal {
  return signal ? AbortSignal.any([signal, ctx.closeSignal]) : ctx.closeSignal;
}
