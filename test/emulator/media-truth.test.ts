// The emulated media tell the truth about the request: an image shows its prompt as text a machine
// can read back from the decoded pixels, and a video is made from its input images, in order, for
// the duration asked. Everything is decoded by independent decoders (pngjs, h264decoder).

import * as zlib from 'node:zlib';
import { H264Decoder } from 'h264decoder';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as webp from 'webp-wasm';
import type { Emulator } from '../../src/emulator/index.js';
import { captionLayout } from '../../src/emulator/media/caption.js';
import {
  CELL_HEIGHT,
  CELL_WIDTH,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  glyphRows,
  PRINTABLE,
} from '../../src/emulator/media/font.js';
import { renderImage, renderVideo } from '../../src/emulator/media/index.js';
import { decodePng } from '../../src/emulator/media/png-decode.js';
import { api, createFlux, eventually, getPrediction, start } from './helpers.js';

// --- reading text back from pixels ---------------------------------------------------------------

interface Rgb {
  width: number;
  height: number;
  /** Three bytes per pixel. */
  rgb: Uint8Array;
}

function decodePngFile(bytes: Uint8Array): Rgb {
  const png = PNG.sync.read(Buffer.from(bytes));
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let p = 0; p < png.width * png.height; p++) rgb.set(png.data.subarray(p * 4, p * 4 + 3), p * 3);
  return { width: png.width, height: png.height, rgb };
}

/** The 35 font pixels of one character cell, read at the centre of each scaled font pixel: lit = bright. */
function readCell(image: Rgb, left: number, top: number, scale: number): number[] {
  const rows: number[] = [];
  for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
    let bits = 0;
    for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
      const x = left + gx * scale + (scale >> 1);
      const y = top + gy * scale + (scale >> 1);
      const i = (y * image.width + x) * 3;
      // Luma, not each channel: a video's 4:2:0 chroma blurs colour across letter edges, not brightness.
      const luma =
        0.299 * (image.rgb[i] as number) + 0.587 * (image.rgb[i + 1] as number) + 0.114 * (image.rgb[i + 2] as number);
      const lit = luma > 160;
      bits = (bits << 1) | (lit ? 1 : 0);
    }
    rows.push(bits);
  }
  return rows;
}

/** The printable character whose glyph matches the cell exactly, or '\u0000'. */
function recognise(cell: readonly number[]): string {
  for (const char of PRINTABLE) if (glyphRows(char).every((bits, i) => bits === cell[i])) return char;
  return '\u0000';
}

/** OCR of the caption band: `lines` lines of up to `columns` cells (as many as the width holds) from the layout's origin and scale. */
function readText(
  image: Rgb,
  layout: { left: number; top: number; scale: number },
  lines: number,
  columns: number,
): string[] {
  const out: string[] = [];
  for (let line = 0; line < lines; line++) {
    let text = '';
    const fit = Math.floor((image.width - layout.left + layout.scale) / (CELL_WIDTH * layout.scale));
    for (let c = 0; c < Math.min(columns, fit); c++) {
      text += recognise(
        readCell(
          image,
          layout.left + c * CELL_WIDTH * layout.scale,
          layout.top + line * CELL_HEIGHT * layout.scale,
          layout.scale,
        ),
      );
    }
    out.push(text.replace(/\s+$/, ''));
  }
  return out;
}

