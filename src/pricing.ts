// The price table and cost estimates. Arithmetic is done in integer micro-dollars so that
// estimates are exact to the cent and below: 10 images and 30 s of video cost exactly 3.03.

import { catalogueEntry } from './catalogue.js';
import { DEFAULT_IMAGE_MODEL, DEFAULT_PRICES, DEFAULT_VIDEO_MODEL } from './defaults.js';
import { InvalidInputError } from './errors.js';
import { toMicros, toUsd } from './internal/micros.js';
import { printable } from './internal/printable.js';
import { planTransitions } from './sequence-plan.js';

/** How a model is billed. */
export type Price =
  /** per output image */
  | { unit: 'image'; usd: number }
  /** per second of output video */
  | { unit: 'second'; usd: number }
  /** per prediction */
  | { unit: 'run'; usd: number };

/** Prices per model (`owner/name`). */
export type PriceTable = Readonly<Record<string, Price>>;

/** Options of {@link estimateCost}. */
export interface EstimateCostOptions {
  /** The image model; default `black-forest-labs/flux-schnell`. */
  imageModel?: string;
  /** The video model; default `fofr/skyreels-2`. */
  videoModel?: string;
  /** Overrides or additions to {@link DEFAULT_PRICES}, per model. */
  prices?: Record<string, Price>;
  /**
   * For a first-last-frame video model (`kwaivgi/kling-v2.1`, ...): how many images the sequence has
   * (default 2, one transition). The seconds are then split across the transitions in the durations the
   * model allows (planTransitions), and what those runs bill is estimated.
   */
  videoImages?: number;
}

/** Looks a model's price up, throwing a RangeError that says how to add one. */
export function priceOf(model: string, prices: PriceTable = DEFAULT_PRICES): Price {
  const price = prices[model];
  if (!price) {
    throw new RangeError(`No price is known for model "${printable(model)}"; pass one in the "prices" option`);
  }
  if (!Number.isFinite(price.usd) || price.usd < 0) {
    throw new RangeError(`The price of model "${printable(model)}" must be a non-negative number of dollars`);
  }
  return price;
}

/** Merges price overrides over a base table. */
export function mergePrices(base: PriceTable, overrides: Record<string, Price> | undefined): PriceTable {
  return overrides ? Object.freeze({ ...base, ...overrides }) : base;
}

/**
 * The cost, in micro-dollars, of a prediction of `model` that produces `quantity` units
 * (images for per-image models, seconds for per-second models; ignored for per-run models).
 */
export function costMicros(model: string, quantity: number, prices: PriceTable = DEFAULT_PRICES): number {
  const price = priceOf(model, prices);
  const unitMicros = toMicros(price.usd);
  return price.unit === 'run' ? unitMicros : Math.round(quantity * unitMicros);
}

/**
 * Estimates what `numImages` images and `videoDurationSeconds` seconds of video cost, in USD,
 * exact to the micro-dollar: `estimateCost(10, 30) === 3.03`.
 * @throws RangeError for a negative or fractional image count, a negative duration, NaN or Infinity,
 *   or a model without a price.
 */
export function estimateCost(numImages: number, videoDurationSeconds = 0, options: EstimateCostOptions = {}): number {
  if (typeof numImages !== 'number' || !Number.isInteger(numImages) || numImages < 0) {
    throw new RangeError(`numImages must be a non-negative whole number, got ${printable(numImages, 40)}`);
  }
  if (typeof videoDurationSeconds !== 'number' || !Number.isFinite(videoDurationSeconds) || videoDurationSeconds < 0) {
    throw new RangeError(
      `videoDurationSeconds must be a non-negative finite number, got ${printable(videoDurationSeconds, 40)}`,
    );
  }
  const prices = mergePrices(DEFAULT_PRICES, options.prices);
  let micros = 0;
  if (numImages > 0) micros += costMicros(options.imageModel ?? DEFAULT_IMAGE_MODEL, numImages, prices);
  if (videoDurationSeconds > 0) micros += videoMicros(options, videoDurationSeconds, prices);
  // Past 2^53 micro-dollars (about $9 billion) the sum is no longer exact, and huge inputs overflow to Infinity.
  if (!Number.isSafeInteger(micros)) throw new RangeError('The estimate is too large to compute exactly');
  return toUsd(micros);
}

/**
 * What the video part of an estimate costs: on a first-last-frame catalogue model, the seconds the
 * planned transitions bill (per-run prices once per transition); on any other model, the seconds asked.
 */
function videoMicros(options: EstimateCostOptions, seconds: number, prices: PriceTable): number {
  const model = options.videoModel ?? DEFAULT_VIDEO_MODEL;
  if (catalogueEntry(model)?.frames.kind !== 'first-last') return costMicros(model, seconds, prices);
  const price = priceOf(model, prices);
  let plan: ReturnType<typeof planTransitions>;
  try {
    plan = planTransitions(model, { images: options.videoImages ?? 2, totalSeconds: seconds });
  } catch (error) {
    if (error instanceof InvalidInputError) throw new RangeError(error.message);
    throw error;
  }
  const unit = toMicros(price.usd);
  return price.unit === 'second' ? Math.round(plan.billedSeconds * unit) : unit * plan.runs;
}
