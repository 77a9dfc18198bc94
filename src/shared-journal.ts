// The client's side of a journal shared by a fleet: a `postgres://` journal. It writes records the way
// the file journal does (same `append`, same records) but through the PostgreSQL journal store, with this
// client's owner id on each, so the store can lease its work to it; it holds the fleet's budget; and it
// keeps the leases alive while work is in flight.
//
// The store (and `pg` behind it) is loaded with a dynamic import whose specifier the bundler cannot
// follow, and only when such a URL is given: the main bundle stays web-standard with no database code in
// it. The import resolves next to this module (src/ or dist/), where src/journal-store/ is built.

import { BudgetExceededError, JournalError } from './errors.js';
import type { JournalRecord, NewJournalRecord } from './journal.js';
import type { ClaimedWork, JournalStore, ReserveOutcome, TwinIntent, TwinQuery } from './journal-store/store.js';

/** True for a journal location that names a PostgreSQL database rather than a file. */
export function isSharedJournalUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** The URL with its password hidden, for messages and `journalPath`. */
export function describeSharedJournal(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** How long the work a client writes is its alone without a heartbeat. */
export const SHARED_JOURNAL_LEASE_MS = 5 * 60_000;

export interface SharedJournalOptions {
  redact: (text: string) => string;
  now: () => number;
  warn: (message: string) => void;
  /** Lease of this client's work; renewed every third of it while work is in flight. */
  leaseMs?: number;
}

// A variable, so that esbuild leaves the import alone (a literal would pull the store into the bundle).
const STORE_MODULE = './journal-store/index.js';

type StoreModule = typeof import('./journal-store/index.js');

export class SharedJournal {
  /** The database, password hidden (printed wherever the file journal prints its path). */
  readonly path: string;
  /** This client, as the store knows it: its records, holds and leases carry it. */
  readonly owner: string = globalThis.crypto.randomUUID();
  readonly leaseMs: number;
  readonly #url: string;
  readonly #options: SharedJournalOptions;
  #store: Promise<JournalStore> | null = null;
  /** Store calls fired without a caller waiting (settling holds); close() waits for them. */
  readonly #pending = new Set<Promise<unknown>>();
  #busy = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(url: string, options: SharedJournalOptions) {
    this.#url = url.trim();
    this.path = describeSharedJournal(this.#url);
    this.#options = options;
    this.leaseMs = options.leaseMs ?? SHARED_JOURNAL_LEASE_MS;
  }

  /**
   * The store, opened on first use (schema created or migrated). A failed open is not cached.
   * @throws JournalError (`journal_failed`) when the database or `pg` is not there
   */
  store(): Promise<JournalStore> {
    this.#store ??= (async () => {
      const module = (await import(/* @vite-ignore */ STORE_MODULE)) as StoreModule;
      return module.openJournalStore(this.#url, {
        redact: this.#options.redact,
        now: this.#options.now,
        leaseMs: this.leaseMs,
        warn: this.#options.warn,
      });
    })().catch((error: unknown) => {
      this.#store = null;
      // The store module may be a separate copy of the errors (the bundle): keep the code, not the class.
      const message = error instanceof Error ? error.message : String(error);
      throw new JournalError(message.includes(this.path) ? message : `The journal ${this.path}: ${message}`, {
        cause: error,
      });
    });
    return this.#store;
  }

  /** Appends one record with this client's owner id (an intent or created record leases its subject to it). */
  async append(record: NewJournalRecord): Promise<void> {
    await (await this.store()).append(record, this.owner);
  }

  /** Every record of the fleet, in the order written. */
  async records(): Promise<JournalRecord[]> {
    return (await this.store()).records();
  }

  /**
   * Holds `amountUsd` of the fleet's `budgetUsd`, atomically against every process.
   * @throws BudgetExceededError when the fleet's spend and holds leave no room for it
   */
  async reserve(amountUsd: number, budgetUsd: number, what: string, requestId: string): Promise<string> {
    const outcome: ReserveOutcome = await (await this.store()).reserve(amountUsd, budgetUsd, {
      owner: this.owner,
      requestId,
    });
    if (!outcome.granted) {
      const left = Math.max(0, budgetUsd - outcome.spentUsd - outcome.heldUsd);
      throw new BudgetExceededError(
        `Budget exceeded: ${what} is estimated at $${usd(amountUsd)}, but only $${usd(left)} of the fleet's $${usd(budgetUsd)} budget is left ` +
          `($${usd(outcome.spentUsd)} spent, $${usd(outcome.heldUsd)} held by running operations across the fleet, in ${this.path}); nothing was created`,
      );
    }
    return outcome.holdId;
  }

  /** Ends a hold with the actual cost (null: unknown), or with nothing spent; in the background, awaited by close(). */
  endHold(holdId: string, actualUsd: number | null, spent: boolean): void {
    this.#background((store) => (spent ? store.settle(holdId, actualUsd) : store.release(holdId)));
  }

  /**
   * Books a prediction finished without a hold of this client (another process submitted or started it):
   * the holds its intent took in the fleet's budget end at the actual cost, or, with none, the cost is
   * added to the fleet's spend.
   */
  settleFor(requestId: string | null, actualUsd: number | null): void {
    this.#background(async (store) => {
      const holds = requestId === null ? [] : await store.holdsFor(requestId);
      const [first, ...others] = holds;
      if (first === undefined) {
        if (actualUsd !== null && actualUsd > 0) await store.recordSpend(actualUsd);
        return;
      }
      await store.settle(first, actualUsd);
      for (const hold of others) await store.release(hold);
    });
  }

  /** The fleet's unfinished work whose lease ended, leased to this client now. */
  async claimUnfinished(): Promise<ClaimedWork> {
    return (await this.store()).claimUnfinished(this.owner, this.leaseMs);
  }

  /** Other processes' intents of the same model and input in a window. */
  async twinIntents(query: Omit<TwinQuery, 'owner'>): Promise<TwinIntent[]> {
    return (await this.store()).twinIntents({ ...query, owner: this.owner });
  }

  /** Of `ids`, the predictions the fleet's journal has a `created` record of. */
  async journaledPredictions(ids: readonly string[]): Promise<ReadonlySet<string>> {
    const wanted = new Set(ids);
    const found = new Set<string>();
    for (const record of await this.records()) {
      if (record.event === 'created' && wanted.has(record.predictionId)) found.add(record.predictionId);
    }
    return found;
  }

  /** Open holds for an intent's request id (resume settles them). */
  async holdsFor(requestId: string): Promise<string[]> {
    return (await this.store()).holdsFor(requestId);
  }

  /** Webhook delivery ids, shared by every instance. */
  async markDelivered(webhookId: string): Promise<boolean> {
    return (await this.store()).markDelivered(webhookId);
  }
  async forgetDelivery(webhookId: string): Promise<void> {
    await (await this.store()).forgetDelivery(webhookId);
  }

  /**
   * Runs `work` with the heartbeat on: while any such work is in flight, this client's leases are
   * renewed every third of the lease, so no other process takes up what it is still doing.
   */
  async busy<T>(work: () => Promise<T>): Promise<T> {
    this.#busy++;
    if (this.#heartbeat === null) {
      this.#heartbeat = setInterval(() => {
        this.#background((store) => store.renewLeases(this.owner, this.leaseMs));
      }, this.leaseMs / 3);
      // A heartbeat never keeps a Node process alive by itself (web runtimes have no unref).
      (this.#heartbeat as { unref?: () => void }).unref?.();
    }
    try {
      return await work();
    } finally {
      if (--this.#busy === 0 && this.#heartbeat !== null) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = null;
      }
    }
  }

  /** Waits for background calls, hands this client's leases back (others may take its work at once), closes. */
  async close(): Promise<void> {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    const opened = this.#store;
    this.#store = null;
    const store = await opened?.catch(() => null);
    if (!store) return;
    await store.releaseLeases(this.owner).catch(() => undefined);
    await store.close();
  }

  #background(call: (store: JournalStore) => Promise<unknown>): void {
    const task = this.store()
      .then(call)
      .catch((error: unknown) =>
        this.#options.warn(
          `the journal ${this.path}: ${error instanceof Error ? error.message : String(error)} (the fleet's totals may lag until resume)`,
        ),
      );
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }
}

function usd(amount: number): string {
  const text = amount.toFixed(6).replace(/0+$/, '');
  return text.endsWith('.') ? `${text}00` : text;
}
