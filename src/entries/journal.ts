// `replicate-media/journal`: reading a journal file written by a client with `{ journal }` (the CLI's
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
