// A minimal H.264 (constrained baseline, CAVLC) bitstream writer: SPS, PPS, IDR pictures made of
// I_PCM macroblocks (raw samples, so no transform or prediction is needed and the picture is exact),
// and P pictures in which every macroblock is skipped, which repeat the previous picture for a few bytes.

import { ByteWriter } from './bytes.js';
import type { RgbRaster } from './painter.js';

/** Frame numbers are written in 16 bits (log2_max_frame_num_minus4 = 12), so wrap-around is rare. */
const LOG2_MAX_FRAME_NUM = 16;
const NAL_SLICE = 1;
const NAL_IDR_SLICE = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const MB_TYPE_I_PCM = 25;
const SLICE_TYPE_P_ALL = 5; // 5..9: every slice of the picture has this type
const SLICE_TYPE_I_ALL = 7;

/**
 * Levels (Table A-1, baseline bit rates): the first that fits the frame size, the macroblock rate,
 * the bit rate and a whole keyframe in the coded picture buffer is used.
 */
const LEVELS: readonly {
  levelIdc: number;
  maxFrameMbs: number;
  maxMbsPerSecond: number;
  maxKbps: number;
  maxCpbKbits: number;
}[] = [
  { levelIdc: 10, maxFrameMbs: 99, maxMbsPerSecond: 1485, maxKbps: 64, maxCpbKbits: 175 },
  { levelIdc: 11, maxFrameMbs: 396, maxMbsPerSecond: 3000, maxKbps: 192, maxCpbKbits: 500 },
  { levelIdc: 12, maxFrameMbs: 396, maxMbsPerSecond: 6000, maxKbps: 384, maxCpbKbits: 1000 },
  { levelIdc: 13, maxFrameMbs: 396, maxMbsPerSecond: 11880, maxKbps: 768, maxCpbKbits: 2000 },
  { levelIdc: 20, maxFrameMbs: 396, maxMbsPerSecond: 11880, maxKbps: 2000, maxCpbKbits: 2000 },
  { levelIdc: 21, maxFrameMbs: 792, maxMbsPerSecond: 19800, maxKbps: 4000, maxCpbKbits: 4000 },
  { levelIdc: 22, maxFrameMbs: 1620, maxMbsPerSecond: 20250, maxKbps: 4000, maxCpbKbits: 4000 },
  { levelIdc: 30, maxFrameMbs: 1620, maxMbsPerSecond: 40500, maxKbps: 10000, maxCpbKbits: 10000 },
  { levelIdc: 31, maxFrameMbs: 3600, maxMbsPerSecond: 108000, maxKbps: 14000, maxCpbKbits: 14000 },
  { levelIdc: 32, maxFrameMbs: 5120, maxMbsPerSecond: 216000, maxKbps: 20000, maxCpbKbits: 20000 },
  { levelIdc: 40, maxFrameMbs: 8192, maxMbsPerSecond: 245760, maxKbps: 20000, maxCpbKbits: 25000 },
  { levelIdc: 41, maxFrameMbs: 8192, maxMbsPerSecond: 245760, maxKbps: 50000, maxCpbKbits: 62500 },
  { levelIdc: 42, maxFrameMbs: 8704, maxMbsPerSecond: 522240, maxKbps: 50000, maxCpbKbits: 62500 },
  { levelIdc: 50, maxFrameMbs: 22080, maxMbsPerSecond: 589824, maxKbps: 135000, maxCpbKbits: 135000 },
  { levelIdc: 51, maxFrameMbs: 36864, maxMbsPerSecond: 983040, maxKbps: 240000, maxCpbKbits: 240000 },
  { levelIdc: 52, maxFrameMbs: 36864, maxMbsPerSecond: 2073600, maxKbps: 240000, maxCpbKbits: 240000 },
];

/** An I_PCM macroblock: mb_type (9 bits), up to 7 alignment bits, 384 samples of 8 bits. */
const PCM_MACROBLOCK_BITS = 9 + 7 + 384 * 8;

/** RBSP writer: most significant bit first, with Exp-Golomb codes. */
class RbspWriter {
  private readonly out = new ByteWriter(256);
  private current = 0;
  private count = 0;

  bits(value: number, length: number): this {
    for (let i = length - 1; i >= 0; i--) this.bit((value >>> i) & 1);
    return this;
  }

  bit(value: number): this {
    this.current = (this.current << 1) | value;
    if (++this.count === 8) {
      this.out.u8(this.current);
      this.current = 0;
      this.count = 0;
    }
    return this;
  }

  /** ue(v): Exp-Golomb, unsigned. */
  ue(value: number): this {
    const codeNum = value + 1;
    const length = 32 - Math.clz32(codeNum);
    return this.bits(0, length - 1).bits(codeNum, length);
  }

  /** se(v): Exp-Golomb, signed (positive values map to odd code numbers). */
  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  get aligned(): boolean {
    return this.count === 0;
  }

  /** Whole bytes, only when aligned (I_PCM samples). */
  bytes(data: Uint8Array): this {
    if (!this.aligned) throw new Error('RbspWriter.bytes needs byte alignment');
    this.out.bytes(data);
    return this;
  }