describe('an image shows its prompt', () => {
  it('as text that reads back from the PNG, prompt then seed, at the default 256 px size', () => {
    const prompt = 'a red sports car on a coastal road at sunset';
    for (const [width, height] of [
      [256, 144],
      [256, 256],
      [144, 256],
    ] as const) {
      const image = decodePngFile(renderImage({ prompt, seed: 42, width, height, format: 'png' }));
      const layout = captionLayout(prompt, 'seed 42', width, height);
      expect(layout, `${width}x${height}`).toBeDefined();
      const { scale } = layout!;
      const columns = Math.floor(width / (CELL_WIDTH * scale));
      const lines = readText(image, layout!, layout!.lines.length, columns);
      // Read from the pixels alone (the layout gives only where the band starts and the letter size):
      expect(lines.slice(0, -1).join(' '), `${width}x${height}`).toBe(prompt);
      expect(lines.at(-1)).toBe('seed 42');
    }
  });

  it('legibly in every output format: JPEG at the default quality 80 (jpeg-js) and WebP (libwebp) read back too', async () => {
    const prompt = 'an owl reading a map, by candlelight';
    for (const [width, height] of [
      [256, 256],
      [256, 145],
    ] as const) {
      const layout = captionLayout(prompt, 'seed 9', width, height)!;
      const toRgb = (rgba: Uint8Array): Rgb => ({
        width,
        height,
        rgb: Uint8Array.from({ length: width * height * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)] as number),
      });
      const jpg = renderImage({ prompt, seed: 9, width, height, format: 'jpg', quality: 80 });
      const fromJpeg = toRgb(jpeg.decode(jpg, { useTArray: true, formatAsRGBA: true }).data);
      const webpBytes = renderImage({ prompt, seed: 9, width, height, format: 'webp' });
      const exact = webpBytes.buffer.slice(
        webpBytes.byteOffset,
        webpBytes.byteOffset + webpBytes.length,
      ) as ArrayBuffer;
      const decodedWebp = await webp.decode(exact);
      const fromWebp = toRgb(
        new Uint8Array(decodedWebp.data.buffer, decodedWebp.data.byteOffset, decodedWebp.data.length),
      );
      for (const [format, image] of [
        ['jpg', fromJpeg],
        ['webp', fromWebp],
      ] as const) {
        const lines = readText(image, layout, layout.lines.length, 64);
        expect(lines.slice(0, -1).join(' '), `${format} ${width}x${height}`).toBe(prompt);
        expect(lines.at(-1), `${format} ${width}x${height}`).toBe('seed 9');
      }
    }
  });

  it('with white letters on a band dark enough to read them (contrast at least 4:1)', () => {
    const width = 256;
    const height = 256;
    const image = decodePngFile(renderImage({ prompt: 'snow on white', seed: 3, width, height, format: 'png' }));
    const layout = captionLayout('snow on white', 'seed 3', width, height)!;
    let lit = 0;
    for (let y = layout.bandTop; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        const [r, g, b] = [image.rgb[i] as number, image.rgb[i + 1] as number, image.rgb[i + 2] as number];
        if (r === 255 && g === 255 && b === 255) lit++;
        else expect(Math.max(r, g, b), `band pixel ${x},${y}`).toBeLessThanOrEqual(64);
      }
    }
    expect(lit).toBeGreaterThan(100);
    expect(layout.scale).toBe(2); // 256 px: every font pixel is 2x2
  });

  it('differs where the text differs, and repeats exactly for the same request', () => {
    const render = (prompt: string) => renderImage({ prompt, seed: 5, width: 256, height: 256, format: 'png' });
    const a = decodePngFile(render('a lighthouse'));
    const b = decodePngFile(render('a windmill'));
    expect(Buffer.from(render('a lighthouse')).equals(Buffer.from(render('a lighthouse')))).toBe(true);
    const la = captionLayout('a lighthouse', 'seed 5', 256, 256)!;
    const lb = captionLayout('a windmill', 'seed 5', 256, 256)!;
    expect(readText(a, la, 1, 20)[0]).toBe('a lighthouse');
    expect(readText(b, lb, 1, 20)[0]).toBe('a windmill');
  });

  it('wraps long prompts and cuts them with "..." rather than covering the picture', () => {
    const prompt = 'word '.repeat(200).trim();
    const layout = captionLayout(prompt, 'seed 1', 256, 256)!;
    expect(layout.scale).toBe(1);
    expect(256 - layout.bandTop).toBeLessThanOrEqual(256 * 0.4);
    const image = decodePngFile(renderImage({ prompt, seed: 1, width: 256, height: 256, format: 'png' }));
    const lines = readText(image, layout, layout.lines.length, 42);
    expect(lines.at(-2)).toMatch(/\.\.\.$/);
    expect(lines.at(-1)).toBe('seed 1');
  });

  it('draws accented letters without their accents and other characters as "?"', () => {
    const layout = captionLayout('café 東京', '', 256, 256)!;
    expect(layout.lines).toEqual(['cafe ??']);
  });
});

// --- videos made from their input images ----------------------------------------------------------

