// Baseline JFIF encoder: YCbCr 4:2:0, the Annex K quantisation tables scaled by quality the way
// libjpeg does, the Annex K Huffman tables, and the Arai-Agui-Nakajima floating-point DCT.

import { ByteWriter } from './bytes.js';
import type { RgbRaster } from './painter.js';

/** Zigzag position -> natural (row-major) index inside an 8x8 block. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
];

// Annex K.1, in natural order.
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_QUANT = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];

/** A Huffman table as it appears in DHT: code counts per length 1..16, then symbols by code. */
interface HuffmanSpec {
  counts: number[];
  symbols: number[];
}

// Annex K.3.
const DC_LUMA: HuffmanSpec = {
  counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};
const DC_CHROMA: HuffmanSpec = {
  counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};
const AC_LUMA: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14,
    0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09,
    0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
    0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65,
    0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
    0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
    0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
    0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};
const AC_CHROMA: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32,
    0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16,
    0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39,
    0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86,
    0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
    0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
    0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};

/** Code and length per symbol (Annex C): canonical codes assigned in DHT order. */
interface HuffmanCodes {
  code: Uint16Array;
  length: Uint8Array;
}

function buildCodes(spec: HuffmanSpec): HuffmanCodes {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let bits = 1; bits <= 16; bits++) {
    for (let i = 0; i < (spec.counts[bits - 1] as number); i++) {
      const symbol = spec.symbols[k++] as number;
      code[symbol] = next++;
      length[symbol] = bits;
    }
    next <<= 1;
  }
  return { code, length };
}

const DC_LUMA_CODES = buildCodes(DC_LUMA);
const DC_CHROMA_CODES = buildCodes(DC_CHROMA);
const AC_LUMA_CODES = buildCodes(AC_LUMA);
const AC_CHROMA_CODES = buildCodes(AC_CHROMA);

/** libjpeg's quality scaling: 50 keeps Annex K, 100 gives all ones, lower is coarser. */
function scaleQuant(table: number[], quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - q * 2;
  return Uint8Array.from(table, (value) => Math.min(255, Math.max(1, Math.floor((value * scale + 50) / 100))));
}

/**
 * The AAN DCT leaves coefficient (u, v) scaled by 8 * AAN_SCALE[u] * AAN_SCALE[v]
 * (AAN_SCALE[0] = 1, AAN_SCALE[k] = sqrt(2) cos(k pi / 16)); the scale is folded into the divisors.
 */
const AAN_SCALE = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];

/** 1 / (quantiser * AAN scale), natural order: quantising becomes one multiply per coefficient. */
function divisors(quant: Uint8Array): Float64Array {
  return Float64Array.from(quant, (q, k) => 1 / (q * 8 * (AAN_SCALE[k >> 3] as number) * (AAN_SCALE[k & 7] as number)));
}

/** In-place scaled 8-point DCT (AAN, 5 multiplies) on data[start], data[start + step], ... */
/**
 * cos(4π/16) to the nine digits of the AAN (Arai-Agui-Nakajima) fast DCT as libjpeg's jfdctflt.c writes it; kept
 * at that precision (not Math.SQRT1_2) so the encoder's output bytes stay exactly what they were.
 */
// biome-ignore lint/suspicious/noApproximativeNumericConstant: the codec's published literal, see above
const AAN_COS_4 = 0.707106781;

function dct8(data: Float64Array, start: number, step: number): void {
  const i0 = start;
  const i1 = start + step;
  const i2 = start + 2 * step;
  const i3 = start + 3 * step;
  const i4 = start + 4 * step;
  const i5 = start + 5 * step;
  const i6 = start + 6 * step;
  const i7 = start + 7 * step;
  const d0 = data[i0] as number;
  const d1 = data[i1] as number;
  const d2 = data[i2] as number;
  const d3 = data[i3] as number;
  const d4 = data[i4] as number;
  const d5 = data[i5] as number;
  const d6 = data[i6] as number;
  const d7 = data[i7] as number;
  const tmp0 = d0 + d7;
  const tmp7 = d0 - d7;
  const tmp1 = d1 + d6;
  const tmp6 = d1 - d6;
  const tmp2 = d2 + d5;
  const tmp5 = d2 - d5;
  const tmp3 = d3 + d4;
  const tmp4 = d3 - d4;

  // Even part.
  const tmp10 = tmp0 + tmp3;
  const tmp13 = tmp0 - tmp3;
  const tmp11 = tmp1 + tmp2;
  const tmp12 = tmp1 - tmp2;
  data[i0] = tmp10 + tmp11;
  data[i4] = tmp10 - tmp11;
  const z1 = (tmp12 + tmp13) * AAN_COS_4;
  data[i2] = tmp13 + z1;
  data[i6] = tmp13 - z1;

  // Odd part.
  const odd10 = tmp4 + tmp5;
  const odd11 = tmp5 + tmp6;
  const odd12 = tmp6 + tmp7;
  const z5 = (odd10 - odd12) * 0.382683433;
  const z2 = 0.5411961 * odd10 + z5;
  const z4 = 1.306562965 * odd12 + z5;
  const z3 = odd11 * AAN_COS_4;
  const z11 = tmp7 + z3;
  const z13 = tmp7 - z3;
  data[i5] = z13 + z2;
  data[i3] = z13 - z2;
  data[i1] = z11 + z4;
  data[i7] = z11 - z4;
}

