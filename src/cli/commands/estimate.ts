// `replicate-media estimate --images N --video-seconds S`: what a job would cost, offline.
import { DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL, estimateCost } from '../../index.js';
import { numberOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { HELP_OPTION, JSON_OPTION, VERBOSE_OPTION } from '../options.js';
import { formatUsd } from '../output.js';

export interface EstimateOptions {
  images: number;
  videoSeconds: number;
  imageModel: string;
  videoModel: string;
}

const WHY_NO_API = 'it prices from the built-in table and talks to no API';

export const estimateCommand = defineCommand<EstimateOptions>({
  name: 'estimate',
  summary: 'estimate what images and seconds of video cost (no key needed)',
  usage: '[--images N] [--video-seconds S]',
  description: `Prints what N images and S seconds of video would cost on Replicate, from the price table
(${DEFAULT_IMAGE_MODEL}: $0.003 per image; ${DEFAULT_VIDEO_MODEL}: $0.10 per second).`,
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
      description: 'price video as model M',
      default: DEFAULT_VIDEO_MODEL,
    },
  ],
  // Nothing runs, so there is no progress to silence.
  globals: [JSON_OPTION, VERBOSE_OPTION, HELP_OPTION],
  refusals: { emulator: WHY_NO_API, 'base-url': WHY_NO_API, speed: WHY_NO_API },
  examples: ['replicate-media estimate --images 10 --video-seconds 30    # Estimated cost: $3.03'],

  parse({ values, positionals }) {
    if (positionals.length > 0) {
      throw new UsageError(`Unexpected argument "${positionals[0]}": use --images N and --video-seconds S.`);
    }
    return {
      images: numberOption(values, 'images', { integer: true, min: 0 }) ?? 0,
      videoSeconds: numberOption(values, 'video-seconds', { min: 0 }) ?? 0,
      imageModel: stringOption(values, 'image-model') ?? DEFAULT_IMAGE_MODEL,
      videoModel: stringOption(values, 'video-model') ?? DEFAULT_VIDEO_MODEL,
    };
  },

  async run(ctx, { images, videoSeconds, imageModel, videoModel }) {
    let costUsd: number;
    try {
      costUsd = estimateCost(images, videoSeconds, { imageModel, videoModel });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new UsageError(
          `${error.message.replace(/; pass one in the "prices" option$/, '')}: the CLI knows prices for ${DEFAULT_IMAGE_MODEL} and ${DEFAULT_VIDEO_MODEL} only.`,
          { cause: error },
        );
      }
      throw error;
    }
    ctx.out.json({ success: true, command: 'estimate', images, videoSeconds, imageModel, videoModel, costUsd });
    ctx.out.line(`Estimated cost: ${formatUsd(costUsd)}`);
  },
});
