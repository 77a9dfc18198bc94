// Reading a progressive MP4's movie: the movie clock, and for each track its header fields, its
// sample descriptions and its sample tables expanded to one entry per sample, with every chunk's
// place in the file checked. This is what the joiner needs to append files without re-encoding.

import { type Box, BoxReader, Mp4FormatError, printableType } from './box-reader.js';

/** One edit (elst entry): `mediaTime` -1 is an empty edit (a pause). */
export interface Edit {
  /** In the movie timescale. */
  duration: number;
  /** In the media timescale; -1 for an empty edit. */
  mediaTime: number;
  /** media_rate as the raw 32-bit 16.16 value (0x10000 = normal speed). */
  rate: number;
}

/** A run of samples stored next to each other in the file. */
export interface Chunk {
  offset: number;
  firstSample: number;
  sampleCount: number;
  /** Size in bytes of all its samples together. */
  size: number;
  /** 1-based index into the track's sample descriptions. */
  descriptionIndex: number;
}

export interface Mp4Track {
  /** hdlr handler_type: 'vide', 'soun', ... */
  handler: string;
  /** tkhd flags and the tkhd fields after the duration (layer, volume, matrix, width, height): kept as they are. */
  tkhdFlags: number;
  tkhdTail: Uint8Array;
  tkhdCreation: number;
  tkhdModification: number;
  timescale: number;
  /** mdhd language code (packed ISO-639-2). */
  language: number;
  /** The whole hdlr box and the media header box (vmhd, smhd, ...), copied into the joined file. */
  hdlrBox: Uint8Array;
  mediaHeaderBox: Uint8Array | null;
  /** Each sample entry box of stsd (avc1 with its avcC, mp4a with its esds, ...), whole. */
  sampleEntries: Uint8Array[];
  /** The elst entries, or null when the track has no edit list. */
  edits: Edit[] | null;
  sizes: number[];
  durations: number[];
  /** ctts offsets per sample, or null when the track has none. */
  compositionOffsets: number[] | null;
  /** Sync (key) samples, or null when every sample is one (no stss). */
  sync: boolean[] | null;
  chunks: Chunk[];
}

export interface Mp4Movie {
  ftypBox: Uint8Array | null;
  /** mvhd timescale and fields after the duration (rate, volume, matrix, ...; next_track_ID is rewritten). */
  timescale: number;
  mvhdTail: Uint8Array;
  creation: number;
  modification: number;
  tracks: Mp4Track[];
}

/** Version-dependent fields: 32-bit for version 0, 64-bit for version 1. */
function uintV(reader: BoxReader, version: number, offset: number, limit: number): number {
  return version === 1 ? reader.u64(offset, limit) : reader.u32(offset, limit);
}

/** Entry count of a table box, refused when the table would not fit in the box (hostile counts). */
function tableCount(reader: BoxReader, table: Box, countAt: number, entrySize: number, name: string): number {
  const count = reader.u32(countAt, table.end);
  if (count * entrySize > table.end - (countAt + 4)) {
    throw new Mp4FormatError(`'${name}' claims ${count} entries but its box holds fewer`);
  }
  return count;
}

