// Money in whole micro-dollars: prices have at most 6 decimals, so sums of micro-dollars are exact
// where sums of floating dollars are not (10 images and 30 s of video cost exactly 3.03).

const MICROS_PER_USD = 1_000_000;

/** Dollars to whole micro-dollars. */
export function toMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

/** Micro-dollars back to dollars. */
export function toUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}
