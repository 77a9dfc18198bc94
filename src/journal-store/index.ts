// Picks the journal store from where the journal is: a `postgres://` (or `postgresql://`) URL opens the
// shared PostgreSQL store (loading the optional `pg` package then, and only then); anything else is the
// path of a JSON Lines file.

import { FileJournalStore, type FileJournalStoreOptions } from './file-store.js';
import { isPostgresUrl, PostgresJournalStore, type PostgresJournalStoreOptions } from './postgres-store.js';
import type { JournalStore } from './store.js';

export type JournalStoreOptions = FileJournalStoreOptions & PostgresJournalStoreOptions;

/**
 * Opens the journal at `location`: a PostgreSQL database for a `postgres://` URL (schema created or
 * migrated on the way), the JSON Lines file of this process otherwise.
 * @throws JournalError when the database cannot be opened or `pg` is not installed
 */
export async function openJournalStore(location: string, options: JournalStoreOptions = {}): Promise<JournalStore> {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new RangeError('journal must be the path of a file or a postgres:// URL');
  }
  return isPostgresUrl(location)
    ? PostgresJournalStore.open(location, options)
    : new FileJournalStore(location, options);
}

export { DEFAULT_LEASE_MS, FileJournalStore, type FileJournalStoreOptions } from './file-store.js';
export {
  DEFAULT_POSTGRES_LEASE_MS,
  describePostgresUrl,
  isPostgresUrl,
  type MigrationOutcome,
  migrateJournalSchema,
  PostgresJournalStore,
  type PostgresJournalStoreOptions,
} from './postgres-store.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration, SCHEMA_VERSION_TABLE } from './schema.js';
export type {
  BudgetTotals,
  ClaimedWork,
  GrantedHold,
  JournalHistory,
  JournalStore,
  RefusedHold,
  ReserveOutcome,
  TwinIntent,
  TwinQuery,
} from './store.js';
export { inputKey } from './store.js';
