// `replicate-media estimate --images N --video-seconds S`: what a job would cost, offline.
import { DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL, estimateCost } from '../../index.js';
import { numberOption, stringOption } from '../args.js';
import { type Command, GLOBAL_HELP } from '../command.js';
import { UsageError } from '../errors.js';
import { formatUsd } from '../output.js';

export const estimateCommand: Command = {
  name: 'estimate',
  summary: 'estimate what images and seconds of video cost (no key needed)',
  options: {
    images: { type: 'string', short: 'i' },
    'video-seconds': { type: 'string', short: 's' },
    'image-model': { type: 'string' },
    'video-model': { type: 'string' },
  },
  help: `Usage: replicate-media estimate [--images N] [--video-seconds S]

Prints what N images and S seconds of video would cost on Replicate, from the price table
(${DEFAULT_IMAGE_MODEL}: $0.003 per image; ${DEFAULT_VIDEO_MODEL}: $0.10 per second).

Options:
  -i, --images N          how many images (default 0)
  -s, --video-seconds S   seconds of video (default 0)
      --image-model M     price images as model M (default ${DEFAULT_IMAGE_MODEL})
      --video-model M     price video as model M (default ${DEFAULT_VIDEO_MODEL})

${GLOBAL_HELP}

Example:
  replicate-media estimate --images 10 --video-seconds 30    # Estimated cost: $3.03`,

  async run(ctx, { values, positionals }) {
    if (positionals.length > 0) {
      throw new UsageError(`Unexpected argument "${positionals[0]}": use --images N and --video-seconds S.`);
    }
    const images = numberOption(values, 'images', { integer: true, min: 0 }) ?? 0;
    const videoSeconds = numberOption(values, 'video-seconds', { min: 0 }) ?? 0;
    const imageModel = stringOption(values, 'image-model') ?? DEFAULT_IMAGE_MODEL;
    const videoModel = stringOption(values, 'video-model') ?? DEFAULT_VIDEO_MODEL;
    let costUsd: number;
    try {
      costUsd = estimateCost(images, videoSeconds, { imageModel, videoModel });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new UsageError(
          `${error.message.replace(/; pass one in the "prices" option$/, '')}: the CLI knows prices for ${DEFAULT_IMAGE_MODEL} and ${DEFAULT_VIDEO_MODEL} only.`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    ctx.out.json({ success: true, command: 'estimate', images, videoSeconds, imageModel, videoModel, costUsd });
    ctx.out.line(`Estimated cost: ${formatUsd(costUsd)}`);
  },
};
