// Test helpers for the MP4 joiner: an independent reader (mp4box.js), an independent H.264 decoder
// (h264decoder), and a way to give the emulator's silent videos an audio track.

import { H264Decoder } from 'h264decoder';
import { createFile, type Movie, MP4BoxBuffer, type Sample } from 'mp4box';
import { BoxWriter, box, fullBox } from '../../src/media/box-writer.js';

export interface Parsed {
  info: Movie;
  /** Samples per track id, in decode order, with their bytes. */
  samples: Map<number, Sample[]>;
  /** The boxes mp4box found, to look at individual fields. */
  file: ReturnType<typeof createFile>;
}

/** Parses a whole file with mp4box.js and extracts every sample of every track; throws on any parse error. */
export function parseWithMp4box(bytes: Uint8Array): Parsed {
  const file = createFile();
  const samples = new Map<number, Sample[]>();
  let info: Movie | undefined;
  file.onError = (module, message) => {
    throw new Error(`mp4box ${module}: ${message}`);
  };
  file.onReady = (ready) => {
    info = ready;
    for (const track of ready.tracks) {
      samples.set(track.id, []);
      file.setExtractionOptions(track.id, null, { nbSamples: 1e9 });
    }
    file.start();
  };
  file.onSamples = (id, _user, got) => {
    samples.get(id)?.push(...got);
  };
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes.slice().buffer, 0));
  file.flush();
  if (!info) throw new Error('mp4box never became ready');
  return { info, samples, file };
}

/**
 * Decodes every video sample, feeding the decoder the parameter sets of each sample's own description
 * whenever it changes (as a player does at a new stsd entry). Returns each picture's luma plane.
 */
export function decodeFrames(parsed: Parsed): { luma: Uint8Array[]; sizes: string[] } {
  const track = parsed.info.videoTracks[0];
  if (!track) throw new Error('no video track');
  const decoder = new H264Decoder();
  const luma: Uint8Array[] = [];
  const sizes: string[] = [];
  let description = -1;
  for (const sample of parsed.samples.get(track.id) ?? []) {
    if (sample.description_index !== description) {
      description = sample.description_index;
      const avcC = (sample.description as { avcC?: { SPS: { data: Uint8Array }[]; PPS: { data: Uint8Array }[] } }).avcC;
      if (!avcC) throw new Error('sample description without avcC');
      for (const set of [...avcC.SPS, ...avcC.PPS]) decoder.decode(set.data);
    }
    const data = sample.data as Uint8Array;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let at = 0; at < data.length; ) {
      const length = view.getUint32(at);
      if (decoder.decode(data.subarray(at + 4, at + 4 + length)) !== H264Decoder.PIC_RDY) {
        throw new Error(`sample ${sample.number} did not decode to a picture`);
      }
      luma.push(decoder.pic.slice(0, decoder.width * decoder.height));
      sizes.push(`${decoder.width}x${decoder.height}`);
      at += 4 + length;
    }
  }
  return { luma, sizes };
}

function boxesAt(bytes: Uint8Array, start: number, end: number): { type: string; start: number; end: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { type: string; start: number; end: number }[] = [];
  for (let at = start; at < end; ) {
    const size = view.getUint32(at);
    out.push({ type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)), start: at, end: at + size });
    at += size;
  }
  return out;
}

/** The children of a container box's payload, as separate byte arrays. */
function childrenOf(container: Uint8Array): Uint8Array[] {
  return boxesAt(container, 8, container.length).map((b) => container.subarray(b.start, b.end));
}

const typeOf = (b: Uint8Array): string => String.fromCharCode(...b.subarray(4, 8));

/**
 * The emulator's video with B-frame-like timing added to its track: a ctts box (composition offsets,
 * repeating `pattern`) and an edit list starting the presentation at `mediaTime`, as encoders that
 * reorder frames write them. The file is laid out ftyp, mdat, moov (chunk offset moved accordingly).
 */
export function withCompositionOffsets(video: Uint8Array, pattern: number[], mediaTime: number): Uint8Array {
  const top = boxesAt(video, 0, video.length);
  const slice = (type: string) => {
    const found = top.find((b) => b.type === type);
    if (!found) throw new Error(`no ${type}`);
    return video.slice(found.start, found.end);
  };
  const ftyp = slice('ftyp');
  const mdat = slice('mdat');
  const moov = slice('moov');
  const stcoAt = Buffer.from(moov).indexOf('stco');
  new DataView(moov.buffer).setUint32(stcoAt + 12, ftyp.length + 8);
  const sampleCount = new DataView(moov.buffer).getUint32(Buffer.from(moov).indexOf('stsz') + 12);
  const ctts = fullBox('ctts', 0, 0, (w) => {
    w.u32(sampleCount);
    for (let i = 0; i < sampleCount; i++) w.u32(1).u32(pattern[i % pattern.length] as number);
  });
  const mvhd = childrenOf(moov).find((b) => typeOf(b) === 'mvhd') as Uint8Array;
  const trak = childrenOf(moov).find((b) => typeOf(b) === 'trak') as Uint8Array;
  const rebuild = (parent: Uint8Array, path: string[]): Uint8Array => {
    const [next, ...rest] = path;
    const kids = childrenOf(parent).map((child) => (typeOf(child) === next ? rebuild(child, rest) : child));
    if (path.length === 0) kids.push(ctts);
    return box(typeOf(parent), ...kids);
  };
  const mdhd = Buffer.from(trak).indexOf('mdhd');
  const mediaDuration = new DataView(trak.buffer, trak.byteOffset).getUint32(mdhd + 20);
  const timescale = new DataView(trak.buffer, trak.byteOffset).getUint32(mdhd + 16);
  const movieDuration = Math.round((mediaDuration * 1000) / timescale);
  const edts = box(
    'edts',
    fullBox('elst', 0, 0, (w) => w.u32(1).u32(movieDuration).i32(mediaTime).u32(0x10000)),
  );
  const newTrak = rebuild(trak, ['mdia', 'minf', 'stbl']);
  const [tkhd, ...others] = childrenOf(newTrak);
  const withEdits = box('trak', tkhd as Uint8Array, edts, ...others);
  return new BoxWriter()
    .bytes(ftyp)
    .bytes(mdat)
    .bytes(box('moov', mvhd, withEdits))
    .toBytes();
}