/** Entropy-coded segment writer: MSB first, 0xFF followed by a stuffed 0x00. */
class ScanWriter {
  private accumulator = 0;
  private count = 0;
  constructor(private readonly out: ByteWriter) {}

  write(value: number, bits: number): void {
    // bits <= 16 and count < 8 keeps the accumulator within 24 bits.
    this.accumulator = (this.accumulator << bits) | (value & ((1 << bits) - 1));
    this.count += bits;
    while (this.count >= 8) {
      const byte = (this.accumulator >>> (this.count - 8)) & 0xff;
      this.out.u8(byte);
      if (byte === 0xff) this.out.u8(0);
      this.count -= 8;
    }
    this.accumulator &= (1 << this.count) - 1;
  }

  /** Pads the last byte with one-bits, as the standard asks. */
  flush(): void {
    if (this.count > 0) this.write(0x7f, 8 - this.count);
  }
}

function bitLength(value: number): number {
  return value === 0 ? 0 : 32 - Math.clz32(value);
}

/** One 8x8 block: level shift, DCT, quantise, then DC difference and AC run lengths. */
class BlockCoder {
  private readonly coefficients = new Int32Array(64);

  constructor(private readonly scan: ScanWriter) {}

  /** `samples` (level-shifted in place) are the 64 pixels of the block, row-major. */
  encode(samples: Float64Array, divisor: Float64Array, dc: HuffmanCodes, ac: HuffmanCodes, previousDc: number): number {
    for (let k = 0; k < 64; k++) samples[k] = (samples[k] as number) - 128;
    for (let row = 0; row < 8; row++) dct8(samples, row * 8, 1);
    for (let column = 0; column < 8; column++) dct8(samples, column, 8);
    const coefficients = this.coefficients;
    for (let k = 0; k < 64; k++) coefficients[k] = Math.round((samples[k] as number) * (divisor[k] as number));

    const dcValue = coefficients[0] as number;
    this.writeValue(dcValue - previousDc, dc, 0);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const value = coefficients[ZIGZAG[k] as number] as number;
      if (value === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        this.scan.write(ac.code[0xf0] as number, ac.length[0xf0] as number); // ZRL: sixteen zeros
        run -= 16;
      }
      this.writeValue(value, ac, run << 4);
      run = 0;
    }
    if (run > 0) this.scan.write(ac.code[0] as number, ac.length[0] as number); // EOB
    return dcValue;
  }

  /** Huffman symbol (run << 4 | size) then `size` bits of the value, ones' complement if negative. */
  private writeValue(value: number, codes: HuffmanCodes, runNibble: number): void {
    const size = bitLength(Math.abs(value));
    const symbol = runNibble | size;
    this.scan.write(codes.code[symbol] as number, codes.length[symbol] as number);
    if (size > 0) this.scan.write(value < 0 ? value - 1 : value, size);
  }
}

function writeHuffmanTable(out: ByteWriter, tableClassAndId: number, spec: HuffmanSpec): void {
  out.u8(tableClassAndId);
  for (const count of spec.counts) out.u8(count);
  for (const symbol of spec.symbols) out.u8(symbol);
}

