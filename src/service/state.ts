// What one client keeps in memory about service mode: the predictions it submitted (their run meta and
// budget hold, so a delivery to this same instance settles the hold it took), and the hand-overs in
// progress (so a delivery and the reconciler never finish one prediction twice inside a process). The
// journal is the truth across instances and restarts; this is the fast path and the no-journal mode.

import type { RunMeta } from '../bookkeeping.js';
import type { Reservation } from '../spend.js';

/** A prediction this client submitted and has not yet handed over. */
export interface Submitted {
  meta: RunMeta;
  hold: Reservation;
  /** When it was submitted, on the client's clock. */
  at: number;
}

/** Bounded like the client's ledger: a long-lived service keeps flat memory. */
const SUBMITTED_KEPT = 10_000;

export class ServiceState {
  readonly #submitted = new Map<string, Submitted>();
  /** Hand-overs running now, by prediction id: resolves true once handed over, false if it failed. */
  readonly #running = new Map<string, Promise<boolean>>();

  remember(predictionId: string, submitted: Submitted): void {
    this.#submitted.set(predictionId, submitted);
    if (this.#submitted.size > SUBMITTED_KEPT) {
      const oldest = this.#submitted.keys().next();
      if (!oldest.done) this.#submitted.delete(oldest.value);
    }
  }

  submitted(predictionId: string): Submitted | undefined {
    return this.#submitted.get(predictionId);
  }

  /** Predictions submitted here by `cutoff` and not handed over yet (the reconciler's view without a journal). */
  pending(cutoff: number): string[] {
    return [...this.#submitted].filter(([, s]) => s.at <= cutoff).map(([id]) => id);
  }

  forget(predictionId: string): void {
    this.#submitted.delete(predictionId);
  }

  /**
   * Runs `work` as the one hand-over of `predictionId` in this process: a second caller while it runs
   * waits for it and gets `'duplicate'` when it succeeded (and runs its own when it failed).
   */
  async exclusive<T>(predictionId: string, work: () => Promise<T>): Promise<T | 'duplicate'> {
    for (;;) {
      const running = this.#running.get(predictionId);
      if (!running) break;
      if (await running) return 'duplicate';
    }
    let settle: (handed: boolean) => void = () => undefined;
    const mine = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    this.#running.set(predictionId, mine);
    try {
      const value = await work();
      settle(true);
      return value;
    } catch (error) {
      settle(false);
      throw error;
    } finally {
      if (this.#running.get(predictionId) === mine) this.#running.delete(predictionId);
    }
  }
}
