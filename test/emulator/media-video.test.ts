// renderVideo: the MP4 box structure is checked field by field, and every sample is decoded by an
// independent H.264 decoder (h264decoder: TinyH264 / Android's decoder compiled to WebAssembly).

import { H264Decoder } from 'h264decoder';
import { createFile, type Movie, MP4BoxBuffer } from 'mp4box';
import { describe, expect, it } from 'vitest';
import { renderVideo } from '../../src/emulator/media/index.js';
import { paintPicture } from '../../src/emulator/media/painter.js';

interface Box {
  type: string;
  start: number;
  /** Offset of the payload, after the eight-byte header. */
  body: number;
  end: number;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf']);

/** Every box in the file, depth first, descending into the container boxes this muxer writes. */
function parseBoxes(bytes: Uint8Array, start = 0, end = bytes.length, found: Box[] = []): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let offset = start;
  while (offset < end) {
    const size = view.getUint32(offset);
    const type = new TextDecoder().decode(bytes.subarray(offset + 4, offset + 8));
    expect(size, `size of ${type}`).toBeGreaterThanOrEqual(8);
    expect(offset + size, `end of ${type}`).toBeLessThanOrEqual(end);
    found.push({ type, start: offset, body: offset + 8, end: offset + size });
    if (CONTAINERS.has(type)) parseBoxes(bytes, offset + 8, offset + size, found);
    offset += size;
  }
  return found;
}

function movie(bytes: Uint8Array) {
  const boxes = parseBoxes(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const get = (type: string): Box => {
    const box = boxes.find((b) => b.type === type);
    if (!box) throw new Error(`no ${type} box`);
    return box;
  };
  const u32 = (offset: number): number => view.getUint32(offset);
  const stsz = get('stsz');
  const sampleCount = u32(stsz.body + 8);
  const sampleSizes = Array.from({ length: sampleCount }, (_, i) => u32(stsz.body + 12 + 4 * i));
  const stss = get('stss');
  const keyframes = Array.from({ length: u32(stss.body + 4) }, (_, i) => u32(stss.body + 8 + 4 * i));
  const mdhd = get('mdhd');
  const stts = get('stts');
  // avcC sits inside avc1 inside stsd, which this parser does not descend into: find it by name.
  const stsd = get('stsd');
  const avcCAt = Buffer.from(bytes.subarray(stsd.body, stsd.end)).indexOf('avcC') + stsd.body - 4;
  const spsLength = view.getUint16(avcCAt + 14);
  const sps = bytes.subarray(avcCAt + 16, avcCAt + 16 + spsLength);
  const ppsLength = view.getUint16(avcCAt + 17 + spsLength);
  const pps = bytes.subarray(avcCAt + 19 + spsLength, avcCAt + 19 + spsLength + ppsLength);
  const avc1 = avcCAt - 86; // the visual sample entry: 8-byte header and 78 bytes of fields before avcC
  return {
    topLevel: boxes.filter((b) => b.start === 0 || ['moov', 'mdat'].includes(b.type)).map((b) => b.type),
    brand: new TextDecoder().decode(bytes.subarray(get('ftyp').body, get('ftyp').body + 4)),
    movieDurationMs: u32(get('mvhd').body + 16) / (u32(get('mvhd').body + 12) / 1000),
    timescale: u32(mdhd.body + 12),
    mediaDuration: u32(mdhd.body + 16),
    timeToSample: { entries: u32(stts.body + 4), count: u32(stts.body + 8), delta: u32(stts.body + 12) },
    sampleSizes,
    keyframes,
    chunkOffset: u32(get('stco').body + 8),
    mdat: get('mdat'),
    sampleEntry: {
      type: new TextDecoder().decode(bytes.subarray(avc1 + 4, avc1 + 8)),
      width: view.getUint16(avc1 + 32),
      height: view.getUint16(avc1 + 34),
    },
    avcC: {
      version: bytes[avcCAt + 8],
      profile: bytes[avcCAt + 9],
      lengthSize: ((bytes[avcCAt + 12] as number) & 3) + 1,
    },
    sps,
    pps,
  };
}

/** Decodes every sample; returns the luma plane of each picture (coded size). */
function decodeAll(bytes: Uint8Array): { width: number; height: number; luma: Uint8Array[] } {
  const parsed = movie(bytes);
  const decoder = new H264Decoder();
  decoder.decode(parsed.sps);
  decoder.decode(parsed.pps);
  const luma: Uint8Array[] = [];
  let offset = parsed.chunkOffset;
  for (const size of parsed.sampleSizes) {
    const end = offset + size;
    while (offset < end) {
      const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset);
      const status = decoder.decode(bytes.subarray(offset + 4, offset + 4 + length));
      expect(status).toBe(H264Decoder.PIC_RDY);
      luma.push(decoder.pic.slice(0, decoder.width * decoder.height));
      offset += 4 + length;
    }
  }
  return { width: decoder.width, height: decoder.height, luma };
}

/** BT.601 limited-range luma of the painted scene, computed here independently of the encoder. */
function expectedLuma(prompt: string, seed: number, width: number, height: number, scene: number): number[] {
  const { rgb } = paintPicture({ prompt, seed, width, height, scene });
  return Array.from({ length: width * height }, (_, p) =>
    Math.round(
      16 +
        (65.738 * (rgb[p * 3] as number) + 129.057 * (rgb[p * 3 + 1] as number) + 25.064 * (rgb[p * 3 + 2] as number)) /
          256,
    ),
  );
}

