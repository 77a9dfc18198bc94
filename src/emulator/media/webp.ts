// Lossless WebP (VP8L) encoder: subtract-green and predictor transforms, no colour cache, one
// prefix-code group, literals plus greedy backward references to the left and upper neighbours.

import { ByteWriter } from './bytes.js';
import { canonicalCodes, huffmanLengths } from './huffman.js';
import type { RgbRaster } from './painter.js';

const TRANSFORM_PREDICTOR = 0;
const TRANSFORM_SUBTRACT_GREEN = 2;
const MAX_CODE_LENGTH = 15;
const MAX_CODE_LENGTH_CODE_LENGTH = 7;
const NUM_LENGTH_PREFIXES = 24;
const NUM_DISTANCE_PREFIXES = 40;
const MAX_BACKREF_LENGTH = 4096;
const MIN_BACKREF_LENGTH = 3;
/** The order in which the code-length code's own lengths are written (VP8L spec). */
const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/** Distance codes 1 and 2 of the VP8L neighbourhood map: the pixel above, the pixel to the left. */
const DISTANCE_CODE_ABOVE = 1;
const DISTANCE_CODE_LEFT = 2;

/** Bit writer for VP8L: least significant bit first. */
class LsbWriter {
  private accumulator = 0;
  private count = 0;
  constructor(readonly out: ByteWriter) {}

  /** Writes the low `bits` bits of value; bits <= 24. */
  write(value: number, bits: number): void {
    if (bits === 0) return;
    this.accumulator |= (value & ((1 << bits) - 1)) << this.count;
    this.count += bits;
    while (this.count >= 8) {
      this.out.u8(this.accumulator & 0xff);
      this.accumulator >>>= 8;
      this.count -= 8;
    }
  }

  flush(): void {
    if (this.count > 0) this.out.u8(this.accumulator & 0xff);
    this.accumulator = 0;
    this.count = 0;
  }
}

/** A prefix code ready to write with: bits per symbol and bit-reversed codes. */
interface PrefixCode {
  lengths: Uint8Array;
  codes: Uint16Array;
  /** A code with one symbol costs no bits per symbol (the decoder knows the symbol). */
  single: boolean;
}

function makePrefixCode(frequencies: Uint32Array, maxLength: number): PrefixCode {
  const lengths = huffmanLengths(frequencies, maxLength);
  let used = 0;
  for (const length of lengths) if (length > 0) used++;
  return { lengths, codes: canonicalCodes(lengths), single: used <= 1 };
}

function writeSymbol(writer: LsbWriter, code: PrefixCode, symbol: number): void {
  if (!code.single) writer.write(code.codes[symbol] as number, code.lengths[symbol] as number);
}

/** Splits a length or distance value into the VP8L prefix symbol and its extra bits. */
function prefixEncode(value: number): { prefix: number; extraBits: number; extra: number } {
  const n = value - 1;
  if (n < 4) return { prefix: n, extraBits: 0, extra: 0 };
  const highest = 31 - Math.clz32(n);
  const second = (n >>> (highest - 1)) & 1;
  const extraBits = highest - 1;
  return { prefix: 2 * highest + second, extraBits, extra: n & ((1 << extraBits) - 1) };
}

/** Code lengths as a run-length token stream: 0..15 literal, 16 repeat, 17/18 runs of zeros. */
function codeLengthTokens(lengths: Uint8Array): { symbol: number; extraBits: number; extra: number }[] {
  const tokens: { symbol: number; extraBits: number; extra: number }[] = [];
  let i = 0;
  while (i < lengths.length) {
    const value = lengths[i] as number;
    let run = 1;
    while (i + run < lengths.length && lengths[i + run] === value) run++;
    if (value === 0 && run >= 3) {
      const take = Math.min(run, 138);
      if (take >= 11) tokens.push({ symbol: 18, extraBits: 7, extra: take - 11 });
      else tokens.push({ symbol: 17, extraBits: 3, extra: take - 3 });
      i += take;
      continue;
    }
    tokens.push({ symbol: value, extraBits: 0, extra: 0 });
    i++;
    // Code 16 repeats the last non-zero length, which is `value` right after its literal.
    let remaining = run - 1;
    while (value !== 0 && remaining >= 3) {
      const take = Math.min(remaining, 6);
      tokens.push({ symbol: 16, extraBits: 2, extra: take - 3 });
      remaining -= take;
      i += take;
    }
  }
  return tokens;
}