/** Reads the top level and the movie of a progressive MP4; throws Mp4FormatError for anything else. */
export function readMovie(bytes: Uint8Array): Mp4Movie {
  const reader = new BoxReader(bytes);
  if (bytes.length < 8) throw new Mp4FormatError(`it is ${bytes.length} bytes long, too short for an MP4`);
  let top: Box[];
  try {
    top = reader.children(0, bytes.length);
  } catch (error) {
    const damaged = bytes.length >= 8 && reader.fourcc(4) === 'ftyp';
    const what = damaged ? 'it is a damaged or truncated MP4' : 'it is not an MP4 file';
    throw new Mp4FormatError(`${what} (${(error as Error).message})`);
  }
  const types = top.map((b) => b.type);
  if (types.includes('moof') || types.includes('sidx') || types.includes('styp')) {
    throw new Mp4FormatError('it is a fragmented MP4 (moof boxes); only progressive MP4s can be joined');
  }
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) {
    const shown = types.slice(0, 4).map(printableType).join(', ');
    throw new Mp4FormatError(`it is not an MP4 file (no 'moov' box; top-level boxes: ${shown || 'none'})`);
  }
  const moovChildren = reader.childrenOf(moov);
  if (moovChildren.some((b) => b.type === 'mvex')) {
    throw new Mp4FormatError("it is a fragmented MP4 ('mvex' in moov); only progressive MP4s can be joined");
  }
  const mvhd = moovChildren.find((b) => b.type === 'mvhd');
  if (!mvhd) throw new Mp4FormatError("moov has no 'mvhd' box");
  const version = reader.u8(mvhd.body, mvhd.end);
  const fieldSize = version === 1 ? 8 : 4;
  const at = mvhd.body + 4;
  const timescale = reader.u32(at + 2 * fieldSize, mvhd.end);
  if (timescale === 0) throw new Mp4FormatError('mvhd timescale is 0');
  const tailStart = at + 3 * fieldSize + 4;
  if (mvhd.end - tailStart < 80) throw new Mp4FormatError('mvhd is too short');
  const ftyp = top.find((b) => b.type === 'ftyp');
  return {
    ftypBox: ftyp ? bytes.slice(ftyp.start, ftyp.end) : null,
    timescale,
    creation: uintV(reader, version, at, mvhd.end),
    modification: uintV(reader, version, at + fieldSize, mvhd.end),
    mvhdTail: bytes.slice(tailStart, tailStart + 80),
    tracks: moovChildren.filter((b) => b.type === 'trak').map((trak) => readTrack(reader, trak)),
  };
}

function readTrack(reader: BoxReader, trak: Box): Mp4Track {
  const bytes = reader.bytes;
  const tkhd = reader.need(trak, 'tkhd', 'trak');
  const mdia = reader.need(trak, 'mdia', 'trak');
  const mdhd = reader.need(mdia, 'mdhd', 'mdia');
  const hdlr = reader.need(mdia, 'hdlr', 'mdia');
  const minf = reader.need(mdia, 'minf', 'mdia');
  const stbl = reader.need(minf, 'stbl', 'minf');

  const tkhdVersion = reader.u8(tkhd.body, tkhd.end);
  const tkhdField = tkhdVersion === 1 ? 8 : 4;
  const tkhdTailStart = tkhd.body + 4 + 3 * tkhdField + 4 + 4; // times, track_ID, reserved, duration
  if (tkhd.end - tkhdTailStart < 60) throw new Mp4FormatError('tkhd is too short');

  const mdhdVersion = reader.u8(mdhd.body, mdhd.end);
  const mdhdField = mdhdVersion === 1 ? 8 : 4;
  const timescale = reader.u32(mdhd.body + 4 + 2 * mdhdField, mdhd.end);
  if (timescale === 0) throw new Mp4FormatError('mdhd timescale is 0');
  const language = reader.u16(mdhd.body + 4 + 3 * mdhdField + 4, mdhd.end);

  checkSelfContained(reader, minf);
  const mediaHeader = reader.childrenOf(minf).find((b) => /^(vmhd|smhd|sthd|nmhd|hmhd)$/.test(b.type));
  const tables = readSampleTables(reader, stbl);
  return {
    handler: reader.fourcc(hdlr.body + 8, hdlr.end),
    tkhdFlags: reader.u32(tkhd.body, tkhd.end) & 0xffffff,
    tkhdTail: bytes.slice(tkhdTailStart, tkhdTailStart + 60),
    tkhdCreation: uintV(reader, tkhdVersion, tkhd.body + 4, tkhd.end),
    tkhdModification: uintV(reader, tkhdVersion, tkhd.body + 4 + tkhdField, tkhd.end),
    timescale,
    language,
    hdlrBox: bytes.slice(hdlr.start, hdlr.end),
    mediaHeaderBox: mediaHeader ? bytes.slice(mediaHeader.start, mediaHeader.end) : null,
    edits: readEdits(reader, trak),
    ...tables,
  };
}

/** Samples stored in another file (a dref entry without the self-contained flag) cannot be copied. */
function checkSelfContained(reader: BoxReader, minf: Box): void {
  const dinf = reader.find(minf, 'dinf');
  const dref = dinf && reader.find(dinf, 'dref');
  if (!dref) return;
  for (const entry of reader.children(dref.body + 8, dref.end)) {
    if ((reader.u32(entry.body, entry.end) & 1) === 0) {
      throw new Mp4FormatError('its samples are stored in another file (an external data reference)');
    }
  }
}