  /** rbsp_trailing_bits: a one, then zeros to the byte boundary. */
  finish(): Uint8Array {
    this.bit(1);
    while (!this.aligned) this.bit(0);
    return this.out.toBytes();
  }
}

/** NAL unit header plus payload with emulation prevention (00 00 0x -> 00 00 03 0x for x <= 3). */
function nalUnit(refIdc: number, type: number, rbsp: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + rbsp.length + Math.ceil(rbsp.length / 2)); // worst case: one 03 per two bytes
  out[0] = (refIdc << 5) | type;
  let length = 1;
  let zeros = 0;
  for (let i = 0; i < rbsp.length; i++) {
    const byte = rbsp[i] as number;
    if (zeros >= 2 && byte <= 3) {
      out[length++] = 3;
      zeros = 0;
    }
    out[length++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.slice(0, length);
}

export interface H264Stream {
  /** Coded size in macroblocks. */
  readonly widthMbs: number;
  readonly heightMbs: number;
  readonly sps: Uint8Array;
  readonly pps: Uint8Array;
  readonly profileIdc: number;
  readonly constraintFlags: number;
  readonly levelIdc: number;
}

export interface H264StreamOptions {
  /** Even numbers; the picture is coded in whole macroblocks and cropped to this size. */
  width: number;
  height: number;
  fps: number;
  /** Average keyframes (I_PCM pictures) per second, which set the bit rate and so the level. */
  keyframesPerSecond: number;
}

/** The parameter sets and level for a stream. */
export function createH264Stream({ width, height, fps, keyframesPerSecond }: H264StreamOptions): H264Stream {
  if (width % 2 || height % 2 || width < 2 || height < 2) throw new RangeError('H.264 4:2:0 needs even sizes');
  const widthMbs = Math.ceil(width / 16);
  const heightMbs = Math.ceil(height / 16);
  const frameMbs = widthMbs * heightMbs;
  const keyframeKbits = (frameMbs * PCM_MACROBLOCK_BITS) / 1000;
  const level =
    LEVELS.find(
      (l) =>
        frameMbs <= l.maxFrameMbs &&
        frameMbs * fps <= l.maxMbsPerSecond &&
        keyframeKbits * keyframesPerSecond <= l.maxKbps &&
        keyframeKbits <= l.maxCpbKbits,
    ) ?? (LEVELS[LEVELS.length - 1] as (typeof LEVELS)[number]);
  const profileIdc = 66; // baseline
  const constraintFlags = 0b11000000; // constraint_set0 and set1: constrained baseline

  const sps = new RbspWriter()
    .bits(profileIdc, 8)
    .bits(constraintFlags, 8)
    .bits(level.levelIdc, 8)
    .ue(0) // seq_parameter_set_id
    .ue(LOG2_MAX_FRAME_NUM - 4)
    .ue(2) // pic_order_cnt_type 2: output order = decoding order, no B frames
    .ue(1) // max_num_ref_frames
    .bit(0) // gaps_in_frame_num_value_allowed_flag
    .ue(widthMbs - 1)
    .ue(heightMbs - 1)
    .bit(1) // frame_mbs_only_flag
    .bit(1); // direct_8x8_inference_flag
  const cropRight = (widthMbs * 16 - width) / 2; // crop units are two samples in 4:2:0
  const cropBottom = (heightMbs * 16 - height) / 2;
  if (cropRight || cropBottom) sps.bit(1).ue(0).ue(cropRight).ue(0).ue(cropBottom);
  else sps.bit(0);
  sps.bit(0); // vui_parameters_present_flag

  const pps = new RbspWriter()
    .ue(0) // pic_parameter_set_id
    .ue(0) // seq_parameter_set_id
    .bit(0) // entropy_coding_mode_flag: CAVLC
    .bit(0) // bottom_field_pic_order_in_frame_present_flag
    .ue(0) // num_slice_groups_minus1
    .ue(0) // num_ref_idx_l0_default_active_minus1
    .ue(0) // num_ref_idx_l1_default_active_minus1
    .bit(0) // weighted_pred_flag
    .bits(0, 2) // weighted_bipred_idc
    .se(0) // pic_init_qp_minus26
    .se(0) // pic_init_qs_minus26
    .se(0) // chroma_qp_index_offset
    .bit(1) // deblocking_filter_control_present_flag
    .bit(0) // constrained_intra_pred_flag
    .bit(0); // redundant_pic_cnt_present_flag

  return {
    widthMbs,
    heightMbs,
    sps: nalUnit(3, NAL_SPS, sps.finish()),
    pps: nalUnit(3, NAL_PPS, pps.finish()),
    profileIdc,
    constraintFlags,
    levelIdc: level.levelIdc,
  };
}

/** BT.601 limited-range YCbCr 4:2:0 planes, padded to whole macroblocks by repeating edges. */
function toYcbcr420(
  picture: RgbRaster,
  widthMbs: number,
  heightMbs: number,
): { y: Uint8Array; cb: Uint8Array; cr: Uint8Array } {
  const { width, height, rgb } = picture;
  const lumaWidth = widthMbs * 16;
  const lumaHeight = heightMbs * 16;
  const chromaWidth = lumaWidth / 2;
  const y = new Uint8Array(lumaWidth * lumaHeight);
  const cb = new Uint8Array(chromaWidth * (lumaHeight / 2));
  const cr = new Uint8Array(cb.length);
  // Source byte offset of each padded column and row (edge pixels repeat into the padding).
  const columnOffset = Int32Array.from({ length: lumaWidth }, (_, x) => Math.min(x, width - 1) * 3);
  const rowOffset = Int32Array.from({ length: lumaHeight }, (_, row) => Math.min(row, height - 1) * width * 3);
  for (let row = 0; row < lumaHeight; row++) {
    const rowStart = rowOffset[row] as number;
    for (let col = 0; col < lumaWidth; col++) {
      const i = rowStart + (columnOffset[col] as number);
      y[row * lumaWidth + col] = Math.round(
        16 + (65.738 * (rgb[i] as number) + 129.057 * (rgb[i + 1] as number) + 25.064 * (rgb[i + 2] as number)) / 256,
      );
    }
  }
  for (let row = 0; row < lumaHeight / 2; row++) {
    const top = rowOffset[row * 2] as number;
    const bottom = rowOffset[row * 2 + 1] as number;
    for (let col = 0; col < chromaWidth; col++) {
      const left = columnOffset[col * 2] as number;
      const right = columnOffset[col * 2 + 1] as number;
      // The 2x2 average of the four pixels the chroma sample covers.
      const a = top + left;
      const c = top + right;
      const d = bottom + left;
      const e = bottom + right;
      const r = ((rgb[a] as number) + (rgb[c] as number) + (rgb[d] as number) + (rgb[e] as number)) / 4;
      const g = ((rgb[a + 1] as number) + (rgb[c + 1] as number) + (rgb[d + 1] as number) + (rgb[e + 1] as number)) / 4;
      const b = ((rgb[a + 2] as number) + (rgb[c + 2] as number) + (rgb[d + 2] as number) + (rgb[e + 2] as number)) / 4;
      cb[row * chromaWidth + col] = Math.round(128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256);
      cr[row * chromaWidth + col] = Math.round(128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256);
    }
  }
  return { y, cb, cr };
}

/** An IDR picture: every macroblock I_PCM, deblocking off. Returns the NAL unit. */
export function encodeIdrPicture(stream: H264Stream, picture: RgbRaster, idrPicId: number): Uint8Array {
  const { widthMbs, heightMbs } = stream;
  const planes = toYcbcr420(picture, widthMbs, heightMbs);
  const lumaWidth = widthMbs * 16;
  const chromaWidth = widthMbs * 8;
  const writer = new RbspWriter()
    .ue(0) // first_mb_in_slice
    .ue(SLICE_TYPE_I_ALL)
    .ue(0) // pic_parameter_set_id
    .bits(0, LOG2_MAX_FRAME_NUM) // frame_num
    .ue(idrPicId & 0xffff)
    .bit(0) // no_output_of_prior_pics_flag
    .bit(0) // long_term_reference_flag
    .se(0) // slice_qp_delta
    .ue(1); // disable_deblocking_filter_idc: off
  const samples = new Uint8Array(256 + 64 + 64);
  for (let mbY = 0; mbY < heightMbs; mbY++) {
    for (let mbX = 0; mbX < widthMbs; mbX++) {
      writer.ue(MB_TYPE_I_PCM);
      while (!writer.aligned) writer.bit(0); // pcm_alignment_zero_bit
      for (let row = 0; row < 16; row++) {
        const start = (mbY * 16 + row) * lumaWidth + mbX * 16;
        samples.set(planes.y.subarray(start, start + 16), row * 16);
      }
      for (let row = 0; row < 8; row++) {
        const start = (mbY * 8 + row) * chromaWidth + mbX * 8;
        samples.set(planes.cb.subarray(start, start + 8), 256 + row * 8);
        samples.set(planes.cr.subarray(start, start + 8), 320 + row * 8);
      }
      writer.bytes(samples);
    }
  }
  return nalUnit(3, NAL_IDR_SLICE, writer.finish());
}

/** A P picture in which every macroblock is P_Skip (zero motion): a copy of the previous picture. */
export function encodeSkippedPicture(stream: H264Stream, frameNum: number): Uint8Array {
  const writer = new RbspWriter()
    .ue(0) // first_mb_in_slice
    .ue(SLICE_TYPE_P_ALL)
    .ue(0) // pic_parameter_set_id
    .bits(frameNum % (1 << LOG2_MAX_FRAME_NUM), LOG2_MAX_FRAME_NUM)
    .bit(0) // num_ref_idx_active_override_flag
    .bit(0) // ref_pic_list_modification_flag_l0
    .bit(0) // adaptive_ref_pic_marking_mode_flag: sliding window
    .se(0) // slice_qp_delta
    .ue(1) // disable_deblocking_filter_idc: off
    .ue(stream.widthMbs * stream.heightMbs); // mb_skip_run: the whole picture
  return nalUnit(2, NAL_SLICE, writer.finish());
}