/** Writes a prefix code's description: the simple form for one or two small symbols, else normal. */
function writePrefixCode(writer: LsbWriter, code: PrefixCode): void {
  const used: number[] = [];
  code.lengths.forEach((length, symbol) => {
    if (length > 0) used.push(symbol);
  });
  if (used.length === 0) used.push(0);
  if (used.length <= 2 && used.every((symbol) => symbol < 256)) {
    const [first, second] = used as [number, number | undefined];
    writer.write(1, 1); // simple code
    writer.write(used.length - 1, 1);
    if (first < 2) {
      writer.write(0, 1);
      writer.write(first, 1);
    } else {
      writer.write(1, 1);
      writer.write(first, 8);
    }
    if (second !== undefined) writer.write(second, 8);
    return;
  }

  writer.write(0, 1); // normal code
  const tokens = codeLengthTokens(code.lengths);
  const frequencies = new Uint32Array(19);
  for (const token of tokens) bump(frequencies, token.symbol);
  const lengthCode = makePrefixCode(frequencies, MAX_CODE_LENGTH_CODE_LENGTH);
  let count = CODE_LENGTH_ORDER.length;
  while (count > 4 && lengthCode.lengths[CODE_LENGTH_ORDER[count - 1] as number] === 0) count--;
  writer.write(count - 4, 4);
  for (let i = 0; i < count; i++) writer.write(lengthCode.lengths[CODE_LENGTH_ORDER[i] as number] as number, 3);
  writer.write(0, 1); // max_symbol not given: lengths follow for the whole alphabet
  for (const token of tokens) {
    writeSymbol(writer, lengthCode, token.symbol);
    writer.write(token.extra, token.extraBits);
  }
}

function bump(counts: Uint32Array, index: number): void {
  counts[index] = (counts[index] as number) + 1;
}

/** The longest run starting at `start` in which each pixel equals the one `distance` before it. */
function matchLength(argb: Uint32Array, start: number, distance: number): number {
  if (start < distance) return 0;
  const limit = Math.min(argb.length - start, MAX_BACKREF_LENGTH);
  let length = 0;
  while (length < limit && argb[start + length] === argb[start + length - distance]) length++;
  return length;
}

/**
 * Writes one entropy-coded image: the colour-cache bit (off), for the main image the meta-prefix bit
 * (off: one group of five prefix codes), the codes, then the pixels as literals and backward
 * references to the left or upper neighbour.
 */
