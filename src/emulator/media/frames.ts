// Pictures given to a video as its input frames: fitted to the video's size, and, for a frame that
// cannot be shown, a plain picture that says why (the video stays truthful about what it was given).

import { captionLayout, drawCaption } from './caption.js';
import type { RgbRaster } from './painter.js';

/** Scales `picture` to fit inside width x height, centred on black (letterboxed), by area averaging. */
export function fitPicture(picture: RgbRaster, width: number, height: number): RgbRaster {
  if (picture.width === width && picture.height === height) return picture;
  const scale = Math.min(width / picture.width, height / picture.height);
  const innerWidth = Math.max(1, Math.min(width, Math.round(picture.width * scale)));
  const innerHeight = Math.max(1, Math.min(height, Math.round(picture.height * scale)));
  const left = Math.floor((width - innerWidth) / 2);
  const top = Math.floor((height - innerHeight) / 2);
  const rgb = new Uint8Array(width * height * 3);
  const { rgb: source, width: sourceWidth } = picture;
  const xRatio = picture.width / innerWidth;
  const yRatio = picture.height / innerHeight;
  for (let y = 0; y < innerHeight; y++) {
    // The source rows and columns this pixel covers (at least one: enlarging repeats pixels).
    const sy0 = Math.floor(y * yRatio);
    const sy1 = Math.max(sy0 + 1, Math.floor((y + 1) * yRatio));
    for (let x = 0; x < innerWidth; x++) {
      const sx0 = Math.floor(x * xRatio);
      const sx1 = Math.max(sx0 + 1, Math.floor((x + 1) * xRatio));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = sy0; sy < sy1; sy++) {
        for (let sx = sx0; sx < sx1; sx++) {
          const i = (sy * sourceWidth + sx) * 3;
          r += source[i] as number;
          g += source[i + 1] as number;
          b += source[i + 2] as number;
        }
      }
      const count = (sy1 - sy0) * (sx1 - sx0);
      const o = ((top + y) * width + left + x) * 3;
      rgb[o] = Math.round(r / count);
      rgb[o + 1] = Math.round(g / count);
      rgb[o + 2] = Math.round(b / count);
    }
  }
  return { width, height, rgb };
}

/** A mid-grey picture with `message` in its caption band: what a frame that could not be read shows. */
export function placeholderPicture(message: string, width: number, height: number): RgbRaster {
  const picture = { width, height, rgb: new Uint8Array(width * height * 3).fill(96) };
  const layout = captionLayout(message, '', width, height);
  if (layout) drawCaption(picture, layout);
  return picture;
}
