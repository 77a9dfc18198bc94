// `replicate-media/journal`: reading a journal written by a client with `{ journal }` (the CLI's
// `history` uses it). The file format is in docs/durability.md; `resume()` is the usual way to act on it.

export {
  type CreatedRecord,
  type DownloadFailedRecord,
  type FileRecord,
  type FinishedRecord,
  foldJournal,
  type IntentRecord,
  JOURNAL_VERSION,
  type JournalContents,
  type JournalEntry,
  type JournalKind,
  type JournalRecord,
  type JournalState,
  type JournalTotals,
  journalTotals,
  type NotCreatedRecord,
  needsResume,
  parseJournal,
  readJournal,
  type SequenceJoinedRecord,
  type SequenceRecord,
  type StatusRecord,
} from '../journal.js';
// The journal as a store a fleet can share: the JSON Lines file, or PostgreSQL when given a
// `postgres://` URL (the optional peer dependency `pg`, loaded only then). docs/durability.md.
export {
  type BudgetTotals,
  type ClaimedWork,
  FileJournalStore,
  type FileJournalStoreOptions,
  type GrantedHold,
  isPostgresUrl,
  type JournalHistory,
  type JournalStore,
  type JournalStoreOptions,
  LATEST_SCHEMA_VERSION,
  openJournalStore,
  PostgresJournalStore,
  type PostgresJournalStoreOptions,
  type RefusedHold,
  type ReserveOutcome,
  type TwinIntent,
  type TwinQuery,
} from '../journal-store/index.js';
