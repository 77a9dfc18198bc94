// ISO BMFF (MP4) muxer for one H.264 video track: ftyp, moov (sample tables in one chunk), mdat.
// moov comes before mdat so players can start before the whole file has arrived ("fast start").

import { ByteWriter } from './bytes.js';

export interface Mp4VideoTrack {
  width: number;
  height: number;
  /** Ticks per second of the track's clock; every sample lasts `sampleDuration` ticks. */
  timescale: number;
  sampleDuration: number;
  /** avcC fields and the parameter sets (NAL units without start codes). */
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  sps: Uint8Array;
  pps: Uint8Array;
  /** One entry per frame: its NAL units, and whether it is a sync sample (IDR). */
  samples: { nalUnits: Uint8Array[]; keyframe: boolean }[];
}

const MOVIE_TIMESCALE = 1000;
/** The identity transform of tkhd/mvhd, in 16.16 and 2.30 fixed point. */
const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];

function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((n, part) => n + part.length, 0);
  const out = new ByteWriter(size);
  out.u32be(size).ascii(type);
  for (const part of parts) out.bytes(part);
  return out.toBytes();
}

function fullBox(type: string, version: number, flags: number, body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(version)
    .u8(flags >>> 16)
    .u16be(flags & 0xffff);
  body(w);
  return box(type, w.toBytes());
}

function fields(body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(64);
  body(w);
  return w.toBytes();
}

function avcC(track: Mp4VideoTrack): Uint8Array {
  return box(
    'avcC',
    fields((w) => {
      w.u8(1).u8(track.profileIdc).u8(track.constraintFlags).u8(track.levelIdc);
      w.u8(0xff); // six reserved bits, lengthSizeMinusOne = 3: four-byte NAL lengths
      w.u8(0xe1).u16be(track.sps.length).bytes(track.sps); // three reserved bits, one SPS
      w.u8(1).u16be(track.pps.length).bytes(track.pps);
    }),
  );
}

function sampleEntry(track: Mp4VideoTrack): Uint8Array {
  return box(
    'avc1',
    fields((w) => {
      w.u32be(0).u16be(0).u16be(1); // reserved, data_reference_index
      w.u16be(0).u16be(0).u32be(0).u32be(0).u32be(0); // pre_defined, reserved, pre_defined
      w.u16be(track.width).u16be(track.height);
      w.u32be(0x00480000).u32be(0x00480000).u32be(0); // 72 dpi, reserved
      w.u16be(1); // frame_count
      w.bytes(new Uint8Array(32)); // compressorname (empty Pascal string)
      w.u16be(0x0018).u16be(0xffff); // depth, pre_defined = -1
    }),
    avcC(track),
  );
}

function moov(track: Mp4VideoTrack, sampleSizes: number[], mdatPayloadOffset: number): Uint8Array {
  const sampleCount = track.samples.length;
  const mediaDuration = sampleCount * track.sampleDuration;
  const movieDuration = Math.round((mediaDuration * MOVIE_TIMESCALE) / track.timescale);
  const matrix = (w: ByteWriter): void => {
    for (const value of UNITY_MATRIX) w.u32be(value);
  };
  const mvhd = fullBox('mvhd', 0, 0, (w) => {
    w.u32be(0).u32be(0).u32be(MOVIE_TIMESCALE).u32be(movieDuration); // creation/modification time 0: deterministic
    w.u32be(0x00010000).u16be(0x0100).u16be(0).u32be(0).u32be(0); // rate 1.0, volume 1.0, reserved
    matrix(w);
    for (let i = 0; i < 6; i++) w.u32be(0); // pre_defined
    w.u32be(2); // next_track_ID
  });
  const tkhd = fullBox('tkhd', 0, 0x000003, (w) => {
    // flags: enabled, in movie
    w.u32be(0).u32be(0).u32be(1).u32be(0).u32be(movieDuration); // times, track_ID 1, reserved, duration
    w.u32be(0).u32be(0).u16be(0).u16be(0).u16be(0).u16be(0); // reserved, layer, alternate_group, volume, reserved
    matrix(w);
    w.u32be(track.width * 0x10000).u32be(track.height * 0x10000);
  });
  const mdhd = fullBox('mdhd', 0, 0, (w) => {
    w.u32be(0).u32be(0).u32be(track.timescale).u32be(mediaDuration);
    w.u16be(0x55c4).u16be(0); // language 'und', pre_defined
  });
  const hdlr = fullBox('hdlr', 0, 0, (w) => {
    w.u32be(0).ascii('vide').u32be(0).u32be(0).u32be(0).ascii('VideoHandler').u8(0);
  });
  const vmhd = fullBox('vmhd', 0, 1, (w) => {
    w.u16be(0).u16be(0).u16be(0).u16be(0); // graphicsmode copy, opcolor
  });
  const dinf = box(
    'dinf',
    fullBox('dref', 0, 0, (w) => {
      w.u32be(1).bytes(fullBox('url ', 0, 1, () => {})); // flag 1: media is in this file
    }),
  );
  const stsd = fullBox('stsd', 0, 0, (w) => {
    w.u32be(1).bytes(sampleEntry(track));
  });
  const stts = fullBox('stts', 0, 0, (w) => {
    w.u32be(1).u32be(sampleCount).u32be(track.sampleDuration);
  });
  const keyframes = track.samples.flatMap((sample, index) => (sample.keyframe ? [index + 1] : []));
  const stss = fullBox('stss', 0, 0, (w) => {
    w.u32be(keyframes.length);
    for (const number of keyframes) w.u32be(number);
  });
  const stsc = fullBox('stsc', 0, 0, (w) => {
    w.u32be(1).u32be(1).u32be(sampleCount).u32be(1); // one chunk holding every sample
  });
  const stsz = fullBox('stsz', 0, 0, (w) => {
    w.u32be(0).u32be(sampleCount);
    for (const size of sampleSizes) w.u32be(size);
  });
  const stco = fullBox('stco', 0, 0, (w) => {
    w.u32be(1).u32be(mdatPayloadOffset);
  });
  const stbl = box('stbl', stsd, stts, stss, stsc, stsz, stco);
  const minf = box('minf', vmhd, dinf, stbl);
  const mdia = box('mdia', mdhd, hdlr, minf);
  return box('moov', mvhd, box('trak', tkhd, mdia));
}

/** Writes the MP4 file; samples are stored length-prefixed (AVCC), parameter sets live in avcC. */
export function muxMp4(track: Mp4VideoTrack): Uint8Array {
  const sampleSizes = track.samples.map((sample) => sample.nalUnits.reduce((n, nal) => n + 4 + nal.length, 0));
  const mdatPayloadSize = sampleSizes.reduce((n, size) => n + size, 0);
  const ftyp = box(
    'ftyp',
    fields((w) => {
      w.ascii('isom').u32be(0x200).ascii('isom').ascii('iso2').ascii('avc1').ascii('mp41');
    }),
  );
  // The chunk offset does not change moov's size, so measure with 0 and write the real offset after.
  const moovSize = moov(track, sampleSizes, 0).length;
  const mdatPayloadOffset = ftyp.length + moovSize + 8;
  const out = new ByteWriter(mdatPayloadOffset + mdatPayloadSize);
  out.bytes(ftyp).bytes(moov(track, sampleSizes, mdatPayloadOffset));
  out.u32be(8 + mdatPayloadSize).ascii('mdat');
  for (const sample of track.samples) {
    for (const nal of sample.nalUnits) out.u32be(nal.length).bytes(nal);
  }
  return out.toBytes();
}
