// PNG decoder for video input frames: every colour type and bit depth of the standard, both
// interlace methods, all five row filters; alpha is composited over black. node:zlib inflates.
// Inputs come from clients, so sizes are bounded before anything is allocated.

import * as zlib from 'node:zlib';
import type { RgbRaster } from './painter.js';

/** Pictures larger than this (pixels) are refused: a video frame needs no more, and it bounds memory. */
export const MAX_DECODED_PIXELS = 4096 * 4096;

export class PngDecodeError extends Error {
  readonly code = 'png_decode_failed';
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

export function decodePng(bytes: Uint8Array): RgbRaster {
  if (!isPng(bytes)) throw new PngDecodeError('not a PNG (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let offset = 8;
  let header: { width: number; height: number; depth: number; colorType: number; interlace: number } | undefined;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (data.length !== length) throw new PngDecodeError(`chunk ${type} is cut short`);
    if (type === 'IHDR') {
      const d = new DataView(data.buffer, data.byteOffset, data.length);
      header = {
        width: d.getUint32(0),
        height: d.getUint32(4),
        depth: data[8] as number,
        colorType: data[9] as number,
        interlace: data[12] as number,
      };
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!header) throw new PngDecodeError('no IHDR chunk');
  const { width, height, depth, colorType, interlace } = header;
  if (!ALLOWED_DEPTHS[colorType]?.includes(depth))
    throw new PngDecodeError(`colour type ${colorType} at depth ${depth} is not valid PNG`);
  if (width < 1 || height < 1 || width * height > MAX_DECODED_PIXELS)
    throw new PngDecodeError(`${width}x${height} is outside 1..${MAX_DECODED_PIXELS} pixels`);
  if (colorType === 3 && !palette) throw new PngDecodeError('palette image without PLTE');
  const channels = CHANNELS[colorType] as number;
  const bitsPerPixel = channels * depth;
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const passes =
    interlace === 1
      ? ADAM7.map(([x0, y0, dx, dy]) => ({
          x0,
          y0,
          dx,
          dy,
          w: Math.ceil((width - x0) / dx),
          h: Math.ceil((height - y0) / dy),
        })).filter((p) => p.w > 0 && p.h > 0)
      : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  const expected = passes.reduce((sum, p) => sum + (rowBytes(p.w) + 1) * p.h, 0);
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (error) {
    throw new PngDecodeError(`image data does not inflate: ${(error as Error).message}`);
  }
  if (raw.length < expected) throw new PngDecodeError('image data is cut short');

  const rgb = new Uint8Array(width * height * 3);
  const bytesPerPixel = Math.max(1, bitsPerPixel >> 3);
  const max = (1 << depth) - 1;
  let at = 0;
  for (const pass of passes) {
    const stride = rowBytes(pass.w);
    let previous = new Uint8Array(stride);
    for (let py = 0; py < pass.h; py++) {
      const filter = raw[at] as number;
      const row = raw.slice(at + 1, at + 1 + stride);
      at += stride + 1;
      unfilter(filter, row, previous, bytesPerPixel);
      previous = row;
      const y = pass.y0 + py * pass.dy;
      for (let px = 0; px < pass.w; px++) {
        const sample = (channel: number): number => {
          if (depth === 8) return row[px * channels + channel] as number;
          if (depth === 16) {
            const at16 = (px * channels + channel) * 2;
            return Math.floor(((((row[at16] as number) << 8) | (row[at16 + 1] as number)) * 255) / 65535 + 0.5);
          }
          const bit = (px * channels + channel) * depth;
          const value = ((row[bit >> 3] as number) >> (8 - depth - (bit & 7))) & max;
          return colorType === 3 ? value : Math.round((value * 255) / max);
        };
        let r: number;
        let g: number;
        let b: number;
        let alpha = 255;
        if (colorType === 3) {
          const index = sample(0) * 3;
          // `!palette` was refused above (no PLTE); checked again here so the reads below need no assertion.
          if (!palette || index + 2 >= palette.length) throw new PngDecodeError('palette index out of range');
          [r, g, b] = [palette[index] as number, palette[index + 1] as number, palette[index + 2] as number];
        } else if (colorType === 0 || colorType === 4) {
          r = g = b = sample(0);
          if (colorType === 4) alpha = sample(1);
        } else {
          [r, g, b] = [sample(0), sample(1), sample(2)];
          if (colorType === 6) alpha = sample(3);
        }
        const i = (y * width + pass.x0 + px * pass.dx) * 3;
        rgb[i] = (r * alpha + 127) / 255;
        rgb[i + 1] = (g * alpha + 127) / 255;
        rgb[i + 2] = (b * alpha + 127) / 255;
      }
    }
  }
  return { width, height, rgb };
}

function unfilter(filter: number, row: Uint8Array, previous: Uint8Array, bpp: number): void {
  const n = row.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = ((row[i] as number) + (row[i - bpp] as number)) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = ((row[i] as number) + (previous[i] as number)) & 0xff;
      return;
    case 3:
      for (let i = 0; i < n; i++) {
        const left = i >= bpp ? (row[i - bpp] as number) : 0;
        row[i] = ((row[i] as number) + ((left + (previous[i] as number)) >> 1)) & 0xff;
      }
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? (row[i - bpp] as number) : 0;
        const b = previous[i] as number;
        const c = i >= bpp ? (previous[i - bpp] as number) : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        row[i] = ((row[i] as number) + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new PngDecodeError(`unknown row filter ${filter}`);
  }
}
