// `replicate-media image PROMPT`: generate images, download every output, print where they went.
import { DEFAULT_IMAGE_MODEL } from '../../index.js';
import { numberOption, stringOption } from '../args.js';
import { type Command, GLOBAL_HELP } from '../command.js';
import { UsageError } from '../errors.js';
import {
  ASPECT_RATIOS,
  aspectRatioInput,
  clientWithWait,
  DEFAULT_OUT_DIR,
  formatInput,
  generationCallOptions,
  MODEL_OPTION,
  SINGLE_GENERATION_OPTIONS,
  singleGenerationOf,
} from '../generation-options.js';
import { formatDuration } from '../output.js';
import {
  costLine,
  costOf,
  describeFiles,
  ensureWritableDir,
  failureError,
  newStatusSeen,
  noteSaved,
  printSaved,
  type SavedFile,
} from '../predictions.js';

export const imageCommand: Command = {
  name: 'image',
  summary: 'generate images from a prompt and download them',
  options: {
    ...MODEL_OPTION,
    'num-outputs': { type: 'string', short: 'n' },
    'aspect-ratio': { type: 'string' },
    format: { type: 'string' },
    seed: { type: 'string' },
    ...SINGLE_GENERATION_OPTIONS,
  },
  help: `Usage: replicate-media image PROMPT [options]

Generates images from PROMPT, downloads every output into the output directory and prints where
each file went, the prediction id and the cost.

Options:
  -m, --model M          model (default ${DEFAULT_IMAGE_MODEL})
  -n, --num-outputs N    how many images, 1-4 (default 1)
      --aspect-ratio R   ${ASPECT_RATIOS.join(' ')} (default 1:1)
      --format F         webp, jpg or png (default webp)
      --seed S           a whole number, for repeatable images
  -o, --out DIR          where to save the files (default ./${DEFAULT_OUT_DIR})
      --timeout S        give up (and cancel the prediction) after S seconds (default 600)
      --interval S       seconds between status checks (default 5)
      --wait S           hold the create up to S seconds for a fast answer (0-60, default 5; 0 polls at once)
      --no-download      print the output URLs (valid for an hour) instead of saving the files

${GLOBAL_HELP}

Examples:
  replicate-media image "a red sports car" --aspect-ratio 16:9 --format png
  replicate-media image "a lighthouse at dawn" -n 4 --emulator --json`,

  async run(ctx, { values, positionals }) {
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
    const generation = singleGenerationOf(values);
    const { outDir, download } = generation;

    const client = await clientWithWait(ctx, values);
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

    ctx.out.json({
      success: true,
      command: 'image',
      predictionId,
      model,
      status: 'succeeded',
      prompt,
      imageUrls: result.imageUrls,
      files,
      costUsd: actualCost,
      elapsedMs: Math.round(elapsedMs),
    });
    ctx.out.line(`Prediction ${predictionId} succeeded in ${formatDuration(elapsedMs)} (${model}).`);
    if (download) {
      printSaved(ctx, files);
    } else {
      for (const url of result.imageUrls) ctx.out.line(`Output ${url}`);
      ctx.out.line('Output URLs expire an hour after the prediction: download them before then.');
    }
    ctx.out.line(costLine(model, actualCost));
  },
};
