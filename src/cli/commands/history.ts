// `replicate-media history`: the journal as a table (one row per prediction) with totals.
import { foldJournal, type JournalEntry, journalTotals, readJournal } from '../../entries/journal.js';
import { describePostgresUrl, isPostgresUrl, openJournalStore } from '../../journal-store/index.js';
import { stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { journalLocation } from '../context.js';
import { FailedError, UsageError } from '../errors.js';
import { HELP_OPTION, JSON_OPTION, journalOption, VERBOSE_OPTION } from '../options.js';
import { formatBytes, formatTable, formatUsd } from '../output.js';

export interface HistoryOptions {
  /** A file, or a postgres:// URL. */
  journal: string | undefined;
}

const WHY_NO_API = 'it reads the journal file and talks to no API';

export const historyCommand = defineCommand<HistoryOptions>({
  name: 'history',
  summary: 'show the journal: every prediction, its files and cost, with totals',
  usage: '[--journal FILE|URL] [--json]',
  description: `Shows what the journal recorded: every prediction with its status, model, saved files and cost,
then the totals (predictions, succeeded, failed, unfinished, files, cost). Unfinished predictions
were still running when their process stopped: \`replicate-media resume\` finishes them.`,
  options: [journalOption('the journal to read', false)],
  // Nothing runs, so there is no progress to silence.
  globals: [JSON_OPTION, VERBOSE_OPTION, HELP_OPTION],
  refusals: { emulator: WHY_NO_API, 'base-url': WHY_NO_API, speed: WHY_NO_API },

  parse({ values, positionals }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}": history takes no arguments.`);
    return { journal: stringOption(values, 'journal') };
  },

  async run(ctx, { journal }) {
    const location = journalLocation(journal, ctx.env);
    // A database URL is printed without its password.
    const path = isPostgresUrl(location) ? describePostgresUrl(location) : location;
    let contents: { records: Parameters<typeof foldJournal>[0]; skippedLines: number };
    try {
      if (isPostgresUrl(location)) {
        const store = await openJournalStore(location);
        try {
          contents = { records: await store.records(), skippedLines: 0 };
        } finally {
          await store.close();
        }
      } else {
        contents = await readJournal(location);
      }
    } catch (error) {
      throw new FailedError(
        `Could not read the journal ${path}: ${error instanceof Error ? error.message : String(error)}.`,
        { cause: error },
      );
    }
    const { entries, openIntents } = foldJournal(contents.records);
    const totals = journalTotals(entries);

    ctx.out.json({
      success: true,
      command: 'history',
      journal: path,
      predictions: entries.map((e) => ({
        predictionId: e.predictionId,
        status: e.finished ? e.status : `${e.status} (unfinished)`,
        finished: e.finished,
        model: e.model,
        kind: e.kind,
        prompt: typeof e.input.prompt === 'string' ? e.input.prompt : null,
        createdAt: e.createdAt,
        files: e.files.map((f) => f.path),
        costUsd: e.costUsd,
        error: e.error,
      })),
      totals,
      unansweredCreates: openIntents.length,
      skippedLines: contents.skippedLines,
    });

    if (entries.length === 0 && openIntents.length === 0) {
      ctx.out.line(`No predictions in ${path} yet.`);
      return;
    }
    const rows = entries.map((e) => [
      e.predictionId,
      e.finished ? e.status : `${e.status}*`,
      e.model,
      e.createdAt ? e.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-',
      String(e.files.length),
      e.costUsd === null ? (e.finished ? '?' : '-') : formatUsd(e.costUsd),
      promptOf(e),
    ]);
    ctx.out.line(formatTable(['ID', 'STATUS', 'MODEL', 'CREATED', 'FILES', 'COST', 'PROMPT'], rows));
    ctx.out.line();
    ctx.out.line(
      `${totals.predictions} prediction${totals.predictions === 1 ? '' : 's'}: ${totals.succeeded} succeeded, ${totals.failed} failed` +
        `${totals.unfinished > 0 ? `, ${totals.unfinished} unfinished (*)` : ''}; ` +
        `${totals.files} file${totals.files === 1 ? '' : 's'} (${formatBytes(totals.bytes)}); cost ${formatUsd(totals.costUsd)}`,
    );
    if (totals.unfinished > 0 || openIntents.length > 0) {
      const lost =
        openIntents.length > 0
          ? ` and ${openIntents.length} create${openIntents.length === 1 ? '' : 's'} whose answer never arrived`
          : '';
      ctx.out.line(`Unfinished work${lost}: run \`replicate-media resume --journal ${path}\` to finish it.`);
    }
    if (contents.skippedLines > 0)
      ctx.out.line(
        `(${contents.skippedLines} unreadable line${contents.skippedLines === 1 ? '' : 's'} skipped: a torn write from a crash)`,
      );
  },
});

function promptOf(entry: JournalEntry): string {
  const prompt = entry.input.prompt;
  if (typeof prompt !== 'string') return '';
  return prompt.length > 40 ? `${prompt.slice(0, 39)}…` : prompt;
}
