// `replicate-media resume`: finish what the journal says is unfinished (after a crash or a kill):
// wait for the predictions still running, save their outputs, never create anything.
import type { ResumedPrediction, ResumedSequence } from '../../index.js';
import { numberOption, secondsOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { DEFAULT_JOURNAL } from '../context.js';
import { type CliError, FailedError, InterruptedError, UsageError, withJson } from '../errors.js';
import { INTERVAL_OPTION } from '../generation-options.js';
import { BASE_URL_OPTION } from '../options.js';
import { formatUsd } from '../output.js';

export interface ResumeOptions {
  journal: string;
  timeoutMs: number | undefined;
  intervalMs: number | undefined;
  concurrency: number | undefined;
}

export const resumeCommand = defineCommand<ResumeOptions>({
  name: 'resume',
  summary: 'finish the predictions a stopped run left in the journal (never creates new ones)',
  usage: '[--journal FILE] [options]',
  description: `Reads the journal and finishes what a stopped run (a crash, a kill, a closed laptop) left behind:
creates whose answer never arrived are found on the server, every prediction still running is waited
for, and outputs that were to be saved and are not on disk are downloaded into the directory the
journal recorded. Nothing is created again, so nothing is paid twice.`,
  options: [
    { name: 'journal', type: 'string', value: 'FILE', description: 'the journal to resume', default: DEFAULT_JOURNAL },
    {
      name: 'timeout',
      type: 'string',
      value: 'S',
      description: 'give up waiting for a prediction after S seconds',
      whenAbsent: '600 for images, 1200 for videos',
    },
    INTERVAL_OPTION,
    {
      name: 'concurrency',
      type: 'string',
      value: 'N',
      description: 'predictions waited for at once, 1-100',
      whenAbsent: '8',
    },
    // Not --emulator (nor its --speed): an embedded emulator starts empty and cannot know the predictions.
    BASE_URL_OPTION,
  ],
  refusals: {
    emulator:
      'an embedded emulator starts empty, so resume needs the server the predictions were made on: use --base-url',
    speed: 'it only applies to --emulator, which resume does not take',
  },
  examples: ['replicate-media resume --journal ./replicate-output/journal.jsonl'],

  parse({ values, positionals }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}": resume takes no arguments.`);
    return {
      journal: stringOption(values, 'journal') ?? DEFAULT_JOURNAL,
      timeoutMs: secondsOption(values, 'timeout'),
      intervalMs: secondsOption(values, 'interval'),
      concurrency: numberOption(values, 'concurrency', { integer: true, min: 1, max: 100 }),
    };
  },

  async run(ctx, { journal, timeoutMs, intervalMs, concurrency }) {
    const client = await ctx.createClient({ journal });
    ctx.progress.log(`Resuming from ${journal}...`);
    let results: ResumedPrediction[];
    // Sequences of transitions (video on a first-last-frame model) joined now that their transitions are done.
    const sequences: ResumedSequence[] = [];
    try {
      results = await client.resume({
        signal: ctx.signal,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(intervalMs !== undefined ? { intervalMs } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        onResult: (r) =>
          ctx.progress.log(
            `${r.predictionId} ${r.status}${r.files.length > 0 ? `, ${r.files.length} file(s)` : ''}${r.error ? `: ${r.error}` : ''}`,
          ),
        onSequence: (s) => {
          sequences.push(s);
          ctx.progress.log(`sequence ${s.sequenceId}: ${s.success ? `joined into ${s.file}` : s.error}`);
        },
      });
    } catch (error) {
      if (ctx.signal.aborted)
        throw new InterruptedError('Interrupted: the predictions keep running on the server; run resume again later.');
      throw new FailedError(
        `Could not resume from ${journal}: ${error instanceof Error ? error.message : String(error)}.`,
        { cause: error },
      );
    }
    ctx.progress.stop();
    const failed = results.filter((r) => !r.success);
    const costUsd = client.spentUsd;
    const document = {
      command: 'resume',
      journal,
      results: results.map(({ prediction: _prediction, ...rest }) => rest),
      resumed: results.length,
      failed: failed.length,
      sequences,
      costUsd,
    };
    if (ctx.signal.aborted) {
      throw withJson(
        new InterruptedError('Interrupted: the predictions keep running on the server; run resume again later.'),
        document,
      );
    }
    const [first] = failed;
    if (first !== undefined) {
      const error: CliError = new FailedError(
        `${failed.length} of ${results.length} resumed prediction${results.length === 1 ? '' : 's'} did not finish with their files saved ` +
          `(first: ${first.predictionId}: ${first.error ?? first.status}). See \`replicate-media history --journal ${journal}\`.`,
      );
      throw withJson(error, document);
    }
    ctx.out.json({ success: true, ...document });
    for (const s of sequences) {
      ctx.out.line(
        s.success
          ? `Sequence ${s.sequenceId} (${s.model}) joined: ${s.file}`
          : `Sequence ${s.sequenceId} (${s.model}) not joined: ${s.error}`,
      );
    }
    if (results.length === 0) {
      if (sequences.length === 0)
        ctx.out.line(`Nothing to resume: every prediction in ${journal} is finished and saved.`);
      return;
    }
    for (const r of results) {
      ctx.out.line(`${r.predictionId} ${r.status}${r.adopted ? ' (found on the server)' : ''}`);
      for (const file of r.files) ctx.out.line(`  ${file}`);
    }
    ctx.out.line(
      `Resumed ${results.length} prediction${results.length === 1 ? '' : 's'}; cost of those that finished now: ${formatUsd(costUsd)}.`,
    );
  },
});
