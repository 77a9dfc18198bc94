// The journal store of one process: the JSON Lines file of src/journal.ts, written and read exactly as
// before. What a fleet would share (budget holds, claims, webhook ids) lives in this process's memory,
// which is all one process on one file needs: a second live process on the same file is unsupported.

import {
  foldJournal,
  type IntentRecord,
  Journal,
  type JournalRecord,
  type JournalState,
  journalTotals,
  type NewJournalRecord,
  needsResume,
  readJournal,
} from '../journal.js';
import {
  type BudgetTotals,
  type ClaimedWork,
  checkUsd,
  inputKey,
  intentSubject,
  type JournalHistory,
  type JournalStore,
  microsToUsd,
  newId,
  predictionSubject,
  type ReserveOutcome,
  type TwinIntent,
  type TwinQuery,
  usdToMicros,
} from './store.js';

export interface FileJournalStoreOptions {
  /** Applied to every line before it is written (the client's API-key redactor). */
  redact?: (text: string) => string;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Lease of the work an owner's `intent`/`created` records claim. Default 5 minutes. */
  leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 5 * 60_000;

interface Hold {
  micros: number;
  requestId: string | null;
  createdMs: number;
}

interface Claim {
  owner: string;
  untilMs: number;
}

/** A record as stored, with the owner that wrote it when one was given. */
type OwnedRecord = JournalRecord & { owner?: string };

export class FileJournalStore implements JournalStore {
  readonly kind = 'file' as const;
  readonly location: string;
  readonly #journal: Journal;
  readonly #now: () => number;
  readonly #leaseMs: number;
  #spentMicros = 0;
  #heldMicros = 0;
  readonly #holds = new Map<string, Hold>();
  readonly #claims = new Map<string, Claim>();
  readonly #delivered = new Set<string>();

