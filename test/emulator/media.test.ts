// Media encoders: every format is decoded by an independent decoder, and renders are deterministic.

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import * as webp from 'webp-wasm';
import { CONTENT_TYPE, renderImage } from '../../src/emulator/media/index.js';
import { paintPicture } from '../../src/emulator/media/painter.js';

const base = { prompt: 'a red fox in the snow', seed: 42, width: 96, height: 64 } as const;

/** Mean absolute difference per channel between two RGBA (or RGB-as-RGBA) buffers. */
function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

function paintedRgba(options: { prompt: string; seed: number; width: number; height: number }): Uint8Array {
  const { rgb } = paintPicture(options);
  const rgba = new Uint8Array((rgb.length / 3) * 4);
  for (let p = 0; p < rgb.length / 3; p++) {
    rgba[p * 4] = rgb[p * 3] as number;
    rgba[p * 4 + 1] = rgb[p * 3 + 1] as number;
    rgba[p * 4 + 2] = rgb[p * 3 + 2] as number;
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

describe('renderImage', () => {
  it('gives byte-identical output for the same inputs in every format', () => {
    for (const format of ['png', 'jpg', 'webp'] as const) {
      expect(renderImage({ ...base, format })).toEqual(renderImage({ ...base, format }));
    }
  });

  it('paints visibly different pictures for different prompts and seeds', () => {
    const fox = paintedRgba(base);
    expect(meanAbsDiff(fox, paintedRgba({ ...base, prompt: 'an astronaut riding a horse' }))).toBeGreaterThan(10);
    expect(meanAbsDiff(fox, paintedRgba({ ...base, seed: 43 }))).toBeGreaterThan(10);
  });

  it('writes a PNG that pngjs decodes to exactly the painted pixels', () => {
    const bytes = renderImage({ ...base, format: 'png' });
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const decoded = PNG.sync.read(Buffer.from(bytes), { checkCRC: true });
    expect([decoded.width, decoded.height]).toEqual([96, 64]);
    expect(new Uint8Array(decoded.data)).toEqual(paintedRgba(base));
  });

  it('writes a baseline JPEG that jpeg-js decodes close to the painted pixels', () => {
    // Limits sit just above libjpeg's own error at quality 90 with 4:2:0 on the same pictures.
    for (const [width, height, maxError] of [
      [96, 64, 4],
      [33, 17, 8],
    ] as const) {
      const options = { ...base, width, height };
      const bytes = renderImage({ ...options, format: 'jpg', quality: 90 });
      expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect([...bytes.subarray(-2)]).toEqual([0xff, 0xd9]);
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      expect(meanAbsDiff(decoded.data, paintedRgba(options))).toBeLessThan(maxError);
    }
  });

  it('makes JPEG files smaller at lower quality', () => {
    const high = renderImage({ ...base, format: 'jpg', quality: 95 });
    const low = renderImage({ ...base, format: 'jpg', quality: 30 });
    expect(low.length).toBeLessThan(high.length);
  });

  it('writes a lossless WebP that libwebp (webp-wasm) decodes to exactly the painted pixels', async () => {
    // Odd sizes, a single pixel and a wide strip exercise the prefix-code and predictor-block edges.
    for (const [width, height] of [
      [96, 64],
      [256, 200],
      [1, 1],
      [17, 33],
      [300, 7],
    ] as const) {
      const options = { ...base, width, height };
      const bytes = renderImage({ ...options, format: 'webp' });
      const text = new TextDecoder().decode(bytes.subarray(0, 16));
      expect(text).toBe(`RIFF${text.slice(4, 8)}WEBPVP8L`);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(bytes.length - 8);
      // webp-wasm reads `buffer.buffer` whole, so hand it an ArrayBuffer of exactly the file.
      const exact = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
      const decoded = await webp.decode(exact);
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      expect(new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length)).toEqual(
        paintedRgba(options),
      );
    }
  });

  it('rejects sizes that are not finite positive numbers', () => {
    expect(() => renderImage({ ...base, width: 0, format: 'png' })).toThrow(RangeError);
    expect(() => renderImage({ ...base, height: Number.NaN, format: 'jpg' })).toThrow(RangeError);
  });

  it('names a content type for every format', () => {
    expect(CONTENT_TYPE).toEqual({ png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', mp4: 'video/mp4' });
  });
});
