// `replicate-media video FRAME...`: make a video from images (local files are uploaded by the

// client, URLs passed through) and download the MP4.
import { readFile } from 'node:fs/promises';
import { DEFAULT_VIDEO_TIMEOUT_MS } from '../../defaults.js';
import { sniffMediaType } from '../../downloads.js';
import { catalogueEntry, DEFAULT_VIDEO_MODEL } from '../../index.js';
import { numberOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { costLine, costOf } from '../cost-display.js';
import { UsageError } from '../errors.js';
import { failureError } from '../generation-failure.js';
import {
  embeddedOutputsGone,
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
import { API_OPTIONS } from '../options.js';
import { formatDuration } from '../output.js';
import { describeFiles, ensureWritableDir, noteSaved, printSaved, type SavedFile } from '../saved-files.js';
import { newStatusSeen } from '../status-listener.js';
import { runVideoSequence } from './video-sequence.js';

export interface VideoOptions {
  /** The FRAME arguments, as given. */
  frameArgs: string[];
  prompt: string | undefined;
  durationSeconds: number | undefined;
  fps: number | undefined;
  model: string;
  /** With a first-last-frame model: the sequence to finish (its failed transitions are made again). */
  sequenceId: string | undefined;
  generation: SingleGeneration;
}

export const videoCommand = defineCommand<VideoOptions>({
  name: 'video',
  summary: 'make a video from images (files or URLs) and download it',
  usage: 'FRAME... [options]',
  description: `Makes a video from the frames, in order, and downloads the MP4. A FRAME is a local image file
(PNG, JPEG, WebP or GIF; sent as a data URL when small, else through the files API) or an
http(s) URL (passed through). On a first-last-frame model (kwaivgi/kling-v2.1, minimax/hailuo-02, ...;
see \`replicate-media models\`) each pair of neighbouring frames is one transition, made in parallel,
and the transitions are joined into one MP4 (--duration is then the total, split across them).`,
  options: [
    { name: 'prompt', type: 'string', short: 'p', value: 'P', description: 'what the video shows' },
    {
      name: 'duration',
      type: 'string',
      short: 'd',
      value: 'S',
      description: 'length in whole seconds, 1-30 (first-last-frame models: the total)',
      whenAbsent: "1 s per frame; first-last: the model's default per transition",
    },
    {
      name: 'fps',
      type: 'string',
      value: 'N',
      description: 'frames per second of the video',
      whenAbsent: "the model's",
    },
    modelOption(DEFAULT_VIDEO_MODEL),
    {
      name: 'sequence',
      type: 'string',
      value: 'ID',
      description: 'first-last-frame model: finish sequence ID (make only its failed transitions)',
      whenAbsent: 'a new sequence',
    },
    outOption('the MP4'),
    timeoutOption('give up (and cancel the prediction) after S seconds', DEFAULT_VIDEO_TIMEOUT_MS),
    INTERVAL_OPTION,
    WAIT_OPTION,
    noDownloadOption('URL (valid for an hour; with --emulator, only while the command runs)'),
    ...API_OPTIONS,
  ],
  examples: [
    'replicate-media video frame1.png frame2.jpg https://example.com/frame3.webp --prompt "a slow pan"',
    'replicate-media video replicate-output/*.png --duration 4 --emulator',
    'replicate-media video a.png b.png c.png --model kwaivgi/kling-v2.1 --prompt "a slow dolly"',
  ],

  parse({ values, positionals }) {
    if (positionals.length === 0) {
      throw new UsageError('Missing FRAME: give one or more image files or URLs (see `replicate-media video --help`).');
    }
    const model = stringOption(values, 'model') ?? DEFAULT_VIDEO_MODEL;
    const firstLast = catalogueEntry(model)?.frames.kind === 'first-last';
    return {
      frameArgs: positionals,
      model,
      prompt: stringOption(values, 'prompt'),
      // A first-last-frame model takes the total, split across its transitions (planTransitions checks it).
      durationSeconds: numberOption(
        values,
        'duration',
        firstLast ? { integer: true, min: 1 } : { integer: true, min: 1, max: 30 },
      ),
      sequenceId: stringOption(values, 'sequence'),
      fps: numberOption(values, 'fps', { min: 1, max: 60 }),
      generation: singleGenerationOf(values),
    };
  },

  async run(ctx, { frameArgs, model, prompt, durationSeconds, fps, sequenceId, generation }) {
    const { outDir, download } = generation;
    const frames = await Promise.all(frameArgs.map(readFrame));
    const firstLast = catalogueEntry(model)?.frames.kind === 'first-last';
    if (sequenceId !== undefined && !firstLast)
      throw new UsageError(
        `--sequence applies to first-last-frame models only (see \`replicate-media models\`), not ${model}.`,
      );

    const client = await ctx.createClient({ preferWaitSeconds: generation.preferWaitSeconds });
    if (firstLast) {
      if (download) await ensureWritableDir(outDir);
      const run = { frameArgs, frames, model, prompt, durationSeconds, sequenceId, generation };
      return runVideoSequence(ctx, client, run);
    }
    if (download) await ensureWritableDir(outDir);
    const costUsd = costOf(null, { model, seconds: durationSeconds ?? frames.length });
    const seen = newStatusSeen();
    const result = await client.generateVideo(frames, {
      model,
      ...generationCallOptions(ctx, 'video', costUsd, seen, generation),
      ...(prompt !== undefined ? { prompt } : {}),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
      ...(fps !== undefined ? { fps } : {}),
    });
    if (!result.success) {
      ctx.progress.stop();
      throw await failureError(ctx, client, 'video generation', result, { command: 'video', model });
    }
    const elapsedMs = seen.elapsedMs;
    const predictionId = result.predictionId;
    const actualCost = result.costUsd ?? costOf(null, { model, seconds: result.durationSeconds });
    const files: SavedFile[] = await describeFiles(result.files ?? [], [result.videoUrl]);
    noteSaved(ctx, files);
    ctx.progress.stop();

    // Output URLs of the embedded emulator stop working when this command exits, a moment from now.
    const urlsGone = !download && ctx.embeddedEmulator;
    ctx.out.json({
      success: true,
      command: 'video',
      predictionId,
      model,
      status: 'succeeded',
      frames: frameArgs,
      videoUrl: result.videoUrl,
      ...(urlsGone ? { outputsGone: true, note: embeddedOutputsGone('video') } : {}),
      durationSeconds: result.durationSeconds,
      files,
      costUsd: actualCost,
      elapsedMs: Math.round(elapsedMs),
    });
    ctx.out.line(
      `Prediction ${predictionId} succeeded in ${formatDuration(elapsedMs)} (${model}, ${result.durationSeconds} s of video).`,
    );
    if (download) {
      printSaved(ctx, files);
    } else if (urlsGone) {
      ctx.out.line(embeddedOutputsGone('video'));
    } else {
      ctx.out.line(`Output ${result.videoUrl}`);
      ctx.out.line('Output URLs expire an hour after the prediction: download it before then.');
    }
    ctx.out.line(costLine(model, actualCost));
  },
});

/** A frame argument as the client takes it: URLs as they are, files as Blobs with their type. */
async function readFrame(frame: string): Promise<string | Blob> {
  if (/^(https?:\/\/|data:)/i.test(frame)) return frame;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(frame)) {
    throw new UsageError(`Frame "${frame}" is neither a local file nor an http(s) URL.`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(frame);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new UsageError(`Cannot read frame "${frame}": ${why}.`, { cause: error });
  }
  // The bytes decide the type, not the file name.
  const type = sniffMediaType(bytes);
  if (type === null || !type.startsWith('image/')) {
    throw new UsageError(`Frame "${frame}" is not an image (PNG, JPEG, WebP or GIF).`);
  }
  return new Blob([new Uint8Array(bytes)], { type });
}