function writeEntropyCodedImage(writer: LsbWriter, argb: Uint32Array, width: number, isMainImage: boolean): void {
  const pixelCount = argb.length;
  // Pass 1: tokens (a literal pixel, or a copy of `length` pixels from the left or above) and counts.
  const tokenLength = new Uint32Array(pixelCount); // 0 = literal
  const tokenValue = new Uint32Array(pixelCount); // the pixel, or the distance code
  let tokenCount = 0;
  const green = new Uint32Array(256 + NUM_LENGTH_PREFIXES);
  const red = new Uint32Array(256);
  const blue = new Uint32Array(256);
  const alpha = new Uint32Array(256);
  const distance = new Uint32Array(NUM_DISTANCE_PREFIXES);
  for (let p = 0; p < pixelCount; ) {
    const left = matchLength(argb, p, 1);
    const above = matchLength(argb, p, width);
    const length = Math.max(left, above);
    if (length >= MIN_BACKREF_LENGTH) {
      const distanceCode = above >= left ? DISTANCE_CODE_ABOVE : DISTANCE_CODE_LEFT;
      tokenLength[tokenCount] = length;
      tokenValue[tokenCount++] = distanceCode;
      bump(green, 256 + prefixEncode(length).prefix);
      bump(distance, prefixEncode(distanceCode).prefix);
      p += length;
    } else {
      const pixel = argb[p] as number;
      tokenValue[tokenCount++] = pixel;
      bump(green, (pixel >>> 8) & 0xff);
      bump(red, (pixel >>> 16) & 0xff);
      bump(blue, pixel & 0xff);
      bump(alpha, pixel >>> 24);
      p++;
    }
  }

  writer.write(0, 1); // no colour cache
  if (isMainImage) writer.write(0, 1); // no meta prefix codes
  const codes = [green, red, blue, alpha, distance].map((f) => makePrefixCode(f, MAX_CODE_LENGTH)) as [
    PrefixCode,
    PrefixCode,
    PrefixCode,
    PrefixCode,
    PrefixCode,
  ];
  for (const code of codes) writePrefixCode(writer, code);
  const [greenCode, redCode, blueCode, alphaCode, distanceCode] = codes;

  // Pass 2: the entropy-coded pixels.
  for (let t = 0; t < tokenCount; t++) {
    const length = tokenLength[t] as number;
    const value = tokenValue[t] as number;
    if (length === 0) {
      writeSymbol(writer, greenCode, (value >>> 8) & 0xff);
      writeSymbol(writer, redCode, (value >>> 16) & 0xff);
      writeSymbol(writer, blueCode, value & 0xff);
      writeSymbol(writer, alphaCode, value >>> 24);
    } else {
      const lengthPrefix = prefixEncode(length);
      writeSymbol(writer, greenCode, 256 + lengthPrefix.prefix);
      writer.write(lengthPrefix.extra, lengthPrefix.extraBits);
      const distancePrefix = prefixEncode(value);
      writeSymbol(writer, distanceCode, distancePrefix.prefix);
      writer.write(distancePrefix.extra, distancePrefix.extraBits);
    }
  }
}

/** Per-channel (mod 256) difference of two ARGB pixels. */
function subtractPixels(a: number, b: number): number {
  const alphaGreen = ((a | 0x00ff00ff) - (b & 0xff00ff00)) & 0xff00ff00;
  const redBlue = ((a | 0xff00ff00) - (b & 0x00ff00ff)) & 0x00ff00ff;
  return (alphaGreen | redBlue) >>> 0;
}

function clamp255(value: number): number {
  return Math.max(0, Math.min(255, value));
}

/** Predictor mode 12, ClampAddSubtractFull: clamp(L + T - TL) in each channel. */
function clampAddSubtractFull(left: number, top: number, topLeft: number): number {
  const a = clamp255((left >>> 24) + (top >>> 24) - (topLeft >>> 24));
  const r = clamp255(((left >>> 16) & 0xff) + ((top >>> 16) & 0xff) - ((topLeft >>> 16) & 0xff));
  const g = clamp255(((left >>> 8) & 0xff) + ((top >>> 8) & 0xff) - ((topLeft >>> 8) & 0xff));
  const b = clamp255((left & 0xff) + (top & 0xff) - (topLeft & 0xff));
  return ((a << 24) | (r << 16) | (g << 8) | b) >>> 0;
}

/** Cost of a residual: the sum of its red, green and blue magnitudes (alpha is always 0 here). */
function residualCost(residual: number): number {
  const r = (residual >>> 16) & 0xff;
  const g = (residual >>> 8) & 0xff;
  const b = residual & 0xff;
  return (r < 128 ? r : 256 - r) + (g < 128 ? g : 256 - g) + (b < 128 ? b : 256 - b);
}

/** Predictor modes tried per block: 1 left, 2 top, 12 ClampAddSubtractFull. */
const PREDICTOR_MODES = [1, 2, 12] as const;
/** Blocks of 1 << (PREDICTOR_BITS + 2) = 32 pixels square each pick their own predictor mode. */
const PREDICTOR_BITS = 3;

function predict(argb: Uint32Array, width: number, p: number, x: number, y: number, mode: number): number {
  // The first row predicts from the left, the first column from the top, the corner from opaque black.
  if (y === 0) return x === 0 ? 0xff000000 : (argb[p - 1] as number);
  if (x === 0) return argb[p - width] as number;
  if (mode === 1) return argb[p - 1] as number;
  if (mode === 2) return argb[p - width] as number;
  return clampAddSubtractFull(argb[p - 1] as number, argb[p - width] as number, argb[p - width - 1] as number);
}

