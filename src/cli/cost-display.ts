// What a generation costs, as the commands print it.
import { estimateCost } from '../index.js';
import { formatUsd } from './output.js';

/** The result's cost line: the amount, or that no price is known for the model. */
export function costLine(model: string, costUsd: number | null): string {
  return costUsd === null ? `Cost: unknown (no price known for ${model})` : `Cost: ${formatUsd(costUsd)}`;
}

/** What images and seconds of video of these models cost, or null when a model has no known price. */
export function costOf(
  images: { model: string; count: number } | null,
  video: { model: string; seconds: number } | null,
): number | null {
  try {
    return estimateCost(images?.count ?? 0, video?.seconds ?? 0, {
      ...(images ? { imageModel: images.model } : {}),
      ...(video ? { videoModel: video.model } : {}),
    });
  } catch {
    return null;
  }
}
