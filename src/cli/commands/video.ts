// `replicate-media video FRAME...`: make a video from images (local files are uploaded by the
// client, URLs passed through) and download the MP4.
import { readFile } from 'node:fs/promises';
import { sniffMediaType } from '../../downloads.js';
import { DEFAULT_VIDEO_MODEL } from '../../index.js';
import { numberOption, stringOption } from '../args.js';
import { type Command, GLOBAL_HELP } from '../command.js';
import { UsageError } from '../errors.js';
import {
  clientWithWait,
  DEFAULT_OUT_DIR,
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

export const videoCommand: Command = {
  name: 'video',
  summary: 'make a video from images (files or URLs) and download it',
  options: {
    prompt: { type: 'string', short: 'p' },
    duration: { type: 'string', short: 'd' },
    fps: { type: 'string' },
    ...MODEL_OPTION,
    ...SINGLE_GENERATION_OPTIONS,
  },
  help: `Usage: replicate-media video FRAME... [options]

Makes a video from the frames, in order, and downloads the MP4. A FRAME is a local image file
(PNG, JPEG, WebP or GIF; sent as a data URL when small, else through the files API) or an
http(s) URL (passed through).

Options:
  -p, --prompt P       what the video shows
  -d, --duration S     length in whole seconds, 1-30 (default one second per frame; the cost is per second)
      --fps N          frames per second of the video
  -m, --model M        model (default ${DEFAULT_VIDEO_MODEL})
  -o, --out DIR        where to save the MP4 (default ./${DEFAULT_OUT_DIR})
      --timeout S      give up (and cancel the prediction) after S seconds (default 1200)
      --interval S     seconds between status checks (default 5)
      --wait S         hold the create up to S seconds for a fast answer (0-60, default 5; 0 polls at once)
      --no-download    print the output URL (valid for an hour) instead of saving the file

${GLOBAL_HELP}

Examples:
  replicate-media video frame1.png frame2.jpg https://example.com/frame3.webp --prompt "a slow pan"
  replicate-media video replicate-output/*.png --duration 4 --emulator`,

  async run(ctx, { values, positionals }) {
    if (positionals.length === 0) {
      throw new UsageError('Missing FRAME: give one or more image files or URLs (see `replicate-media video --help`).');
    }
    const model = stringOption(values, 'model') ?? DEFAULT_VIDEO_MODEL;
    const prompt = stringOption(values, 'prompt');
    const durationSeconds = numberOption(values, 'duration', { integer: true, min: 1, max: 30 });
    const fps = numberOption(values, 'fps', { min: 1, max: 60 });
    const generation = singleGenerationOf(values);
    const { outDir, download } = generation;
    const frames = await Promise.all(positionals.map(readFrame));

    const client = await clientWithWait(ctx, values);
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

    ctx.out.json({
      success: true,
      command: 'video',
      predictionId,
      model,
      status: 'succeeded',
      frames: positionals,
      videoUrl: result.videoUrl,
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
    } else {
      ctx.out.line(`Output ${result.videoUrl}`);
      ctx.out.line('Output URLs expire an hour after the prediction: download it before then.');
    }
    ctx.out.line(costLine(model, actualCost));
  },
};

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