/**
 * The predictor transform: per block, the mode whose residuals are smallest (sum of absolute
 * channel differences, sampled); returns the mode sub-image (mode in the green channel) and the residuals.
 */
function predictorTransform(
  argb: Uint32Array,
  width: number,
  height: number,
): { modes: Uint32Array; modesWidth: number; residuals: Uint32Array } {
  const blockSize = 1 << (PREDICTOR_BITS + 2);
  const modesWidth = Math.ceil(width / blockSize);
  const modesHeight = Math.ceil(height / blockSize);
  const modes = new Uint32Array(modesWidth * modesHeight);
  const residuals = new Uint32Array(argb.length);
  for (let by = 0; by < modesHeight; by++) {
    for (let bx = 0; bx < modesWidth; bx++) {
      const x0 = bx * blockSize;
      const y0 = by * blockSize;
      const x1 = Math.min(width, x0 + blockSize);
      const y1 = Math.min(height, y0 + blockSize);
      let bestMode: number = PREDICTOR_MODES[0];
      let bestCost = Infinity;
      for (const mode of PREDICTOR_MODES) {
        let cost = 0;
        // Every other pixel of every other row is a good enough sample, at a quarter of the cost.
        for (let y = y0; y < y1; y += 2) {
          for (let x = x0; x < x1; x += 2) {
            const p = y * width + x;
            cost += residualCost(subtractPixels(argb[p] as number, predict(argb, width, p, x, y, mode)));
          }
        }
        if (cost < bestCost) {
          bestCost = cost;
          bestMode = mode;
        }
      }
      modes[by * modesWidth + bx] = (0xff000000 | (bestMode << 8)) >>> 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = y * width + x;
          residuals[p] = subtractPixels(argb[p] as number, predict(argb, width, p, x, y, bestMode));
        }
      }
    }
  }
  return { modes, modesWidth, residuals };
}

/**
 * Encodes an RGB raster as a lossless WebP (RIFF + VP8L chunk); opaque, so no alpha is stored.
 * Transforms: subtract-green, then a predictor per 32x32 block; the residuals are entropy coded.
 */
export function encodeWebpLossless(image: RgbRaster): Uint8Array {
  const { width, height, rgb } = image;
  if (width > 16384 || height > 16384) throw new RangeError('WebP images are at most 16384 pixels per side');
  const pixelCount = width * height;
  // ARGB with the subtract-green transform applied: red and blue are stored minus green (mod 256).
  const argb = new Uint32Array(pixelCount);
  for (let p = 0; p < pixelCount; p++) {
    const r = rgb[p * 3] as number;
    const g = rgb[p * 3 + 1] as number;
    const b = rgb[p * 3 + 2] as number;
    argb[p] = (0xff000000 | (((r - g) & 0xff) << 16) | (g << 8) | ((b - g) & 0xff)) >>> 0;
  }
  const { modes, modesWidth, residuals } = predictorTransform(argb, width, height);

  const out = new ByteWriter(pixelCount + 64);
  out.ascii('RIFF').u32le(0).ascii('WEBP').ascii('VP8L').u32le(0);
  const writer = new LsbWriter(out);
  writer.write(0x2f, 8); // VP8L signature
  writer.write(width - 1, 14);
  writer.write(height - 1, 14);
  writer.write(0, 1); // alpha_is_used: every pixel is opaque
  writer.write(0, 3); // version
  // Decoders undo transforms in reverse order: the predictor first, then add green back.
  writer.write(1, 1);
  writer.write(TRANSFORM_SUBTRACT_GREEN, 2);
  writer.write(1, 1);
  writer.write(TRANSFORM_PREDICTOR, 2);
  writer.write(PREDICTOR_BITS, 3);
  writeEntropyCodedImage(writer, modes, modesWidth, false);
  writer.write(0, 1); // no more transforms
  writeEntropyCodedImage(writer, residuals, width, true);
  writer.flush();

  // RIFF sizes: the chunk payload, padded to even length; the file minus its first eight bytes.
  const payloadSize = out.size - 20;
  if (payloadSize % 2 === 1) out.u8(0);
  out.patchU32le(16, payloadSize);
  out.patchU32le(4, out.size - 8);
  return out.toBytes();
}