/** Every frame of an MP4 from this emulator, as RGB (BT.601 limited range), via h264decoder. */
function decodeVideo(bytes: Uint8Array): { width: number; height: number; frames: Uint8Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const find = (type: string, from = 0): number => Buffer.from(bytes).indexOf(type, from) - 4;
  const stsz = find('stsz');
  const count = view.getUint32(stsz + 16);
  const sizes = Array.from({ length: count }, (_, i) => view.getUint32(stsz + 20 + 4 * i));
  const chunkOffset = view.getUint32(find('stco') + 16);
  const avcC = find('avcC');
  const spsLength = view.getUint16(avcC + 14);
  const sps = bytes.subarray(avcC + 16, avcC + 16 + spsLength);
  const ppsLength = view.getUint16(avcC + 17 + spsLength);
  const pps = bytes.subarray(avcC + 19 + spsLength, avcC + 19 + spsLength + ppsLength);
  const tkhd = find('tkhd');
  const width = view.getUint32(tkhd + 84) >>> 16;
  const height = view.getUint32(tkhd + 88) >>> 16;
  const decoder = new H264Decoder();
  decoder.decode(sps);
  decoder.decode(pps);
  const frames: Uint8Array[] = [];
  let offset = chunkOffset;
  for (const size of sizes) {
    const length = view.getUint32(offset);
    expect(decoder.decode(bytes.subarray(offset + 4, offset + 4 + length))).toBe(H264Decoder.PIC_RDY);
    offset += size;
    const stride = decoder.width;
    const yPlane = decoder.pic;
    const uPlane = decoder.pic.subarray(stride * decoder.height);
    const vPlane = uPlane.subarray((stride / 2) * (decoder.height / 2));
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const c = 1.164 * ((yPlane[y * stride + x] as number) - 16);
        const u = (uPlane[(y >> 1) * (stride / 2) + (x >> 1)] as number) - 128;
        const v = (vPlane[(y >> 1) * (stride / 2) + (x >> 1)] as number) - 128;
        const i = (y * width + x) * 3;
        rgb[i] = Math.max(0, Math.min(255, c + 1.596 * v));
        rgb[i + 1] = Math.max(0, Math.min(255, c - 0.392 * u - 0.813 * v));
        rgb[i + 2] = Math.max(0, Math.min(255, c + 2.017 * u));
      }
    }
    frames.push(rgb);
  }
  return { width, height, frames };
}

/** A coarse thumbnail (8x8 cells of mean colour) of a picture, for "which image is this frame?". */
function thumbnail(rgb: Uint8Array, width: number, height: number): number[] {
  const cells: number[] = [];
  for (let cy = 0; cy < 8; cy++) {
    for (let cx = 0; cx < 8; cx++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let y = Math.floor((cy * height) / 8); y < Math.floor(((cy + 1) * height) / 8); y++) {
        for (let x = Math.floor((cx * width) / 8); x < Math.floor(((cx + 1) * width) / 8); x++) {
          for (let k = 0; k < 3; k++) sum[k]! += rgb[(y * width + x) * 3 + k] as number;
          n++;
        }
      }
      cells.push(...sum.map((s) => s / n));
    }
  }
  return cells;
}

function distance(a: number[], b: number[]): number {
  return Math.sqrt(a.reduce((sum, v, i) => sum + (v - (b[i] as number)) ** 2, 0) / a.length);
}

/** Which of `candidates` the frame looks like (index), and how close it is. */
function closest(frame: number[], candidates: number[][]): { index: number; distance: number } {
  const distances = candidates.map((c) => distance(frame, c));
  const best = Math.min(...distances);
  return { index: distances.indexOf(best), distance: best };
}

