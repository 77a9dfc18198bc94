// The journal store a fleet shares: a PostgreSQL database reached by a `postgres://` URL. Every
// process appends its records to one table, reserves budget against one row (locked, so racing
// processes never pass the limit), claims the unfinished work of dead processes with leases (rows locked
// with SKIP LOCKED, so each item goes to one claimer), sees every process's intents (so adoption knows
// the twins) and de-duplicates webhook deliveries with a unique key.
//
// The client is the `pg` package, an optional peer dependency imported only here, only when a store is
// opened: the library itself keeps no runtime dependency and its web-standard bundle leaves `pg` out.

import { JournalError } from '../errors.js';
import {
  foldJournal,
  JOURNAL_VERSION,
  type JournalRecord,
  type JournalState,
  journalTotals,
  type NewJournalRecord,
  needsResume,
} from '../journal.js';
import { LATEST_SCHEMA_VERSION, MIGRATION_LOCK_KEY, MIGRATIONS, SCHEMA_VERSION_TABLE } from './schema.js';
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

/** The parts of a `pg` connection this store uses (typed here so the library's types never name `pg`). */
interface Connection {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}
interface PooledConnection extends Connection {
  release(error?: Error | boolean): void;
}
interface Pool extends Connection {
  connect(): Promise<PooledConnection>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PostgresJournalStoreOptions {
  /** Applied to every record before it is stored (the client's API-key redactor). */
  redact?: (text: string) => string;
  /**
   * Clock, ms since the epoch, for record times and leases. Default: records carry the client's clock
   * (as the file journal does) and leases are measured on the database's clock, the one clock every
   * machine of the fleet shares.
   */
  now?: () => number;
  /** Lease of the work an owner's `intent`/`created` records claim. Default 5 minutes. */
  leaseMs?: number;
  /** Which budget row the fleet's reservations count against. Default `default`. */
  budgetName?: string;
  /** Most connections this process opens. Default 4. */
  maxConnections?: number;
  /** How long to wait for a connection to the database before failing. Default 10 s. */
  connectTimeoutMs?: number;
  /** Told about a pooled connection that failed while idle. */
  warn?: (message: string) => void;
}

export const DEFAULT_POSTGRES_LEASE_MS = 5 * 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** True for a journal location that names a PostgreSQL database rather than a file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL with its password hidden, for messages and `location`. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** What {@link migrateJournalSchema} did. */
export interface MigrationOutcome {
  /** The database's version before (0: no schema yet). */
  from: number;
  to: number;
  applied: number[];
}

/**
 * Brings the database's schema to {@link LATEST_SCHEMA_VERSION}: one transaction, under an advisory
 * lock, so concurrent openers wait for each other and each migration is applied once.
 * @throws JournalError when the database is newer than this library
 */
export async function migrateJournalSchema(pool: Pool): Promise<MigrationOutcome> {
  return inTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (
         version     integer PRIMARY KEY,
         description text NOT NULL,
         applied_at  timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await db.query(`SELECT coalesce(max(version), 0) AS version FROM ${SCHEMA_VERSION_TABLE}`);
    const from = Number(rows[0]?.version ?? 0);
    if (from > LATEST_SCHEMA_VERSION) {
      throw new JournalError(
        `The journal database has schema version ${from}, newer than this library's ${LATEST_SCHEMA_VERSION}: upgrade replicate-media on this machine`,
      );
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      await db.query(migration.sql);
      await db.query(`INSERT INTO ${SCHEMA_VERSION_TABLE} (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
      applied.push(migration.version);
    }
    return { from, to: Math.max(from, LATEST_SCHEMA_VERSION), applied };
  });
}

async function inTransaction<T>(pool: Pool, work: (db: Connection) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const result = await work(db);
    await db.query('COMMIT');
    db.release();
    return result;
  } catch (error) {
    // A connection whose rollback fails is discarded rather than returned to the pool.
    const rolledBack = await db.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    db.release(!rolledBack);
    throw error;
  }
}

async function loadPg(location: string): Promise<{ Pool: new (config: Record<string, unknown>) => Pool }> {
  try {
    const module = (await import('pg')) as unknown as { default?: unknown; Pool?: unknown };
    const pg = (module.default ?? module) as { Pool: new (config: Record<string, unknown>) => Pool };
    if (typeof pg.Pool !== 'function') throw new Error('the module has no Pool');
    return pg;
  } catch (error) {
    throw new JournalError(
      `The journal ${location} is a PostgreSQL database, which needs the optional package "pg": run npm install pg (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

export class PostgresJournalStore implements JournalStore {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly #pool: Pool;
  readonly #redact: (text: string) => string;
  readonly #now: (() => number) | null;
  readonly #leaseMs: number;
  readonly #budget: string;
  #closing: Promise<void> | null = null;

  private constructor(pool: Pool, location: string, options: PostgresJournalStoreOptions) {
    this.#pool = pool;
    this.location = location;
    this.#redact = options.redact ?? ((text) => text);
    this.#now = options.now ?? null;
    this.#leaseMs = options.leaseMs ?? DEFAULT_POSTGRES_LEASE_MS;
    this.#budget = options.budgetName ?? 'default';
  }

  /**
   * Connects to the database, creating or migrating the schema as needed.
   * @throws JournalError when `pg` is not installed, the database cannot be reached, or its schema is newer
   */
  static async open(url: string, options: PostgresJournalStoreOptions = {}): Promise<PostgresJournalStore> {
    const location = describePostgresUrl(url);
    if (!isPostgresUrl(url)) throw new RangeError(`A PostgreSQL journal is a postgres:// URL, got ${location}`);
    const { Pool } = await loadPg(location);
    const pool = new Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // Idle connections do not keep a process alive that forgot to close its client.
      allowExitOnIdle: true,
    });
    pool.on('error', (error) =>
      options.warn?.(`an idle connection to the journal ${location} failed: ${error.message}`),
    );
    try {
      await migrateJournalSchema(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof JournalError) throw error;
      throw new JournalError(
        `Could not open the journal ${location}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return new PostgresJournalStore(pool, location, options);
  }

  /** The time for leases: the injected clock, or null for the database's own (clock_timestamp()). */
  #clock(): Date | null {
    return this.#now ? new Date(this.#now()) : null;
  }

  async append(record: NewJournalRecord, owner?: string): Promise<void> {
    const at = new Date(this.#now ? this.#now() : Date.now()).toISOString();
    const full = { v: JOURNAL_VERSION, at, ...record, ...(owner === undefined ? {} : { owner }) };
    // The whole record goes through the redactor, as a file line does: no input may carry the key.
    const json = this.#redact(JSON.stringify(full));
    const stored = JSON.parse(json) as JournalRecord;
    const predictionId = 'predictionId' in stored ? stored.predictionId : null;
    const requestId = 'requestId' in stored ? stored.requestId : null;
    const key = stored.event === 'intent' ? await inputKey(stored.model, stored.input) : null;
    await inTransaction(this.#pool, async (db) => {
      await db.query(
        `INSERT INTO replicate_media_journal (at, owner, event, prediction_id, request_id, input_key, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
        [at, owner ?? null, stored.event, predictionId, requestId, key, json],
      );
      const subject =
        owner === undefined
          ? null
          : stored.event === 'intent'
            ? intentSubject(stored.requestId)
            : stored.event === 'created'
              ? predictionSubject(stored.predictionId)
              : null;
      if (subject) {
        await db.query(
          `INSERT INTO replicate_media_claims (subject, owner, lease_until)
           VALUES ($1, $2, coalesce($3::timestamptz, clock_timestamp()) + $4 * interval '1 millisecond')
           ON CONFLICT (subject) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until`,
          [subject, owner, this.#clock(), this.#leaseMs],
        );
      }
    });
  }

  async records(): Promise<JournalRecord[]> {
    const { rows } = await this.#pool.query('SELECT record FROM replicate_media_journal ORDER BY seq');
    return rows.map((row) => row.record as JournalRecord);
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
    const limit = usdToMicros(budgetUsd);
    return inTransaction(this.#pool, async (db) => {
      await db.query('INSERT INTO replicate_media_budget (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [
        this.#budget,
      ]);
      // The row lock serializes every reservation of the fleet on this budget: the check and the hold
      // below happen with no other reservation in between.
      const { rows } = await db.query(
        'SELECT spent_micros, held_micros FROM replicate_media_budget WHERE name = $1 FOR UPDATE',
        [this.#budget],
      );
      const spent = Number(rows[0]?.spent_micros ?? 0);
      const held = Number(rows[0]?.held_micros ?? 0);
      if (spent + held + micros > limit) {
        return { granted: false, amountUsd, budgetUsd, spentUsd: microsToUsd(spent), heldUsd: microsToUsd(held) };
      }
      const holdId = newId();
      await db.query(
        `INSERT INTO replicate_media_holds (hold_id, budget, owner, request_id, micros, created_at)
         VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, clock_timestamp()))`,
        [holdId, this.#budget, options.owner ?? null, options.requestId ?? null, micros, this.#clock()],
      );
      await db.query('UPDATE replicate_media_budget SET held_micros = held_micros + $2 WHERE name = $1', [
        this.#budget,
        micros,
      ]);
      return {
        granted: true,
        holdId,
        amountUsd,
        spentUsd: microsToUsd(spent),
        heldUsd: microsToUsd(held + micros),
      };
    });
  }

  async settle(holdId: string, actualUsd: number | null): Promise<void> {
    if (actualUsd !== null) checkUsd('actualUsd', actualUsd);
    await this.#close(holdId, 'settled', actualUsd === null ? null : usdToMicros(actualUsd));
  }

  async release(holdId: string): Promise<void> {
    await this.#close(holdId, 'released', 0);
  }

  async #close(holdId: string, state: 'settled' | 'released', actualMicros: number | null): Promise<void> {
    await inTransaction(this.#pool, async (db) => {
      // Only a hold still held changes, so a second settle (two processes finishing one prediction) is a no-op.
      const { rows } = await db.query(
        `UPDATE replicate_media_holds SET state = $2, actual_micros = $3, closed_at = now()
         WHERE hold_id = $1 AND state = 'held' RETURNING budget, micros`,
        [holdId, state, actualMicros],
      );
      const hold = rows[0];
      if (!hold) return;
      await db.query(
        'UPDATE replicate_media_budget SET held_micros = held_micros - $2, spent_micros = spent_micros + $3 WHERE name = $1',
        [hold.budget, Number(hold.micros), actualMicros ?? 0],
      );
    });
  }

  async recordSpend(actualUsd: number): Promise<void> {
    checkUsd('actualUsd', actualUsd);
    await this.#pool.query(
      `INSERT INTO replicate_media_budget (name, spent_micros) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET spent_micros = replicate_media_budget.spent_micros + EXCLUDED.spent_micros`,
      [this.#budget, usdToMicros(actualUsd)],
    );
  }

  async holdsFor(requestId: string): Promise<string[]> {
    const { rows } = await this.#pool.query(
      `SELECT hold_id FROM replicate_media_holds WHERE request_id = $1 AND state = 'held' ORDER BY created_at`,
      [requestId],
    );
    return rows.map((row) => String(row.hold_id));
  }

  async budget(): Promise<BudgetTotals> {
    const { rows } = await this.#pool.query(
      'SELECT spent_micros, held_micros FROM replicate_media_budget WHERE name = $1',
      [this.#budget],
    );
    return {
      spentUsd: microsToUsd(Number(rows[0]?.spent_micros ?? 0)),
      heldUsd: microsToUsd(Number(rows[0]?.held_micros ?? 0)),
    };
  }

  async releaseOrphanHolds(olderThanMs: number): Promise<number> {
    const { rows } = await this.#pool.query(
      `SELECT h.hold_id FROM replicate_media_holds h
        WHERE h.state = 'held'
          AND h.created_at < coalesce($1::timestamptz, clock_timestamp()) - $2 * interval '1 millisecond'
          AND NOT EXISTS (SELECT 1 FROM replicate_media_journal j
                           WHERE j.event = 'intent' AND j.request_id = h.request_id)`,
      [this.#clock(), olderThanMs],
    );
    // Each release is its own conditional transaction: a hold settled meanwhile is left as it is.
    for (const row of rows) await this.release(String(row.hold_id));
    return rows.length;
  }

  async claimUnfinished(owner: string, leaseMs: number): Promise<ClaimedWork> {
    const before = await this.read();
    const subjects = [
      ...before.entries
        .filter((e) => e.createdAt !== null && needsResume(e))
        .map((e) => predictionSubject(e.predictionId)),
      ...before.openIntents.map((i) => intentSubject(i.requestId)),
    ];
    if (subjects.length === 0) return { entries: [], intents: [] };
    // Work written without an owner has no claim row yet: an expired one makes it claimable.
    await this.#pool.query(
      `INSERT INTO replicate_media_claims (subject, owner, lease_until)
       SELECT unnest($1::text[]), '', '-infinity' ON CONFLICT (subject) DO NOTHING`,
      [subjects],
    );
    // Rows another claimer has locked are skipped, not waited for; a row it has just taken is re-read
    // after its lock and no longer matches (its lease is live), so each subject goes to one claimer.
    const { rows } = await this.#pool.query(
      `UPDATE replicate_media_claims AS c
          SET owner = $2, lease_until = coalesce($3::timestamptz, clock_timestamp()) + $4 * interval '1 millisecond'
        WHERE c.subject IN (
          SELECT subject FROM replicate_media_claims
           WHERE subject = ANY($1::text[])
             AND (owner = $2 OR lease_until < coalesce($3::timestamptz, clock_timestamp()))
           FOR UPDATE SKIP LOCKED)
        RETURNING c.subject`,
      [subjects, owner, this.#clock(), leaseMs],
    );
    const claimed = new Set(rows.map((row) => String(row.subject)));
    // Read again after claiming: work another process finished between the first read and the claim
    // is no longer owed, and must not be finished (and booked) twice.
    const after = await this.read();
    return {
      entries: after.entries.filter(
        (e) => claimed.has(predictionSubject(e.predictionId)) && e.createdAt !== null && needsResume(e),
      ),
      intents: after.openIntents.filter((i) => claimed.has(intentSubject(i.requestId))),
    };
  }

  async renewLeases(owner: string, leaseMs: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      `UPDATE replicate_media_claims
          SET lease_until = coalesce($2::timestamptz, clock_timestamp()) + $3 * interval '1 millisecond'
        WHERE owner = $1`,
      [owner, this.#clock(), leaseMs],
    );
    return rowCount ?? 0;
  }

  async releaseLeases(owner: string): Promise<number> {
    const { rowCount } = await this.#pool.query(
      `UPDATE replicate_media_claims SET lease_until = '-infinity' WHERE owner = $1`,
      [owner],
    );
    return rowCount ?? 0;
  }

