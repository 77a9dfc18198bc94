// Real media for the emulator's outputs: deterministic pictures from (prompt, seed), encoded by hand
// as PNG, JPEG, WebP (lossless) and H.264 MP4 with no runtime dependencies beyond node:zlib.

import { encodeJpeg } from './jpeg.js';
import { paintPicture } from './painter.js';
import { encodePng } from './png.js';
import { encodeWebpLossless } from './webp.js';

export type ImageFormat = 'png' | 'jpg' | 'webp';

/** MIME type per output format, for the Content-Type of served files. */
export const CONTENT_TYPE: Record<ImageFormat | 'mp4', string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  mp4: 'video/mp4',
};

export interface RenderImageOptions {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  /** JPEG quality 1..100 (default 85); PNG and lossless WebP ignore it. */
  quality?: number;
}

/** Renders the picture for (prompt, seed) in the given format; the same options give the same bytes. */
export function renderImage(options: RenderImageOptions): Uint8Array {
  const picture = paintPicture(options);
  switch (options.format) {
    case 'png':
      return encodePng(picture);
    case 'jpg':
      return encodeJpeg(picture, options.quality ?? 85);
    case 'webp':
      return encodeWebpLossless(picture);
    default:
      throw new Error(`unknown image format: ${String(options.format)}`);
  }
}