describe('a video is made from its input images', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await start({ seed: 11 });
  });
  afterAll(() => emu.close());

  /** The prediction once it has succeeded; `output` is a list of URLs for images, one URL for a video. */
  async function finished(id: string): Promise<{ status: string; output: unknown }> {
    let prediction: { status: string; output: unknown } = { status: 'not fetched', output: null };
    await eventually(async () => {
      prediction = await getPrediction(emu, id);
      expect(prediction.status).toBe('succeeded');
    });
    return prediction;
  }

  async function download(url: string): Promise<Uint8Array> {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return new Uint8Array(await response.arrayBuffer());
  }

  it('shows each image for its share of the duration, in order: output URLs, a data: URL and an upload', async () => {
    const images = await finished(
      (
        await createFlux(emu, {
          prompt: 'three distinct frames',
          num_outputs: 2,
          aspect_ratio: '16:9',
          output_format: 'png',
          seed: 4,
        })
      ).id,
    );
    const [first, second] = images.output as [string, string];
    const pngs = [await download(first), await download(second)];
    // A third image the emulator never made, as a data: URL, and a fourth uploaded through the Files API.
    const third = renderImage({ prompt: 'a foreign picture', seed: 99, width: 200, height: 100, format: 'png' });
    const fourth = renderImage({ prompt: 'an uploaded picture', seed: 123, width: 256, height: 144, format: 'png' });
    const form = new FormData();
    form.set('content', new Blob([Buffer.from(fourth)], { type: 'image/png' }), 'fourth.png');
    const upload = (await (await api(emu, '/files', { method: 'POST', body: form })).json()) as {
      urls: { get: string };
    };

    const fps = 8;
    const duration = 4;
    const created = await api(emu, '/models/fofr/skyreels-2/predictions', {
      json: {
        input: {
          images: [first, second, `data:image/png;base64,${Buffer.from(third).toString('base64')}`, upload.urls.get],
          fps,
          duration,
        },
      },
    });
    expect(created.status).toBe(201);
    const video = await finished(((await created.json()) as { id: string }).id);
    const { width, height, frames } = decodeVideo(await download(video.output as string));
    expect(frames).toHaveLength(fps * duration);
    // The first image's size (rounded up to even for H.264's 4:2:0), so its caption stays legible.
    const firstImage = decodePngFile(pngs[0]!);
    expect([width, height]).toEqual([firstImage.width, Math.ceil(firstImage.height / 2) * 2]);

    // What each input looks like at the video's size (letterboxed like the encoder does it).
    const inputs = [decodePngFile(pngs[0]!), decodePngFile(pngs[1]!), decodePngFile(third), decodePngFile(fourth)].map(
      (image) => thumbnail(letterbox(image, width, height), width, height),
    );
    const shown = frames.map((frame) => closest(thumbnail(frame, width, height), inputs));
    // 32 frames, 4 images: frames 0-7 show image 1, 8-15 image 2, 16-23 image 3, 24-31 image 4.
    expect(shown.map((s) => s.index)).toEqual(Array.from({ length: 32 }, (_, f) => Math.floor(f / 8)));
    for (const s of shown) expect(s.distance).toBeLessThan(6); // within coding error, far from the others
    // And the first image's caption reads back from the first frame of the video.
    const firstFrame = { width, height, rgb: frames[0]! };
    // (The image sits at the top of the video: one row of padding goes below it.)
    const layout = captionLayout('three distinct frames', 'seed 4', firstImage.width, firstImage.height)!;
    expect(readText(firstFrame, layout, 2, 40)).toEqual(['three distinct frames', 'seed 4']);
  });

  it('says so, on a grey frame, for an image it cannot show (another host is never fetched)', async () => {
    const created = await api(emu, '/models/fofr/skyreels-2/predictions', {
      json: { input: { images: ['https://example.com/cat.png'], fps: 8, duration: 1 } },
    });
    const video = await finished(((await created.json()) as { id: string }).id);
    const { width, height, frames } = decodeVideo(await download(video.output as string));
    expect(frames).toHaveLength(8);
    const layout = captionLayout('frame 1: example.com not fetched (the emulator stays offline)', '', width, height)!;
    const lines = readText({ width, height, rgb: frames[0]! }, layout, layout.lines.length, 42);
    expect(lines.join(' ')).toBe('frame 1: example.com not fetched (the emulator stays offline)');
  });

  it('shows a JPEG it served, passed back as a data: URL, as its picture (re-painted, not decoded)', async () => {
    const images = await finished(
      (await createFlux(emu, { prompt: 'a jpeg round trip', output_format: 'jpg', seed: 21 })).id,
    );
    const jpeg = await download((images.output as string[])[0] as string);
    const created = await api(emu, '/models/fofr/skyreels-2/predictions', {
      json: {
        input: { images: [`data:image/jpeg;base64,${Buffer.from(jpeg).toString('base64')}`], fps: 8, duration: 1 },
      },
    });
    const video = await finished(((await created.json()) as { id: string }).id);
    const { width, height, frames } = decodeVideo(await download(video.output as string));
    const painted = decodePngFile(renderImage({ prompt: 'a jpeg round trip', seed: 21, width, height, format: 'png' }));
    expect(distance(thumbnail(frames[0]!, width, height), thumbnail(painted.rgb, width, height))).toBeLessThan(6);
    const layout = captionLayout('a jpeg round trip', 'seed 21', width, height)!;
    expect(readText({ width, height, rgb: frames[0]! }, layout, 2, 40)).toEqual(['a jpeg round trip', 'seed 21']);
  });

  it('frames-to-video shows its frames_urls in order, one per 1/fps', async () => {
    const images = await finished(
      (await createFlux(emu, { prompt: 'stills', num_outputs: 3, output_format: 'png', seed: 8 })).id,
    );
    const urls = images.output as string[];
    const created = await api(emu, '/models/fofr/frames-to-video/predictions', {
      json: { input: { frames_urls: urls.join('\n'), fps: 2 } },
    });
    const video = await finished(((await created.json()) as { id: string }).id);
    const { width, height, frames } = decodeVideo(await download(video.output as string));
    expect(frames).toHaveLength(3);
    const inputs = await Promise.all(
      urls.map(async (url) => thumbnail(decodePngFile(await download(url)).rgb, width, height)),
    );
    expect(frames.map((frame) => closest(thumbnail(frame, width, height), inputs).index)).toEqual([0, 1, 2]);
  });
});

