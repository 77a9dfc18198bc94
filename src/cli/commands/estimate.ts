// `replicate-media estimate --images N --video-seconds S`: what a job would cost, offline. On a
// first-last-frame catalogue model the seconds are split across the transitions of --frames images
// (planTransitions), and the estimate is what those runs will bill, or says the price is unknown.
import {
  catalogueEntry,
  DEFAULT_IMAGE_MODEL,
  DEFAULT_PRICES,
  DEFAULT_VIDEO_MODEL,
  estimateCost,
  planTransitions,
  type TransitionPlan,
} from '../../index.js';
import { numberOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { HELP_OPTION, JSON_OPTION, VERBOSE_OPTION } from '../options.js';
import { formatUsd } from '../output.js';

export interface EstimateOptions {
  images: number;
  videoSeconds: number;
  imageModel: string;
  videoModel: string;
  /** Images of a sequence on a first-last-frame model (it makes frames - 1 transitions). */
  frames: number | undefined;
  /** A price per second of video, for a model whose price is unknown. */
  videoPrice: number | undefined;
}

const WHY_NO_API = 'it prices from the built-in table and talks to no API';

export const estimateCommand = defineCommand<EstimateOptions>({
  name: 'estimate',
  summary: 'estimate what images and seconds of video cost (no key needed)',
  usage: '[--images N] [--video-seconds S] [--video-model M] [--frames N]',
  description: `Prints what N images and S seconds of video would cost on Replicate, from the price table
(${DEFAULT_IMAGE_MODEL}: $0.003 per image; ${DEFAULT_VIDEO_MODEL}: $0.10 per second; the catalogue's
other known prices: \`replicate-media models\`). On a first-last-frame video model (kwaivgi/kling-v2.1,
...) the seconds are split across the --frames N images' N-1 transitions in the durations the model
allows, and the estimate is what those runs bill; when the model's price is unknown it says so
(--video-price USD gives one).`,
  options: [
    { name: 'images', type: 'string', short: 'i', value: 'N', description: 'how many images', default: '0' },
    { name: 'video-seconds', type: 'string', short: 's', value: 'S', description: 'seconds of video', default: '0' },
    {
      name: 'image-model',
      type: 'string',
      value: 'M',
      description: 'price images as model M',
      default: DEFAULT_IMAGE_MODEL,
    },
    {
      name: 'video-model',
      type: 'string',
      value: 'M',
      description: 'price video as model M (see `replicate-media models`)',
      default: DEFAULT_VIDEO_MODEL,
    },
    {
      name: 'frames',
      type: 'string',
      value: 'N',
      description: 'images in the sequence, for a first-last-frame video model (N-1 transitions)',
      default: '2',
    },
    {
      name: 'video-price',
      type: 'string',
      value: 'USD',
      description: 'price per second of video, for a model whose price is unknown (or to override it)',
      whenAbsent: "the model's known price",
    },
  ],
  // Nothing runs, so there is no progress to silence.
  globals: [JSON_OPTION, VERBOSE_OPTION, HELP_OPTION],
  refusals: { emulator: WHY_NO_API, 'base-url': WHY_NO_API, speed: WHY_NO_API },
  examples: [
    'replicate-media estimate --images 10 --video-seconds 30    # Estimated cost: $3.03',
    'replicate-media estimate --video-model kwaivgi/kling-v2.1 --video-seconds 15 --frames 4 --video-price 0.09',
  ],

  parse({ values, positionals }) {
    if (positionals.length > 0) {
      throw new UsageError(`Unexpected argument "${positionals[0]}": use --images N and --video-seconds S.`);
    }
    return {
      images: numberOption(values, 'images', { integer: true, min: 0 }) ?? 0,
      videoSeconds: numberOption(values, 'video-seconds', { min: 0 }) ?? 0,
      imageModel: stringOption(values, 'image-model') ?? DEFAULT_IMAGE_MODEL,
      videoModel: stringOption(values, 'video-model') ?? DEFAULT_VIDEO_MODEL,
      frames: numberOption(values, 'frames', { integer: true, min: 2, max: 1001 }),
      videoPrice: numberOption(values, 'video-price', { min: 0 }),
    };
  },

  async run(ctx, { images, videoSeconds, imageModel, videoModel, frames, videoPrice }) {
    const sequence = catalogueEntry(videoModel)?.frames.kind === 'first-last' && videoSeconds > 0;
    if (sequence) return runSequenceEstimate(ctx, { images, videoSeconds, imageModel, videoModel, frames, videoPrice });
    let costUsd: number;
    try {
      const prices = videoPrice !== undefined ? { [videoModel]: { unit: 'second' as const, usd: videoPrice } } : {};
      costUsd = estimateCost(images, videoSeconds, { imageModel, videoModel, prices });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new UsageError(
          `${error.message.replace(/; pass one in the "prices" option$/, '')}: the CLI knows the prices of ${Object.keys(DEFAULT_PRICES).join(', ')} (for a video model, pass --video-price USD per second).`,
          { cause: error },
        );
      }
      throw error;
    }
    ctx.out.json({ success: true, command: 'estimate', images, videoSeconds, imageModel, videoModel, costUsd });
    ctx.out.line(`Estimated cost: ${formatUsd(costUsd)}`);
  },
});

/** The estimate on a first-last-frame model: the plan of transitions, and what it bills (or that the price is unknown). */
async function runSequenceEstimate(ctx: CommandContext, options: EstimateOptions): Promise<void> {
  const { images, videoSeconds, imageModel, videoModel, videoPrice } = options;
  const frames = options.frames ?? 2;
  let plan: TransitionPlan;
  let imagesUsd: number;
  try {
    plan = planTransitions(videoModel, {
      images: frames,
      totalSeconds: videoSeconds,
      ...(videoPrice !== undefined ? { price: { unit: 'second', usd: videoPrice } } : {}),
    });
    imagesUsd = estimateCost(images, 0, { imageModel });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: unknown }).code === 'invalid_input')
      throw new UsageError((error as Error).message, { cause: error });
    throw error;
  }
  const videoUsd = plan.costUsd === 'unknown' ? null : plan.costUsd;
  const costUsd = videoUsd === null ? null : Math.round((videoUsd + imagesUsd) * 1_000_000) / 1_000_000;
  const note =
    plan.costUsd === 'unknown'
      ? `no price is known for ${videoModel}: pass --video-price USD (per second of video) to estimate it`
      : plan.note;
  ctx.out.json({
    success: true,
    command: 'estimate',
    images,
    videoSeconds,
    imageModel,
    videoModel,
    frames,
    transitions: plan.runs,
    durations: plan.durations,
    billedSeconds: plan.billedSeconds,
    costUsd,
    priceKnown: videoUsd !== null,
    note,
  });
  ctx.out.line(
    `${videoModel}: ${frames} frames make ${plan.runs} transition${plan.runs === 1 ? '' : 's'} of ${plan.durations.join(' + ')} s = ${plan.billedSeconds} s billed${plan.billedSeconds === videoSeconds ? '' : ` (asked for ${videoSeconds} s)`}.`,
  );
  if (costUsd === null) ctx.out.line(`Estimated cost: unknown (${note}).`);
  else ctx.out.line(`Estimated cost: ${formatUsd(costUsd)}`);
}
