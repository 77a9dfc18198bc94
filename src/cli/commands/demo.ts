// `replicate-media demo`: the whole job on an embedded emulator, no account and no network:
// generate images, make a short video from them, download everything, and say what it would cost.
import { DEFAULT_IMAGE_MODEL, DEFAULT_PRICES, DEFAULT_VIDEO_MODEL } from '../../index.js';
import { numberOption, positiveOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { costOf } from '../cost-display.js';
import { UsageError } from '../errors.js';
import { failureError } from '../generation-failure.js';
import { DEFAULT_OUT_DIR, outOption } from '../generation-options.js';
import { displayPath, formatBytes, formatDuration, formatUsd } from '../output.js';
import { describeFiles, ensureWritableDir, noteSaved } from '../saved-files.js';
import { newStatusSeen, savingTo, statusListener } from '../status-listener.js';

/** The demo's emulator runs 20x faster than Replicate: about 2 s for the whole job. */
export const DEMO_SPEED = 20;
const DEFAULT_PROMPT = 'a red sports car on a coastal road at sunset';

export interface DemoOptions {
  prompt: string;
  frames: number;
  outDir: string;
  speed: number;
}

const WHY_NO_API = 'the demo always runs on its own embedded emulator (use `image` or `video` for another API)';

export const demoCommand = defineCommand<DemoOptions>({
  name: 'demo',
  summary: 'generate images and a video on a built-in emulator (no account, no network)',
  usage: '[options]',
  description: `Starts a Replicate emulator inside this process, generates images with ${DEFAULT_IMAGE_MODEL},
makes a short video from them with ${DEFAULT_VIDEO_MODEL} (one second per frame), downloads
everything into DIR, and prints a summary: the files, the prediction ids, the time taken and
what the same job would have cost on Replicate. Nothing leaves your machine; nothing is billed.`,
  options: [
    { name: 'prompt', type: 'string', short: 'p', value: 'P', description: 'what to draw', default: DEFAULT_PROMPT },
    {
      name: 'frames',
      type: 'string',
      short: 'n',
      value: 'N',
      description: 'how many images to make and use as video frames, 1-4',
      default: '3',
    },
    outOption('the files'),
    {
      name: 'speed',
      type: 'string',
      value: 'N',
      description: "divide the emulator's model timings by N; 1 is as slow as Replicate",
      default: String(DEMO_SPEED),
    },
  ],
  refusals: { emulator: WHY_NO_API, 'base-url': WHY_NO_API },

  parse({ values, positionals }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}": use --prompt "..." to change the prompt.`);
    return {
      prompt: stringOption(values, 'prompt') ?? DEFAULT_PROMPT,
      frames: numberOption(values, 'frames', { integer: true, min: 1, max: 4 }) ?? 3,
      outDir: stringOption(values, 'out') ?? DEFAULT_OUT_DIR,
      speed: positiveOption(values, 'speed') ?? DEMO_SPEED,
    };
  },

  async run(ctx, { prompt, frames, outDir, speed }) {
    const startedAt = performance.now();

    const client = await ctx.createClient({ embedded: true, speed });
    await ensureWritableDir(outDir);
    const imageCost = costOf({ model: DEFAULT_IMAGE_MODEL, count: frames }, null);
    const imageSeen = newStatusSeen();
    const image = await client.generateImage(prompt, {
      input: { num_outputs: frames, aspect_ratio: '16:9', output_format: 'png' },
      signal: ctx.signal,
      onStatus: statusListener(ctx, 'image', imageCost, imageSeen, outDir),
      download: savingTo(ctx, outDir),
    });
    if (!image.success) {
      ctx.progress.stop();
      throw await failureError(ctx, client, 'demo image generation', image, { command: 'demo' });
    }
    const imageFiles = await describeFiles(image.files ?? [], image.imageUrls);
    noteSaved(ctx, imageFiles);

    const videoCost = costOf(null, { model: DEFAULT_VIDEO_MODEL, seconds: frames });
    const videoSeen = newStatusSeen();
    const video = await client.generateVideo(image.imageUrls, {
      prompt: `${prompt}, slow cinematic camera move`,
      durationSeconds: frames,
      signal: ctx.signal,
      onStatus: statusListener(ctx, 'video', videoCost, videoSeen, outDir),
      download: savingTo(ctx, outDir),
    });
    if (!video.success) {
      ctx.progress.stop();
      throw await failureError(ctx, client, 'demo video generation', video, {
        command: 'demo',
        image: image.predictionId,
      });
    }
    const videoFiles = await describeFiles(video.files ?? [], [video.videoUrl]);
    noteSaved(ctx, videoFiles);
    ctx.progress.stop();

    const elapsedMs = performance.now() - startedAt;
    const imagesUsd = image.costUsd ?? costOf({ model: DEFAULT_IMAGE_MODEL, count: image.imageUrls.length }, null) ?? 0;
    const videoUsd = video.costUsd ?? costOf(null, { model: DEFAULT_VIDEO_MODEL, seconds: video.durationSeconds }) ?? 0;
    const totalUsd = (Math.round(imagesUsd * 1e6) + Math.round(videoUsd * 1e6)) / 1e6;

    ctx.out.json({
      success: true,
      command: 'demo',
      prompt,
      outDir,
      elapsedMs: Math.round(elapsedMs),
      image: { predictionId: image.predictionId, model: DEFAULT_IMAGE_MODEL, files: imageFiles, costUsd: imagesUsd },
      video: {
        predictionId: video.predictionId,
        model: DEFAULT_VIDEO_MODEL,
        durationSeconds: video.durationSeconds,
        files: videoFiles,
        costUsd: videoUsd,
      },
      totalCostUsd: totalUsd,
    });

    const out = ctx.out;
    out.line(
      `Demo finished in ${formatDuration(elapsedMs)} on the embedded emulator (no account, no network, nothing billed).`,
    );
    out.line();
    out.line(`Prompt  "${prompt}"`);
    out.line(`Images  ${image.predictionId} (${DEFAULT_IMAGE_MODEL}, ${image.imageUrls.length} images)`);
    for (const file of imageFiles) out.line(`        ${displayPath(file.path)} (${formatBytes(file.bytes)})`);
    out.line(
      `Video   ${video.predictionId} (${DEFAULT_VIDEO_MODEL}, ${video.durationSeconds} s from ${image.imageUrls.length} frames)`,
    );
    for (const file of videoFiles) out.line(`        ${displayPath(file.path)} (${formatBytes(file.bytes)})`);
    out.line();
    const imagePrice = formatUsd(DEFAULT_PRICES[DEFAULT_IMAGE_MODEL]?.usd ?? 0);
    const secondPrice = formatUsd(DEFAULT_PRICES[DEFAULT_VIDEO_MODEL]?.usd ?? 0);
    out.line(
      `On Replicate this would have cost ${formatUsd(totalUsd)}: ${image.imageUrls.length} images × ${imagePrice} = ${formatUsd(imagesUsd)}, ` +
        `${video.durationSeconds} s of video × ${secondPrice} = ${formatUsd(videoUsd)}.`,
    );
    out.line('Next: set REPLICATE_API_KEY and run `replicate-media image "your prompt"`,');
    out.line('      or keep trying offline with `replicate-media image "your prompt" --emulator`.');
  },
});