  async twinIntents(query: TwinQuery): Promise<TwinIntent[]> {
    const { rows } = await this.#pool.query(
      `SELECT j.record, j.owner,
              (SELECT c.prediction_id FROM replicate_media_journal c
                WHERE c.event = 'created' AND c.request_id = j.request_id ORDER BY c.seq LIMIT 1) AS prediction_id,
              EXISTS (SELECT 1 FROM replicate_media_journal n
                       WHERE n.event = 'not_created' AND n.request_id = j.request_id) AS not_created
         FROM replicate_media_journal j
        WHERE j.event = 'intent' AND j.input_key = $1 AND j.at BETWEEN $2 AND $3
          AND j.owner IS DISTINCT FROM $4
        ORDER BY j.seq`,
      [
        await inputKey(query.model, query.input),
        new Date(query.sinceMs).toISOString(),
        new Date(query.untilMs).toISOString(),
        query.owner,
      ],
    );
    return rows.map((row) => {
      const { owner: _owner, ...intent } = row.record as TwinIntent['intent'] & { owner?: string };
      return {
        intent,
        owner: row.owner === null ? null : String(row.owner),
        predictionId: row.prediction_id === null ? null : String(row.prediction_id),
        notCreated: row.not_created === true,
      };
    });
  }

  async markDelivered(webhookId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'INSERT INTO replicate_media_webhook_deliveries (webhook_id) VALUES ($1) ON CONFLICT (webhook_id) DO NOTHING',
      [webhookId],
    );
    return rowCount === 1;
  }

  async forgetDelivery(webhookId: string): Promise<void> {
    await this.#pool.query('DELETE FROM replicate_media_webhook_deliveries WHERE webhook_id = $1', [webhookId]);
  }

  /** Ends the connections once; later calls resolve at once. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }
}
