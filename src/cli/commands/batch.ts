// `replicate-media batch prompts.txt --out DIR`: one image per prompt line, as fast as the rate limit

// allows, every image downloaded, and DIR/index.html, a gallery of them all.
import { readFile } from 'node:fs/promises';
import { DEFAULT_BATCH_CONCURRENCY, DEFAULT_TIMEOUT_MS } from '../../defaults.js';
import {
  type BatchProgress,
  DEFAULT_IMAGE_MODEL,
  type GalleryEntry,
  type ImageResult,
  writeGallery,
} from '../../index.js';
import { numberOption, secondsOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { FailedError, InterruptedError, UsageError, withJson } from '../errors.js';
import {
  ASPECT_RATIO_OPTION,
  aspectRatioInput,
  DEFAULT_OUT_DIR,
  FORMAT_OPTION,
  formatInput,
  modelOption,
  outOption,
  preferWaitOf,
  timeoutOption,
  WAIT_OPTION,
} from '../generation-options.js';
import { API_OPTIONS } from '../options.js';
import { formatDuration, formatUsd } from '../output.js';

const BAR_WIDTH = 24;

/** The prompts of a file: one per line; blank lines and lines starting with `#` are skipped. */
export function parsePromptLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export interface BatchOptions {
  file: string;
  outDir: string;
  concurrency: number;
  model: string;
  input: Record<string, unknown>;
  timeoutMs: number | undefined;
  preferWaitSeconds: number;
}

export const batchCommand = defineCommand<BatchOptions>({
  name: 'batch',
  summary: 'generate one image per line of a file, download them all, write a gallery',
  usage: 'PROMPTS_FILE [options]',
  description: `Generates one image for each line of PROMPTS_FILE (blank lines and lines starting with # are
skipped), ${DEFAULT_BATCH_CONCURRENCY} at a time by default, paced to stay under Replicate's rate limit
(600 creates a minute). Downloads every image into the output directory and writes
DIR/index.html, a gallery of the images with their prompts, prediction ids and costs.
Exits 1 if any prompt failed (the others are still saved).`,
  options: [
    outOption('the images and the gallery'),
    {
      name: 'concurrency',
      type: 'string',
      short: 'c',
      value: 'N',
      description: 'prompts generated at once, 1-256',
      default: String(DEFAULT_BATCH_CONCURRENCY),
    },
    modelOption(DEFAULT_IMAGE_MODEL),
    FORMAT_OPTION,
    ASPECT_RATIO_OPTION,
    timeoutOption('give up on one prompt (and cancel its prediction) after S seconds', DEFAULT_TIMEOUT_MS),
    WAIT_OPTION,
    ...API_OPTIONS,
  ],
  examples: [
    'replicate-media batch prompts.txt --out shots',
    'replicate-media batch prompts.txt --out shots --concurrency 16 --emulator --json',
  ],

  parse({ values, positionals }) {
    const [file] = positionals;
    if (file === undefined || positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? 'Missing PROMPTS_FILE: run `replicate-media batch prompts.txt --out DIR` (see --help).'
          : `Unexpected argument "${positionals[1]}": batch takes one prompts file (see --help).`,
      );
    }
    const input: Record<string, unknown> = {};
    formatInput(values, input);
    aspectRatioInput(values, input);
    return {
      file,
      outDir: stringOption(values, 'out') ?? DEFAULT_OUT_DIR,
      concurrency:
        numberOption(values, 'concurrency', { integer: true, min: 1, max: 256 }) ?? DEFAULT_BATCH_CONCURRENCY,
      model: stringOption(values, 'model') ?? DEFAULT_IMAGE_MODEL,
      input,
      timeoutMs: secondsOption(values, 'timeout'),
      preferWaitSeconds: preferWaitOf(values),
    };
  },

  async run(ctx, { file, outDir, concurrency, model, input, timeoutMs, preferWaitSeconds }) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `Cannot read the prompts file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      );
    }
    const prompts = parsePromptLines(text);
    if (prompts.length === 0)
      throw new UsageError(`${file} has no prompts: write one per line (lines starting with # are skipped).`);

    const client = await ctx.createClient({ preferWaitSeconds });
    ctx.progress.log(
      `Batch of ${prompts.length} prompt${prompts.length === 1 ? '' : 's'}, ${concurrency} at a time, into ${outDir}`,
    );
    const costOfResult = (result: ImageResult): number | null => (result.success ? result.costUsd : null);
    // Results come back in prompt order, one per prompt; a missing one is a bug in generateImages.
    const promptAt = (index: number): string => {
      const prompt = prompts[index];
      if (prompt === undefined) throw new Error(`internal: batch result ${index} has no prompt`);
      return prompt;
    };
    let last: BatchProgress | null = null;
    const results = await client.generateImages(prompts, {
      model,
      input,
      concurrency,
      download: { dir: outDir },
      signal: ctx.signal,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      onProgress: (progress) => {
        last = progress;
        ctx.progress.showLine(progressBar(progress));
      },
      onResult: (result, index) => {
        // On a terminal the bar shows successes; failures (and, in logs, every prompt) get a line.
        if ((ctx.progress.isLive && result.success) || ctx.signal.aborted) return;
        const where = `[${index + 1}/${prompts.length}]`;
        const counts = last && !ctx.progress.isLive ? ` (${summary(last)})` : '';
        if (result.success) {
          const cost = costOfResult(result);
          ctx.progress.log(
            `${where} ✓ ${result.predictionId} ${quote(promptAt(index))}${cost === null ? '' : ` ${formatUsd(cost)}`}${counts}`,
          );
        } else {
          ctx.progress.log(
            `${where} ✗ ${result.predictionId ?? 'not created'} ${quote(promptAt(index))}: ${result.error}${counts}`,
          );
        }
      },
    });
    ctx.progress.stop();

    const rows = results.map((result, index) => {
      const entry: GalleryEntry = {
        prompt: promptAt(index),
        predictionId: result.predictionId,
        costUsd: costOfResult(result),
        files: (result.success ? result.files : undefined) ?? [],
        error: result.success ? null : result.error,
      };
      return { result, entry };
    });
    const entries = rows.map((row) => row.entry);
    const gallery = await writeGallery(outDir, entries, { title: `Batch: ${file}` });
    const final = last as BatchProgress | null;
    const failed = results.filter((r) => !r.success).length;
    const costUsd = final?.costUsd ?? 0;
    const elapsedMs = final?.elapsedMs ?? 0;
    const document = {
      command: 'batch',
      model,
      total: prompts.length,
      succeeded: prompts.length - failed,
      failed,
      costUsd,
      elapsedMs: Math.round(elapsedMs),
      gallery,
      results: rows.map(({ result, entry }, index) => ({
        index,
        prompt: entry.prompt,
        success: result.success,
        predictionId: result.predictionId,
        files: entry.files,
        costUsd: entry.costUsd,
        ...(result.success ? {} : { error: result.error, errorCode: result.errorCode }),
      })),
    };
    if (ctx.signal.aborted) {
      throw withJson(
        new InterruptedError(
          `Interrupted after ${prompts.length - failed} of ${prompts.length} images; running predictions were canceled. Gallery of what was saved: ${gallery}`,
        ),
        document,
      );
    }
    const line = `${prompts.length - failed} of ${prompts.length} images in ${formatDuration(elapsedMs)}, cost ${formatUsd(costUsd)}. Gallery: ${gallery}`;
    if (failed > 0) {
      for (const r of document.results)
        if (!r.success) ctx.out.line(`Failed [${r.index + 1}] ${quote(r.prompt)}: ${r.error}`);
      throw withJson(new FailedError(`${failed} of ${prompts.length} prompts failed. ${line}`), document);
    }
    ctx.out.json({ success: true, ...document });
    ctx.out.line(line);
  },
});

/** `▕██████░░░░▏ 120/300 · 2 failed · 8 running · 95/min · $0.36 · ETA 1m 50s`. */
export function progressBar(p: BatchProgress): string {
  const filled = p.total === 0 ? BAR_WIDTH : Math.round((BAR_WIDTH * p.done) / p.total);
  const bar = `▕${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}▏`;
  return `${bar} ${summary(p)}`;
}

function summary(p: BatchProgress): string {
  return [
    `${p.done}/${p.total} done`,
    `${p.failed} failed`,
    `${p.running} running`,
    `${Math.round(p.ratePerMinute)}/min`,
    formatUsd(p.costUsd),
    `ETA ${p.etaMs === null ? '…' : formatDuration(p.etaMs)}`,
  ].join(' · ');
}

function quote(prompt: string): string {
  return JSON.stringify(prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt);
}
