// What service mode reads back from the journal: one prediction's entry (a delivery's), and the
// unfinished ones (the reconciler's). Both read the journal the client writes, so an instance that
// restarted, or another instance sharing the journal, sees what the submitting one recorded.

import type { Bookkeeper } from '../bookkeeping.js';
import { foldJournal, type JournalEntry, type JournalRecord, readJournal } from '../journal.js';
import { SharedJournal } from '../shared-journal.js';

async function records(books: Pick<Bookkeeper, 'journal'>): Promise<JournalRecord[]> {
  if (!books.journal) return [];
  // A fleet's journal: every instance's records.
  if (books.journal instanceof SharedJournal) return books.journal.records();
  // Appends resolve once on disk, so what this instance wrote before asking is read back.
  return (await readJournal(books.journal.path)).records;
}

/** The journal's entry of one prediction, or null when the journal does not know it. */
export async function journalEntry(
  books: Pick<Bookkeeper, 'journal'>,
  predictionId: string,
): Promise<JournalEntry | null> {
  return foldJournal(await records(books)).entries.find((e) => e.predictionId === predictionId) ?? null;
}

/** An unfinished prediction and when its `created` record was written (the writer's clock, ms). */
export interface Unfinished {
  entry: JournalEntry;
  journaledAtMs: number;
}

/** The predictions the journal knows that have no `finished` record yet. */
export async function unfinishedEntries(books: Pick<Bookkeeper, 'journal'>): Promise<Unfinished[]> {
  const all = await records(books);
  const createdAt = new Map<string, number>();
  for (const record of all) {
    if (record.event === 'created' && !createdAt.has(record.predictionId))
      createdAt.set(record.predictionId, Date.parse(record.at));
  }
  return foldJournal(all)
    .entries.filter((entry) => !entry.finished)
    .map((entry) => ({ entry, journaledAtMs: createdAt.get(entry.predictionId) ?? Number.NaN }));
}
