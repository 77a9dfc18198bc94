// Pictures a decoded frame can be matched back to: flat greys far apart in brightness, as PNG data
// URLs (the emulator decodes PNG data URLs into the frames of a first-last-frame video).

import { PNG } from 'pngjs';

export const GREYS = [20, 90, 160, 235];

function greyPng(level: number): string {
  const png = new PNG({ width: 64, height: 48 });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = level;
    png.data[i + 1] = level;
    png.data[i + 2] = level;
    png.data[i + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Images a, b, c, d. */
export const IMAGES = GREYS.map(greyPng);

/** Which of the greys a decoded frame (its luma plane) shows. */
export function nearestImage(luma: Uint8Array): number {
  const mean = luma.reduce((n, v) => n + v, 0) / luma.length;
  // BT.601 studio range: Y = 16 + 219 * grey / 255.
  const expected = GREYS.map((g) => 16 + (219 * g) / 255);
  let best = 0;
  for (let i = 1; i < expected.length; i++)
    if (Math.abs(mean - (expected[i] as number)) < Math.abs(mean - (expected[best] as number))) best = i;
  return best;
}