function readEdits(reader: BoxReader, trak: Box): Edit[] | null {
  const edts = reader.find(trak, 'edts');
  const elst = edts && reader.find(edts, 'elst');
  if (!elst) return null;
  const version = reader.u8(elst.body, elst.end);
  const entrySize = version === 1 ? 20 : 12;
  const count = tableCount(reader, elst, elst.body + 4, entrySize, 'elst');
  const edits: Edit[] = [];
  for (let i = 0, at = elst.body + 8; i < count; i++, at += entrySize) {
    if (version === 1) {
      const time = new DataView(reader.bytes.buffer, reader.bytes.byteOffset).getBigInt64(at + 8);
      edits.push({ duration: reader.u64(at, elst.end), mediaTime: Number(time), rate: reader.u32(at + 16, elst.end) });
    } else {
      edits.push({
        duration: reader.u32(at, elst.end),
        mediaTime: reader.i32(at + 4, elst.end),
        rate: reader.u32(at + 8, elst.end),
      });
    }
  }
  return edits;
}

type SampleTables = Pick<Mp4Track, 'sampleEntries' | 'sizes' | 'durations' | 'compositionOffsets' | 'sync' | 'chunks'>;

function readSampleTables(reader: BoxReader, stbl: Box): SampleTables {
  const bytes = reader.bytes;
  const children = reader.childrenOf(stbl);
  const get = (type: string): Box | undefined => children.find((b) => b.type === type);
  const need = (type: string): Box => {
    const found = get(type);
    if (!found) throw new Mp4FormatError(`stbl has no '${type}' box`);
    return found;
  };

  const stsd = need('stsd');
  const sampleEntries = reader.children(stsd.body + 8, stsd.end).map((entry) => bytes.slice(entry.start, entry.end));
  if (sampleEntries.length === 0) throw new Mp4FormatError('stsd has no sample description');

  // Sample sizes: one constant, or a table. A constant lets a tiny box claim billions of samples, so the
  // count is bounded by what the file could hold before anything is expanded.
  if (get('stz2')) throw new Mp4FormatError("compact sample sizes ('stz2') are not supported");
  const stsz = need('stsz');
  const constantSize = reader.u32(stsz.body + 4, stsz.end);
  let sizes: number[];
  if (constantSize === 0) {
    const count = tableCount(reader, stsz, stsz.body + 8, 4, 'stsz');
    sizes = Array.from({ length: count }, (_, i) => reader.u32(stsz.body + 12 + 4 * i, stsz.end));
  } else {
    const count = reader.u32(stsz.body + 8, stsz.end);
    if (count * constantSize > bytes.length)
      throw new Mp4FormatError('stsz claims more sample bytes than the file holds');
    sizes = new Array<number>(count).fill(constantSize);
  }
  const sampleCount = sizes.length;
  // Samples do not overlap in a file, so together they cannot be larger than it: this bounds the joined
  // file by the inputs however the tables are damaged.
  if (sizes.reduce((n, size) => n + size, 0) > bytes.length) {
    throw new Mp4FormatError('stsz claims more sample bytes than the file holds');
  }

  const durations = expandRuns(reader, need('stts'), sampleCount, 'stts', (at, limit) => reader.u32(at, limit));
  const ctts = get('ctts');
  const compositionOffsets = ctts
    ? expandRuns(reader, ctts, sampleCount, 'ctts', (at, limit) => reader.i32(at, limit))
    : null;

  const stss = get('stss');
  let sync: boolean[] | null = null;
  if (stss) {
    sync = new Array<boolean>(sampleCount).fill(false);
    const count = tableCount(reader, stss, stss.body + 4, 4, 'stss');
    for (let i = 0; i < count; i++) {
      const number = reader.u32(stss.body + 8 + 4 * i, stss.end);
      if (number < 1 || number > sampleCount) throw new Mp4FormatError(`stss names sample ${number} of ${sampleCount}`);
      sync[number - 1] = true;
    }
  }

  const chunkOffsets = readChunkOffsets(reader, get('stco'), get('co64'));
  const chunks = layChunks(reader, need('stsc'), chunkOffsets, sizes, sampleEntries.length);
  return { sampleEntries, sizes, durations, compositionOffsets, sync, chunks };
}