/** The picture fitted into width x height, centred on black: an independent nearest-area version of the encoder's fit. */
function letterbox(image: Rgb, width: number, height: number): Uint8Array {
  const scale = Math.min(width / image.width, height / image.height);
  const w = Math.round(image.width * scale);
  const h = Math.round(image.height * scale);
  const left = Math.floor((width - w) / 2);
  const top = Math.floor((height - h) / 2);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = Math.min(image.width - 1, Math.floor((x + 0.5) / scale));
      const sy = Math.min(image.height - 1, Math.floor((y + 0.5) / scale));
      out.set(
        image.rgb.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3),
        ((top + y) * width + left + x) * 3,
      );
    }
  }
  return out;
}

describe('renderVideo from pictures', () => {
  it('keeps the duration asked for and makes many pictures smaller rather than a huge file', () => {
    const picture = (shade: number) => ({ width: 256, height: 256, rgb: new Uint8Array(256 * 256 * 3).fill(shade) });
    // 300 keyframes at 256x256 would be 28 MiB: over the 24 MiB budget.
    const pictures = Array.from({ length: 300 }, (_, i) => picture(i % 256));
    const bytes = renderVideo({ prompt: 'p', seed: 1, frameCount: 300, fps: 24, durationSeconds: 12.5, pictures });
    expect(bytes.length).toBeLessThan(25 * 1024 * 1024);
    const { width, frames } = decodeVideo(bytes);
    expect(frames).toHaveLength(300);
    expect(width).toBeLessThan(256);
    // Each frame is its own picture, in order: the grey level of frame i is picture i's.
    for (const i of [0, 1, 100, 299]) expect(Math.abs((frames[i]![0] as number) - (i % 256))).toBeLessThanOrEqual(3);
  });

  it('holds each picture for its share when there are fewer pictures than frames', () => {
    const picture = (shade: number) => ({ width: 64, height: 32, rgb: new Uint8Array(64 * 32 * 3).fill(shade) });
    const bytes = renderVideo({
      prompt: 'p',
      seed: 1,
      frameCount: 3,
      fps: 10,
      durationSeconds: 3,
      pictures: [picture(30), picture(130), picture(230)],
    });
    const { width, height, frames } = decodeVideo(bytes);
    expect([width, height, frames.length]).toEqual([64, 32, 30]);
    const shades = frames.map((f) => Math.round((f[0] as number) / 100));
    expect(shades).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)]);
  });
});

// --- the PNG decoder behind data: URLs and uploads, against pngjs as the reference ---------------