export interface FakeAudio {
  /** Samples per second of the audio clock (the mdhd timescale). */
  sampleRate: number;
  /** Ticks per audio sample (1024 for AAC). */
  samplesPerFrame: number;
  /** The bytes of each audio sample (any bytes: nothing decodes them, the joiner must only move them). */
  frames: Uint8Array[];
}

/**
 * The emulator's video (ftyp, moov, mdat with one chunk) remuxed with an 'mp4a' track whose samples
 * are the given bytes: ftyp, mdat (video), mdat (audio), moov, with the video's chunk offset moved.
 */
export function withAudio(video: Uint8Array, audio: FakeAudio): Uint8Array {
  const top = boxesAt(video, 0, video.length);
  const get = (type: string) => {
    const found = top.find((b) => b.type === type);
    if (!found) throw new Error(`no ${type}`);
    return found;
  };
  const ftyp = video.slice(get('ftyp').start, get('ftyp').end);
  const mdat = video.slice(get('mdat').start, get('mdat').end);
  const moov = video.slice(get('moov').start, get('moov').end);
  const videoChunk = ftyp.length + 8;
  const audioChunk = ftyp.length + mdat.length + 8;
  const stcoAt = Buffer.from(moov).indexOf('stco');
  new DataView(moov.buffer).setUint32(stcoAt + 12, videoChunk);

  const payload = new BoxWriter();
  for (const frame of audio.frames) payload.bytes(frame);
  const count = audio.frames.length;
  const duration = count * audio.samplesPerFrame;
  const entry = box(
    'mp4a',
    new BoxWriter()
      .u32(0)
      .u16(0)
      .u16(1) // reserved, data_reference_index
      .u32(0)
      .u32(0) // reserved
      .u16(2)
      .u16(16)
      .u16(0)
      .u16(0) // channels, sample size, pre_defined, reserved
      .u32(audio.sampleRate * 0x10000)
      .toBytes(),
  );
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, (w) => w.u32(1).bytes(entry)),
    fullBox('stts', 0, 0, (w) => w.u32(1).u32(count).u32(audio.samplesPerFrame)),
    fullBox('stsc', 0, 0, (w) => w.u32(1).u32(1).u32(count).u32(1)),
    fullBox('stsz', 0, 0, (w) => {
      w.u32(0).u32(count);
      for (const frame of audio.frames) w.u32(frame.length);
    }),
    fullBox('stco', 0, 0, (w) => w.u32(1).u32(audioChunk)),
  );
  const movieDuration = Math.round((duration * 1000) / audio.sampleRate);
  const trak = box(
    'trak',
    fullBox('tkhd', 0, 3, (w) => {
      w.u32(0).u32(0).u32(2).u32(0).u32(movieDuration).u32(0).u32(0).u16(0).u16(1).u16(0x0100).u16(0);
      for (const v of [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000]) w.u32(v);
      w.u32(0).u32(0);
    }),
    box(
      'mdia',
      fullBox('mdhd', 0, 0, (w) => w.u32(0).u32(0).u32(audio.sampleRate).u32(duration).u16(0x55c4).u16(0)),
      fullBox('hdlr', 0, 0, (w) => w.u32(0).ascii('soun').u32(0).u32(0).u32(0).ascii('SoundHandler').u8(0)),
      box(
        'minf',
        fullBox('smhd', 0, 0, (w) => w.u16(0).u16(0)),
        box(
          'dinf',
          fullBox('dref', 0, 0, (w) => w.u32(1).bytes(fullBox('url ', 0, 1, () => {}))),
        ),
        stbl,
      ),
    ),
  );
  const moovChildren = boxesAt(moov, 8, moov.length).map((b) => moov.subarray(b.start, b.end));
  const newMoov = box('moov', ...moovChildren, trak);
  return new BoxWriter().bytes(ftyp).bytes(mdat).bytes(box('mdat', payload.toBytes())).bytes(newMoov).toBytes();
}