/** Expands a (count, value) run table (stts, ctts) to one value per sample; the counts must add up. */
function expandRuns(
  reader: BoxReader,
  table: Box,
  sampleCount: number,
  name: string,
  value: (at: number, limit: number) => number,
): number[] {
  const entries = tableCount(reader, table, table.body + 4, 8, name);
  const out: number[] = [];
  for (let i = 0, at = table.body + 8; i < entries; i++, at += 8) {
    const count = reader.u32(at, table.end);
    if (out.length + count > sampleCount)
      throw new Mp4FormatError(`'${name}' covers more than the ${sampleCount} samples`);
    const v = value(at + 4, table.end);
    for (let k = 0; k < count; k++) out.push(v);
  }
  if (out.length !== sampleCount) throw new Mp4FormatError(`'${name}' covers ${out.length} of ${sampleCount} samples`);
  return out;
}

function readChunkOffsets(reader: BoxReader, stco: Box | undefined, co64: Box | undefined): number[] {
  if (co64) {
    const count = tableCount(reader, co64, co64.body + 4, 8, 'co64');
    return Array.from({ length: count }, (_, i) => reader.u64(co64.body + 8 + 8 * i, co64.end));
  }
  if (!stco) throw new Mp4FormatError("stbl has neither 'stco' nor 'co64'");
  const count = tableCount(reader, stco, stco.body + 4, 4, 'stco');
  return Array.from({ length: count }, (_, i) => reader.u32(stco.body + 8 + 4 * i, stco.end));
}

/** Applies stsc to the chunk offsets: which samples, how many bytes and which description each chunk holds. */
function layChunks(
  reader: BoxReader,
  stsc: Box,
  offsets: number[],
  sizes: number[],
  descriptionCount: number,
): Chunk[] {
  const entries = tableCount(reader, stsc, stsc.body + 4, 12, 'stsc');
  const runs = Array.from({ length: entries }, (_, i) => {
    const at = stsc.body + 8 + 12 * i;
    return {
      firstChunk: reader.u32(at, stsc.end),
      samplesPerChunk: reader.u32(at + 4, stsc.end),
      descriptionIndex: reader.u32(at + 8, stsc.end),
    };
  });
  const chunks: Chunk[] = [];
  let sample = 0;
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r] as (typeof runs)[number];
    const nextFirst = r + 1 < runs.length ? (runs[r + 1] as (typeof runs)[number]).firstChunk : offsets.length + 1;
    if (
      run.firstChunk < 1 ||
      run.firstChunk > offsets.length ||
      nextFirst <= run.firstChunk ||
      nextFirst > offsets.length + 1
    ) {
      throw new Mp4FormatError('stsc chunk numbers are out of order or out of range');
    }
    if (run.descriptionIndex < 1 || run.descriptionIndex > descriptionCount) {
      throw new Mp4FormatError(`stsc names sample description ${run.descriptionIndex} of ${descriptionCount}`);
    }
    for (let chunk = run.firstChunk; chunk < nextFirst; chunk++) {
      if (sample + run.samplesPerChunk > sizes.length)
        throw new Mp4FormatError('stsc places more samples than stsz has');
      const offset = offsets[chunk - 1] as number;
      let size = 0;
      for (let s = sample; s < sample + run.samplesPerChunk; s++) size += sizes[s] as number;
      if (offset + size > reader.bytes.length) {
        throw new Mp4FormatError(`chunk ${chunk} (bytes ${offset}..${offset + size}) lies past the end of the file`);
      }
      chunks.push({
        offset,
        firstSample: sample,
        sampleCount: run.samplesPerChunk,
        size,
        descriptionIndex: run.descriptionIndex,
      });
      sample += run.samplesPerChunk;
    }
  }
  if (sample !== sizes.length) throw new Mp4FormatError(`the chunks hold ${sample} of the ${sizes.length} samples`);
  return chunks;
}