/** Encodes an RGB raster as baseline JPEG (JFIF 1.01, 4:2:0). `quality` 1..100, default 85. */
export function encodeJpeg(image: RgbRaster, quality = 85): Uint8Array {
  const { width, height, rgb } = image;
  const lumaQuant = scaleQuant(LUMA_QUANT, quality);
  const chromaQuant = scaleQuant(CHROMA_QUANT, quality);
  const lumaDivisor = divisors(lumaQuant);
  const chromaDivisor = divisors(chromaQuant);

  // Colour planes padded to whole 16x16 MCUs by repeating the last row and column.
  const paddedWidth = Math.ceil(width / 16) * 16;
  const paddedHeight = Math.ceil(height / 16) * 16;
  const lumaPlane = new Float64Array(paddedWidth * paddedHeight);
  const cbPlane = new Float64Array(paddedWidth * paddedHeight);
  const crPlane = new Float64Array(paddedWidth * paddedHeight);
  for (let y = 0; y < paddedHeight; y++) {
    const sourceRow = Math.min(y, height - 1) * width;
    for (let x = 0; x < paddedWidth; x++) {
      const i = (sourceRow + Math.min(x, width - 1)) * 3;
      const r = rgb[i] as number;
      const g = rgb[i + 1] as number;
      const b = rgb[i + 2] as number;
      const o = y * paddedWidth + x;
      lumaPlane[o] = 0.299 * r + 0.587 * g + 0.114 * b;
      cbPlane[o] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
      crPlane[o] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
    }
  }

  const out = new ByteWriter(width * height);
  out.u16be(0xffd8); // SOI
  out.u16be(0xffe0).u16be(16).ascii('JFIF').u8(0).u8(1).u8(1).u8(0).u16be(1).u16be(1).u8(0).u8(0); // APP0
  out.u16be(0xffdb).u16be(2 + 65 * 2); // DQT, tables in zigzag order
  out.u8(0x00);
  for (const k of ZIGZAG) out.u8(lumaQuant[k] as number);
  out.u8(0x01);
  for (const k of ZIGZAG) out.u8(chromaQuant[k] as number);
  out.u16be(0xffc0).u16be(17).u8(8).u16be(height).u16be(width).u8(3); // SOF0
  out.u8(1).u8(0x22).u8(0); // Y: 2x2 sampling, quant table 0
  out.u8(2).u8(0x11).u8(1); // Cb
  out.u8(3).u8(0x11).u8(1); // Cr
  const dhtLength = 2 + [DC_LUMA, AC_LUMA, DC_CHROMA, AC_CHROMA].reduce((n, t) => n + 17 + t.symbols.length, 0);
  out.u16be(0xffc4).u16be(dhtLength);
  writeHuffmanTable(out, 0x00, DC_LUMA);
  writeHuffmanTable(out, 0x10, AC_LUMA);
  writeHuffmanTable(out, 0x01, DC_CHROMA);
  writeHuffmanTable(out, 0x11, AC_CHROMA);
  out.u16be(0xffda).u16be(12).u8(3).u8(1).u8(0x00).u8(2).u8(0x11).u8(3).u8(0x11).u8(0).u8(63).u8(0); // SOS

  const scan = new ScanWriter(out);
  const coder = new BlockCoder(scan);
  const block = new Float64Array(64);
  let dcY = 0;
  let dcCb = 0;
  let dcCr = 0;
  for (let mcuY = 0; mcuY < paddedHeight; mcuY += 16) {
    for (let mcuX = 0; mcuX < paddedWidth; mcuX += 16) {
      for (let b = 0; b < 4; b++) {
        const bx = mcuX + (b & 1) * 8;
        const by = mcuY + (b >> 1) * 8;
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) block[y * 8 + x] = lumaPlane[(by + y) * paddedWidth + bx + x] as number;
        }
        dcY = coder.encode(block, lumaDivisor, DC_LUMA_CODES, AC_LUMA_CODES, dcY);
      }
      for (const [plane, isCb] of [
        [cbPlane, true],
        [crPlane, false],
      ] as const) {
        // 2x2 box average down to one 8x8 chroma block per MCU.
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            const o = (mcuY + y * 2) * paddedWidth + mcuX + x * 2;
            block[y * 8 + x] =
              ((plane[o] as number) +
                (plane[o + 1] as number) +
                (plane[o + paddedWidth] as number) +
                (plane[o + paddedWidth + 1] as number)) /
              4;
          }
        }
        if (isCb) dcCb = coder.encode(block, chromaDivisor, DC_CHROMA_CODES, AC_CHROMA_CODES, dcCb);
        else dcCr = coder.encode(block, chromaDivisor, DC_CHROMA_CODES, AC_CHROMA_CODES, dcCr);
      }
    }
  }
  scan.flush();
  out.u16be(0xffd9); // EOI
  return out.toBytes();
}