  constructor(path: string, options: FileJournalStoreOptions = {}) {
    if (typeof path !== 'string' || path.trim() === '') throw new RangeError('journal must be the path of a file');
    this.location = path;
    this.#now = options.now ?? Date.now;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#journal = new Journal(path, {
      now: this.#now,
      ...(options.redact ? { redact: options.redact } : {}),
    });
  }

  async append(record: NewJournalRecord, owner?: string): Promise<void> {
    // The owner is one more field on the line: readers of format 1 ignore fields they do not know.
    const owned: Record<string, unknown> = { ...record, owner };
    const line = owner === undefined ? record : (owned as NewJournalRecord);
    await this.#journal.append(line);
    if (owner === undefined) return;
    const until = this.#now() + this.#leaseMs;
    if (record.event === 'intent') this.#claims.set(intentSubject(record.requestId), { owner, untilMs: until });
    if (record.event === 'created') this.#claims.set(predictionSubject(record.predictionId), { owner, untilMs: until });
  }

  async records(): Promise<JournalRecord[]> {
    await this.#journal.close();
    return (await readJournal(this.location)).records;
  }

  async read(): Promise<JournalState> {
    return foldJournal(await this.records());
  }

  async history(): Promise<JournalHistory> {
    const { entries } = await this.read();
    return { entries, totals: journalTotals(entries) };
  }

  async reserve(
    amountUsd: number,
    budgetUsd: number,
    options: { owner?: string; requestId?: string } = {},
  ): Promise<ReserveOutcome> {
    checkUsd('amountUsd', amountUsd);
    checkUsd('budgetUsd', budgetUsd);
    const micros = usdToMicros(amountUsd);
    if (this.#spentMicros + this.#heldMicros + micros > usdToMicros(budgetUsd)) {
      return { granted: false, amountUsd, budgetUsd, ...this.#totals() };
    }
    const holdId = newId();
    this.#holds.set(holdId, { micros, requestId: options.requestId ?? null, createdMs: this.#now() });
    this.#heldMicros += micros;
    return { granted: true, holdId, amountUsd, ...this.#totals() };
  }

  async settle(holdId: string, actualUsd: number | null): Promise<void> {
    if (actualUsd !== null) checkUsd('actualUsd', actualUsd);
    const hold = this.#holds.get(holdId);
    if (!hold) return;
    this.#holds.delete(holdId);
    this.#heldMicros -= hold.micros;
    if (actualUsd !== null) this.#spentMicros += usdToMicros(actualUsd);
  }

  release(holdId: string): Promise<void> {
    return this.settle(holdId, 0);
  }

  async recordSpend(actualUsd: number): Promise<void> {
    checkUsd('actualUsd', actualUsd);
    this.#spentMicros += usdToMicros(actualUsd);
  }

  async holdsFor(requestId: string): Promise<string[]> {
    return [...this.#holds].filter(([, hold]) => hold.requestId === requestId).map(([id]) => id);
  }

  async budget(): Promise<BudgetTotals> {
    return this.#totals();
  }

  async releaseOrphanHolds(olderThanMs: number): Promise<number> {
    const before = this.#now() - olderThanMs;
    const stale = [...this.#holds].filter(([, hold]) => hold.createdMs < before);
    if (stale.length === 0) return 0;
    const named = new Set((await this.records()).flatMap((r) => (r.event === 'intent' ? [r.requestId] : [])));
    let released = 0;
    for (const [holdId, hold] of stale) {
      if (hold.requestId !== null && named.has(hold.requestId)) continue;
      await this.release(holdId);
      released++;
    }
    return released;
  }

  async claimUnfinished(owner: string, leaseMs: number): Promise<ClaimedWork> {
    const state = await this.read();
    const now = this.#now();
    const take = (subject: string): boolean => {
      const claim = this.#claims.get(subject);
      if (claim && claim.owner !== owner && claim.untilMs >= now) return false;
      this.#claims.set(subject, { owner, untilMs: now + leaseMs });
      return true;
    };
    return {
      entries: state.entries.filter(
        (e) => e.createdAt !== null && needsResume(e) && take(predictionSubject(e.predictionId)),
      ),
      intents: state.openIntents.filter((i) => take(intentSubject(i.requestId))),
    };
  }

  async renewLeases(owner: string, leaseMs: number): Promise<number> {
    let renewed = 0;
    const until = this.#now() + leaseMs;
    for (const claim of this.#claims.values()) {
      if (claim.owner === owner) {
        claim.untilMs = until;
        renewed++;
      }
    }
    return renewed;
  }

  async releaseLeases(owner: string): Promise<number> {
    let released = 0;
    for (const [subject, claim] of this.#claims) {
      if (claim.owner === owner) {
        this.#claims.delete(subject);
        released++;
      }
    }
    return released;
  }

  async twinIntents(query: TwinQuery): Promise<TwinIntent[]> {
    const records = (await this.records()) as OwnedRecord[];
    const wanted = await inputKey(query.model, query.input);
    const twins: TwinIntent[] = [];
    for (const record of records) {
      if (record.event !== 'intent' || record.owner === query.owner) continue;
      const at = Date.parse(record.at);
      if (!(at >= query.sinceMs && at <= query.untilMs)) continue;
      if ((await inputKey(record.model, record.input)) !== wanted) continue;
      twins.push(twinOf(record, records));
    }
    return twins;
  }

  async markDelivered(webhookId: string): Promise<boolean> {
    if (this.#delivered.has(webhookId)) return false;
    this.#delivered.add(webhookId);
    return true;
  }

  async forgetDelivery(webhookId: string): Promise<void> {
    this.#delivered.delete(webhookId);
  }

  close(): Promise<void> {
    return this.#journal.close();
  }

  #totals(): BudgetTotals {
    return { spentUsd: microsToUsd(this.#spentMicros), heldUsd: microsToUsd(this.#heldMicros) };
  }
}

function twinOf(intent: IntentRecord & { owner?: string }, records: readonly OwnedRecord[]): TwinIntent {
  const { owner, ...record } = intent;
  const created = records.find((r) => r.event === 'created' && r.requestId === intent.requestId);
  return {
    intent: record as IntentRecord,
    owner: owner ?? null,
    predictionId: created?.event === 'created' ? created.predictionId : null,
    notCreated: records.some((r) => r.event === 'not_created' && r.requestId === intent.requestId),
  };
}