describe('decodePng (input frames)', () => {
  /** RGB over black from pngjs's RGBA: what our decoder returns. */
  function reference(png: Uint8Array): Uint8Array {
    const decoded = PNG.sync.read(Buffer.from(png));
    const rgb = new Uint8Array(decoded.width * decoded.height * 3);
    for (let p = 0; p < decoded.width * decoded.height; p++) {
      const alpha = decoded.data[p * 4 + 3] as number;
      for (let k = 0; k < 3; k++)
        rgb[p * 3 + k] = Math.floor(((decoded.data[p * 4 + k] as number) * alpha + 127) / 255);
    }
    return rgb;
  }

  function noise(length: number, seed: number): Uint8Array {
    let state = seed;
    return Uint8Array.from({ length }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 24;
    });
  }

  /** A PNG by hand: any colour type and depth, optionally Adam7, every row with filter None. */
  function handMadePng(options: {
    width: number;
    height: number;
    colorType: number;
    depth: number;
    interlace?: boolean;
    palette?: Uint8Array;
  }): Uint8Array {
    const { width, height, colorType, depth } = options;
    const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType] as number;
    const rowBytes = (w: number) => Math.ceil((w * channels * depth) / 8);
    const passes = options.interlace
      ? [
          [0, 0, 8, 8],
          [4, 0, 8, 8],
          [0, 4, 4, 8],
          [2, 0, 4, 4],
          [0, 2, 2, 4],
          [1, 0, 2, 2],
          [0, 1, 1, 2],
        ].map(([x0, y0, dx, dy]) => [Math.ceil((width - x0!) / dx!), Math.ceil((height - y0!) / dy!)] as const)
      : [[width, height] as const];
    const raw: number[] = [];
    let seed = 1;
    for (const [w, h] of passes) {
      if (w <= 0 || h <= 0) continue;
      for (let y = 0; y < h; y++) {
        raw.push(0);
        const row = noise(rowBytes(w), seed++);
        if (colorType === 3)
          for (let i = 0; i < row.length; i++) row[i] = (row[i] as number) & (depth === 8 ? 3 : 0xff);
        raw.push(...row);
      }
    }
    const chunk = (type: string, data: Uint8Array): Buffer => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length);
      head.write(type, 4, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])));
      return Buffer.concat([head, data, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr.set([depth, colorType, 0, 0, options.interlace ? 1 : 0], 8);
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      ...(options.palette ? [chunk('PLTE', options.palette)] : []),
      chunk('IDAT', zlib.deflateSync(Uint8Array.from(raw))),
      chunk('IEND', new Uint8Array(0)),
    ]);
  }

  it.each([0, 2, 4, 6])('reads colour type %i at depth 8 with every row filter, as pngjs does', (colorType) => {
    const png = new PNG({ width: 37, height: 23, colorType: colorType as 0 | 2 | 4 | 6, inputHasAlpha: true });
    png.data.set(noise(37 * 23 * 4, colorType + 7));
    const bytes = new Uint8Array(PNG.sync.write(png, { colorType: colorType as 0 | 2 | 4 | 6, filterType: -1 }));
    expect(Buffer.from(decodePng(bytes).rgb).equals(Buffer.from(reference(bytes)))).toBe(true);
  });

  it.each([
    { colorType: 0, depth: 1 },
    { colorType: 0, depth: 4 },
    { colorType: 0, depth: 16 },
    { colorType: 2, depth: 16 },
    { colorType: 6, depth: 16 },
    { colorType: 3, depth: 2, palette: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 250, 250, 250]) },
    { colorType: 2, depth: 8, interlace: true },
    { colorType: 3, depth: 4, interlace: true, palette: noise(48, 3) },
  ])('reads %o as pngjs does', (options) => {
    const bytes = handMadePng({ width: 19, height: 11, ...options });
    expect(Buffer.from(decodePng(bytes).rgb).equals(Buffer.from(reference(bytes)))).toBe(true);
  });

  it('refuses what is not a PNG, a truncated one, and one too large to hold, with a stable code', () => {
    const good = renderImage({ prompt: 'x', seed: 1, width: 16, height: 16, format: 'png' });
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'png_decode_failed' }));
    expect(() => decodePng(good.subarray(0, good.length - 40))).toThrow(/cut short|inflate/);
    const huge = Buffer.from(good);
    huge.writeUInt32BE(100_000, 16); // IHDR width
    huge.writeUInt32BE(100_000, 20); // IHDR height
    expect(() => decodePng(huge)).toThrow(/outside/);
  });
});
