// `replicate-media image PROMPT`: generate images, download every output, print where they went.
import { DEFAULT_TIMEOUT_MS } from '../../defaults.js';
import { DEFAULT_IMAGE_MODEL } from '../../index.js';
import { numberOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { costLine, costOf } from '../cost-display.js';
import { UsageError } from '../errors.js';
import { failureError } from '../generation-failure.js';
import {
  ASPECT_RATIO_OPTION,
  aspectRatioInput,
  clientChoiceOf,
  embeddedOutputsGone,
  FORMAT_OPTION,
  formatInput,
  generationCallOptions,
  INTERVAL_OPTION,
  modelOption,
  noDownloadOption,
  outOption,
  type SingleGeneration,
  singleGenerationOf,
  timeoutOption,
  WAIT_OPTION,
} from '../generation-options.js';
import { API_OPTIONS, budgetOption, JOURNAL_OPTION } from '../options.js';
import { formatDuration } from '../output.js';
import { describeFiles, ensureWritableDir, noteSaved, printSaved, type SavedFile } from '../saved-files.js';
import { newStatusSeen } from '../status-listener.js';

export interface ImageOptions {
  prompt: string;
  model: string;
  /** The model input beside the prompt (num_outputs, aspect_ratio, output_format, seed). */
  input: Record<string, unknown>;
  numOutputs: number | undefined;
  generation: SingleGeneration;
}

export const imageCommand = defineCommand<ImageOptions>({
  name: 'image',
  summary: 'generate images from a prompt and download them',
  usage: 'PROMPT [options]',
  description: `Generates images from PROMPT, downloads every output into the output directory and prints where
each file went, the prediction id and the cost.`,
  options: [
    modelOption(DEFAULT_IMAGE_MODEL),
    {
      name: 'num-outputs',
      type: 'string',
      short: 'n',
      value: 'N',
      description: 'how many images, 1-4',
      whenAbsent: "the model's default, 1",
    },
    ASPECT_RATIO_OPTION,
    FORMAT_OPTION,
    { name: 'seed', type: 'string', value: 'S', description: 'a whole number, for repeatable images' },
    outOption('the files'),
    timeoutOption('give up (and cancel the prediction) after S seconds', DEFAULT_TIMEOUT_MS),
    INTERVAL_OPTION,
    WAIT_OPTION,
    noDownloadOption('URLs (valid for an hour; with --emulator, only while the command runs)'),
    budgetOption('call'),
    JOURNAL_OPTION,
    ...API_OPTIONS,
  ],
  examples: [
    'replicate-media image "a red sports car" --aspect-ratio 16:9 --format png',
    'replicate-media image "a lighthouse at dawn" -n 4 --emulator --json',
  ],

  parse({ values, positionals }) {
    const prompt = positionals.join(' ').trim();
    if (prompt === '')
      throw new UsageError('Missing PROMPT: run `replicate-media image "a red sports car"` (see --help).');
    const model = stringOption(values, 'model') ?? DEFAULT_IMAGE_MODEL;
    const input: Record<string, unknown> = {};
    const numOutputs = numberOption(values, 'num-outputs', { integer: true, min: 1, max: 4 });
    if (numOutputs !== undefined) input.num_outputs = numOutputs;
    aspectRatioInput(values, input);
    formatInput(values, input);
    const seed = numberOption(values, 'seed', { integer: true });
    if (seed !== undefined) input.seed = seed;
    return { prompt, model, input, numOutputs, generation: singleGenerationOf(values) };
  },

  async run(ctx, { prompt, model, input, numOutputs, generation }) {
    const { outDir, download } = generation;
    const client = await ctx.createClient(clientChoiceOf(generation));
    if (download) await ensureWritableDir(outDir);
    const costUsd = costOf({ model, count: numOutputs ?? 1 }, null);
    const seen = newStatusSeen();
    const result = await client.generateImage(prompt, {
      model,
      input,
      ...generationCallOptions(ctx, 'image', costUsd, seen, generation),
    });
    if (!result.success) {
      ctx.progress.stop();
      throw await failureError(ctx, client, 'image generation', result, { command: 'image', model });
    }
    const elapsedMs = seen.elapsedMs;
    const predictionId = result.predictionId;
    const actualCost = result.costUsd ?? costOf({ model, count: result.imageUrls.length }, null);
    const files: SavedFile[] = await describeFiles(result.files ?? [], result.imageUrls);
    noteSaved(ctx, files);
    ctx.progress.stop();

    // Output URLs of the embedded emulator stop working when this command exits, a moment from now.
    const urlsGone = !download && ctx.embeddedEmulator;
    ctx.out.json({
      success: true,
      command: 'image',
      predictionId,
      model,
      status: 'succeeded',
      prompt,
      imageUrls: result.imageUrls,
      ...(urlsGone ? { outputsGone: true, note: embeddedOutputsGone('images') } : {}),
      files,
      costUsd: actualCost,
      elapsedMs: Math.round(elapsedMs),
    });
    ctx.out.line(`Prediction ${predictionId} succeeded in ${formatDuration(elapsedMs)} (${model}).`);
    if (download) {
      printSaved(ctx, files);
    } else if (urlsGone) {
      ctx.out.line(embeddedOutputsGone('images'));
    } else {
      for (const url of result.imageUrls) ctx.out.line(`Output ${url}`);
      ctx.out.line('Output URLs expire an hour after the prediction: download them before then.');
    }
    ctx.out.line(costLine(model, actualCost));
  },
});
