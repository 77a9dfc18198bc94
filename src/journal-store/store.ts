// The journal as one interface with two stores: the JSON Lines file of one process (file-store.ts, the
// default) and a PostgreSQL database shared by a fleet of processes (postgres-store.ts). Besides the
// records, a store keeps what a fleet must agree on: the budget's holds, who finishes an unfinished
// prediction (claims with a lease), which webhook deliveries were handled, and the intents of every
// process (so a lost create never adopts another process's twin). Design: docs/durability.md.

import { canonical } from '../internal/canonical.js';
import type {
  IntentRecord,
  JournalEntry,
  JournalRecord,
  JournalState,
  JournalTotals,
  NewJournalRecord,
} from '../journal.js';

/** A budget hold that was granted: the estimate is held until settled (actual cost) or released. */
export interface GrantedHold {
  granted: true;
  holdId: string;
  amountUsd: number;
  /** The fleet's spent and held totals after this hold (held includes it). */
  spentUsd: number;
  heldUsd: number;
}

/** A reservation refused: granting it would have crossed the budget. Nothing was held. */
export interface RefusedHold {
  granted: false;
  amountUsd: number;
  budgetUsd: number;
  spentUsd: number;
  heldUsd: number;
}

export type ReserveOutcome = GrantedHold | RefusedHold;

/** The fleet's spend as the store keeps it. */
export interface BudgetTotals {
  /** Actual cost of settled holds and of spend recorded without a hold. */
  spentUsd: number;
  /** Estimates held by operations still running (or by processes that died holding them). */
  heldUsd: number;
}

/** What {@link JournalStore.claimUnfinished} handed to the claimer: each item to it alone until its lease ends. */
export interface ClaimedWork {
  /** Predictions the journal knows that are unfinished or owe files. */
  entries: JournalEntry[];
  /** Intents whose create's answer never reached the journal (adopt or close them). */
  intents: IntentRecord[];
}

/** Another process's intent with the same model and input, and what became of it. */
export interface TwinIntent {
  intent: IntentRecord;
  /** The process that wrote it (null: written without an owner, by a single-process client). */
  owner: string | null;
  /** The prediction its `created` record names, or null while it has none. */
  predictionId: string | null;
  /** True once a `not_created` record closed it. */
  notCreated: boolean;
}

/** What to look for in {@link JournalStore.twinIntents}. */
export interface TwinQuery {
  /** The asking process: its own intents are not twins. */
  owner: string;
  model: string;
  input: Record<string, unknown>;
  /** The window on the writers' clocks, ms since the epoch (inclusive). */
  sinceMs: number;
  untilMs: number;
}

/** The journal folded over everything the store holds (the whole fleet's, for Postgres). */
export interface JournalHistory {
  entries: JournalEntry[];
  totals: JournalTotals;
}

export interface JournalStore {
  readonly kind: 'file' | 'postgres';
  /** Where it is, safe to print: the file's path, or the URL without its password. */
  readonly location: string;

  /**
   * Appends one record (`v` and `at` filled in), durably, before resolving. An `intent` or `created`
   * record written with an `owner` also claims its subject for that owner (lease from the store's
   * `leaseMs`), so no other process takes it up while the owner lives and renews it.
   */
  append(record: NewJournalRecord, owner?: string): Promise<void>;
  /** Every record, in the order written. */
  records(): Promise<JournalRecord[]>;
  /** The records folded: one entry per prediction, and the intents with no prediction yet. */
  read(): Promise<JournalState>;
  /** Entries and totals, for `history`. */
  history(): Promise<JournalHistory>;

  /**
   * Holds `amountUsd` against `budgetUsd` if the total spent and held stays within it. Atomic against
   * every other reservation on the same store (for Postgres: every process of the fleet).
   */
  reserve(
    amountUsd: number,
    budgetUsd: number,
    options?: { owner?: string; requestId?: string },
  ): Promise<ReserveOutcome>;
  /** Ends a hold with the actual cost (null: unknown price, nothing counted). A second settle does nothing. */
  settle(holdId: string, actualUsd: number | null): Promise<void>;
  /** Ends a hold with nothing spent (nothing was created, or it was canceled having produced nothing). */
  release(holdId: string): Promise<void>;
  /** Adds the cost of a prediction finished without a hold (one another process started). */
  recordSpend(actualUsd: number): Promise<void>;
  /** The holds still open for an intent's request id (resume settles or releases them). */
  holdsFor(requestId: string): Promise<string[]>;
  budget(): Promise<BudgetTotals>;
  /**
   * Releases holds older than `olderThanMs` that no intent record names: their process died between
   * reserving and writing its intent, so nothing was created for them. Returns how many.
   */
  releaseOrphanHolds(olderThanMs: number): Promise<number>;

  /**
   * Claims the unfinished work whose lease has ended (its owner died or gave it up) or that has no
   * owner: each item goes to exactly one claimer, for `leaseMs`. Work the asking owner already holds is
   * returned again (its lease renewed).
   */
  claimUnfinished(owner: string, leaseMs: number): Promise<ClaimedWork>;
  /** Extends every lease `owner` holds by `leaseMs` from now (the owner's heartbeat). Returns how many. */
  renewLeases(owner: string, leaseMs: number): Promise<number>;
  /** Ends every lease `owner` holds now (a clean shutdown), so others can take its work at once. Returns how many. */
  releaseLeases(owner: string): Promise<number>;

  /** Other owners' intents with the same model and input written in the window. */
  twinIntents(query: TwinQuery): Promise<TwinIntent[]>;

  /** Records a webhook delivery id; true the first time, false for every later call with that id. */
  markDelivered(webhookId: string): Promise<boolean>;
  /** Forgets a delivery id whose handling failed, so the sender's retry is handled again. */
  forgetDelivery(webhookId: string): Promise<void>;

  close(): Promise<void>;
}

/** The claim subject of a prediction and of an intent without one. */
export function predictionSubject(predictionId: string): string {
  return `prediction:${predictionId}`;
}
export function intentSubject(requestId: string): string {
  return `intent:${requestId}`;
}

/**
 * The key under which twins meet: SHA-256 (hex) of the model and the canonical input. A hash, not the
 * text, because an input may carry a data URL far larger than an index entry may be.
 */
export async function inputKey(model: string, input: Record<string, unknown>): Promise<string> {
  const bytes = new TextEncoder().encode(canonical({ model, input }));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Totals are kept in whole micro-dollars so sums are exact (the library's one conversion).
export { toMicros as usdToMicros, toUsd as microsToUsd } from '../internal/micros.js';

/** Checks an amount of dollars given to the budget operations. */
export function checkUsd(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number of dollars, got ${String(value)}`);
  }
}

/** A new random id (holds). */
export function newId(): string {
  return crypto.randomUUID();
}
