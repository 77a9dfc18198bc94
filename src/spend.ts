// Spend: what each finished prediction actually cost (from the price table and what it produced), the
// client's running total, and the budget check that refuses an operation before anything is created.
// Amounts are kept in whole micro-dollars so totals are exact.

import { BudgetExceededError, InvalidInputError } from './errors.js';
import { toMicros, toUsd } from './internal/micros.js';
import { outputUrls } from './internal/output-urls.js';
import { parseModelRef } from './models.js';
import { costMicros, type PriceTable, priceOf } from './pricing.js';
import type { Prediction } from './types/prediction.js';

/** `owner/name` of a model reference (`owner/name:version` loses its version). */
export function modelName(model: string): string {
  return parseModelRef(model)?.model ?? model;
}

/** What the price table needs to know about a finished prediction. */
export interface Produced {
  model: string;
  status: Prediction['status'];
  output: unknown;
  /** Seconds of video asked for, when the input has no `duration` (the input's wins: it is what was sent). */
  durationSeconds?: number | null;
  input?: Record<string, unknown>;
  /** `metrics.image_count`, used when the output is no longer there (data removed). */
  imageCount?: number | null;
}

/**
 * The actual cost, in micro-dollars, of a prediction in its final state, or null when its model has no
 * known price. Only a succeeded prediction produced anything: per-image models cost their output count
 * (the image URLs), per-second models the duration asked for, per-run models one run. Failed, canceled
 * and aborted predictions produced nothing and cost 0 here.
 */
export function actualCostMicros(produced: Produced, prices: PriceTable): number | null {
  let price: ReturnType<typeof priceOf>;
  try {
    price = priceOf(modelName(produced.model), prices);
  } catch {
    return null;
  }
  if (produced.status !== 'succeeded') return 0;
  const model = modelName(produced.model);
  switch (price.unit) {
    case 'image': {
      const urls = outputUrls(produced.output).length;
      const count = urls > 0 ? urls : (produced.imageCount ?? 0);
      return costMicros(model, count, prices);
    }
    case 'second': {
      // What the model was asked: the input's `duration` when it has one (it is what was sent).
      const sent = produced.input?.duration;
      const asked = typeof sent === 'number' && Number.isFinite(sent) && sent > 0 ? sent : produced.durationSeconds;
      return costMicros(model, typeof asked === 'number' && Number.isFinite(asked) && asked > 0 ? asked : 0, prices);
    }
    case 'run':
      return costMicros(model, 1, prices);
  }
}

/** Money held for an operation between its start and its end. */
export interface Reservation {
  readonly micros: number;
  settled: boolean;
}

/**
 * A client's spend: the actual cost of its finished predictions, plus estimates held for operations
 * still running, checked against an optional limit. Reserving before creating means concurrent calls
 * can never cross the limit together.
 */
export class Spend {
  readonly #limitMicros: number | null;
  #spentMicros = 0;
  #reservedMicros = 0;

  constructor(budgetUsd: number | undefined) {
    if (budgetUsd !== undefined && (typeof budgetUsd !== 'number' || !Number.isFinite(budgetUsd) || budgetUsd < 0)) {
      throw new RangeError(`budgetUsd must be a non-negative number of dollars, got ${String(budgetUsd)}`);
    }
    this.#limitMicros = budgetUsd === undefined ? null : toMicros(budgetUsd);
  }

  /** The limit in USD, or null without one. */
  get budgetUsd(): number | null {
    return this.#limitMicros === null ? null : toUsd(this.#limitMicros);
  }

  /** Actual cost of the predictions finished so far. */
  get spentUsd(): number {
    return toUsd(this.#spentMicros);
  }

  /** Estimates held for operations still running (and for predictions left running with an unknown end). */
  get reservedUsd(): number {
    return toUsd(this.#reservedMicros);
  }

  /** What is left of the budget after spending and holds; null without a budget. */
  get remainingUsd(): number | null {
    return this.#limitMicros === null
      ? null
      : toUsd(Math.max(0, this.#limitMicros - this.#spentMicros - this.#reservedMicros));
  }

  /**
   * Holds `estimateMicros` for an operation about to create a prediction of `what`.
   * @throws BudgetExceededError when it would cross the budget; InvalidInputError when a budget is set and
   *   the estimate is unknown (no price for the model), since the budget could not be kept.
   */
  reserve(estimateMicros: number | null, what: string): Reservation {
    if (this.#limitMicros !== null) {
      if (estimateMicros === null) {
        throw new InvalidInputError(
          `No price is known for ${what}, so the budget (budgetUsd) cannot be enforced: pass its price in the "prices" option`,
        );
      }
      const committed = this.#spentMicros + this.#reservedMicros;
      if (committed + estimateMicros > this.#limitMicros) {
        throw new BudgetExceededError(
          `Budget exceeded: ${what} is estimated at $${formatUsd(estimateMicros)}, ` +
            `but only $${formatUsd(this.#limitMicros - committed)} of the $${formatUsd(this.#limitMicros)} budget is left ` +
            `($${formatUsd(this.#spentMicros)} spent, $${formatUsd(this.#reservedMicros)} held by running operations); nothing was created`,
        );
      }
    }
    const micros = estimateMicros ?? 0;
    this.#reservedMicros += micros;
    return { micros, settled: false };
  }

  /**
   * Holds `micros` without checking the budget: for a prediction that exists already and may be billed
   * (one a lost create made, whose cancel was accepted but not yet done). Refusing it would not unmake it.
   */
  holdExisting(micros: number): Reservation {
    this.#reservedMicros += micros;
    return { micros, settled: false };
  }

  /** Ends a hold: the actual cost (null: unknown price, nothing counted) replaces the estimate. */
  settle(reservation: Reservation, actualMicros: number | null): void {
    if (reservation.settled) return;
    reservation.settled = true;
    this.#reservedMicros -= reservation.micros;
    if (actualMicros !== null) this.#spentMicros += actualMicros;
  }

  /** Counts the cost of a prediction finished without a hold (one `resume()` re-attached to). */
  record(actualMicros: number | null): void {
    if (actualMicros !== null) this.#spentMicros += actualMicros;
  }
}

function formatUsd(micros: number): string {
  const text = toUsd(Math.max(0, micros)).toFixed(6).replace(/0+$/, '');
  return text.endsWith('.') ? `${text}00` : text;
}