function cropped(luma: Uint8Array, stride: number, width: number, height: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) out.push(...luma.subarray(y * stride, y * stride + width));
  return out;
}

const fox = { prompt: 'a red fox in the snow', seed: 7, frameCount: 3, fps: 24, durationSeconds: 2 };

describe('renderVideo', () => {
  it('writes ftyp, moov and mdat with sample tables that match the frames', () => {
    const bytes = renderVideo(fox);
    const m = movie(bytes);
    expect(m.topLevel).toEqual(['ftyp', 'moov', 'mdat']);
    expect(m.brand).toBe('isom');
    expect(m.movieDurationMs).toBe(2000);
    expect(m.mediaDuration / m.timescale).toBe(2);
    expect(m.timeToSample).toEqual({ entries: 1, count: 48, delta: m.timescale / 24 });
    expect(m.sampleSizes).toHaveLength(48);
    expect(m.keyframes).toEqual([1, 17, 33]); // one IDR per scene
    expect(m.chunkOffset).toBe(m.mdat.body);
    expect(m.sampleSizes.reduce((a, b) => a + b, 0)).toBe(m.mdat.end - m.mdat.body);
    expect(m.sampleEntry).toEqual({ type: 'avc1', width: 128, height: 128 });
    expect(m.avcC).toEqual({ version: 1, profile: 66, lengthSize: 4 });
    expect((m.sps[0] as number) & 0x1f).toBe(7);
    expect((m.pps[0] as number) & 0x1f).toBe(8);
  });

  it('is read by mp4box.js as one avc1 track with the expected codec string, size and duration', () => {
    const bytes = renderVideo({ ...fox, width: 100, height: 50 });
    const file = createFile();
    let info: Movie | undefined;
    file.onReady = (ready) => {
      info = ready;
    };
    file.onError = (module, message) => {
      throw new Error(`${module}: ${message}`);
    };
    file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes.slice().buffer, 0));
    file.flush();
    expect(info).toBeDefined();
    const track = info?.videoTracks[0];
    expect(info?.isFragmented).toBe(false);
    expect(info?.duration).toBe(2000);
    // Constrained baseline; level 1.1: 1.5 keyframes of 7x4 raw macroblocks a second (130 kbit/s) exceed 1.0.
    expect(track?.codec).toBe('avc1.42c00b');
    expect(track?.nb_samples).toBe(48);
    expect(track?.video).toEqual({ width: 100, height: 50 });
    expect((track?.duration ?? 0) / (track?.timescale ?? 1)).toBe(2);
  });

  it('decodes every frame, each scene showing its painted picture exactly in luma', () => {
    const bytes = renderVideo(fox);
    const { width, height, luma } = decodeAll(bytes);
    expect([width, height, luma.length]).toEqual([128, 128, 48]);
    for (const [frame, scene] of [
      [0, 0],
      [16, 1],
      [47, 2],
    ] as const) {
      const expected = expectedLuma(fox.prompt, fox.seed, 128, 128, scene);
      const decoded = Array.from(luma[frame] as Uint8Array);
      expect(decoded.every((value, i) => Math.abs(value - (expected[i] as number)) <= 1)).toBe(true);
    }
    expect(luma[15]).toEqual(luma[0]); // skipped P frames hold the scene
    expect(luma[16]).not.toEqual(luma[15]);
  });

  it('crops sizes that are not whole macroblocks', () => {
    const options = { ...fox, frameCount: 1, durationSeconds: 0.5, width: 100, height: 50 };
    const bytes = renderVideo(options);
    expect(movie(bytes).sampleEntry).toEqual({ type: 'avc1', width: 100, height: 50 });
    const { width, luma } = decodeAll(bytes); // this decoder returns the coded (uncropped) size
    const expected = expectedLuma(fox.prompt, fox.seed, 100, 50, 0);
    const decoded = cropped(luma[0] as Uint8Array, width, 100, 50);
    expect(decoded.every((value, i) => Math.abs(value - (expected[i] as number)) <= 1)).toBe(true);
  });

  it('shows every scene at least once when there are more scenes than the duration holds', () => {
    const bytes = renderVideo({ ...fox, frameCount: 5, fps: 1, durationSeconds: 1, width: 32, height: 32 });
    const m = movie(bytes);
    expect(m.sampleSizes).toHaveLength(5);
    expect(m.keyframes).toEqual([1, 2, 3, 4, 5]);
    expect(decodeAll(bytes).luma).toHaveLength(5);
  });

  it('rejects timing and sizes that are not finite numbers in range', () => {
    expect(() => renderVideo({ ...fox, fps: 0 })).toThrow(RangeError);
    expect(() => renderVideo({ ...fox, frameCount: -1 })).toThrow(RangeError);
    expect(movie(renderVideo({ ...fox, frameCount: 0 })).keyframes).toEqual([1]); // still one picture
    expect(() => renderVideo({ ...fox, durationSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => renderVideo({ ...fox, width: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it('is deterministic and differs between prompts', () => {
    expect(renderVideo(fox)).toEqual(renderVideo(fox));
    expect(renderVideo({ ...fox, prompt: 'a bowl of fruit' })).not.toEqual(renderVideo(fox));
  });
});
