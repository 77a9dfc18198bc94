// Baseline JFIF encoder: YCbCr 4:2:0, the Annex K quantisation tables scaled by quality the way
// libjpeg does, the Annex K Huffman tables, and a separable floating-point DCT.

import { ByteWriter } from './bytes.js';
import type { RgbRaster } from './painter.js';

/** Zigzag position -> natural (row-major) index inside an 8x8 block. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63,
];

// Annex K.1, in natural order.
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99,
  99, 99, 99, ...new Array<number>(32).fill(99),
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

/** DCT basis: COS[u * 8 + x] = C(u) / 2 * cos((2x + 1) u pi / 16). */
const COS = new Float64Array(64);
for (let u = 0; u < 8; u++) {
  for (let x = 0; x < 8; x++) {
    COS[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
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
  private readonly temp = new Float64Array(64);
  private readonly coefficients = new Int32Array(64);

  constructor(private readonly scan: ScanWriter) {}

  encode(samples: Float64Array, reciprocal: Float64Array, dc: HuffmanCodes, ac: HuffmanCodes, previousDc: number): number {
    const temp = this.temp;
    // Rows: temp[y][u] = sum_x COS[u][x] * (f[y][x] - 128)
    for (let y = 0; y < 8; y++) {
      for (let u = 0; u < 8; u++) {
        let sum = 0;
        for (let x = 0; x < 8; x++) sum += (COS[u * 8 + x] as number) * ((samples[y * 8 + x] as number) - 128);
        temp[y * 8 + u] = sum;
      }
    }
    // Columns, then quantise straight into zigzag order.
    const coefficients = this.coefficients;
    for (let v = 0; v < 8; v++) {
      for (let u = 0; u < 8; u++) {
        let sum = 0;
        for (let y = 0; y < 8; y++) sum += (COS[v * 8 + y] as number) * (temp[y * 8 + u] as number);
        coefficients[v * 8 + u] = Math.round(sum * (reciprocal[v * 8 + u] as number));
      }
    }

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
  const lumaReciprocal = Float64Array.from(lumaQuant, (q) => 1 / q);
  const chromaReciprocal = Float64Array.from(chromaQuant, (q) => 1 / q);

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
        dcY = coder.encode(block, lumaReciprocal, DC_LUMA_CODES, AC_LUMA_CODES, dcY);
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
        if (isCb) dcCb = coder.encode(block, chromaReciprocal, DC_CHROMA_CODES, AC_CHROMA_CODES, dcCb);
        else dcCr = coder.encode(block, chromaReciprocal, DC_CHROMA_CODES, AC_CHROMA_CODES, dcCr);
      }
    }
  }
  scan.flush();
  out.u16be(0xffd9); // EOI
  return out.toBytes();
}
