// The picture behind every rendered output: a deterministic RGB raster from (prompt, seed), so the
// same request always yields the same bytes and different prompts look visibly different, with the
// prompt and seed written on it (caption.ts) so the output says what was asked for.
import { seededRandom } from '../random.js';
import { captionLayout, drawCaption } from './caption.js';

/** An 8-bit RGB raster, row-major, three bytes per pixel, no padding. */
export interface RgbRaster {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

export interface PaintOptions {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  /** Which scene of a video: scenes share the palette and differ in composition. Default 0. */
  scene?: number;
  /** Write the prompt and `seed N` in a band along the bottom (when the picture is big enough). Default true. */
  caption?: boolean;
}

/** FNV-1a over the UTF-8 bytes, then a murmur3 finalizer so nearby inputs spread over all 32 bits. */
export function hash32(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let h = 0x811c9dc5;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

type Rgb = [number, number, number];

function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const h = (((hue % 1) + 1) % 1) * 6;
  const sector = Math.floor(h);
  const f = h - sector;
  const p = value * (1 - saturation);
  const q = value * (1 - saturation * f);
  const t = value * (1 - saturation * (1 - f));
  const [r, g, b] = [
    [value, t, p],
    [q, value, p],
    [p, value, t],
    [p, q, value],
    [t, p, value],
    [value, p, q],
  ][sector] as Rgb;
  return [r * 255, g * 255, b * 255];
}

/** Five colours around one base hue; the scheme (analogous, complementary, triadic) is drawn too. */
function pickPalette(random: () => number): Rgb[] {
  const baseHue = random();
  const schemes = [
    [0, 0.06, 0.12, -0.06, 0.5],
    [0, 0.5, 0.04, 0.54, 0.25],
    [0, 0.333, 0.667, 0.1, 0.43],
  ];
  const offsets = schemes[Math.floor(random() * schemes.length)] as number[];
  return offsets.map((offset, index) =>
    hsvToRgb(baseHue + offset, 0.45 + random() * 0.5, index === 0 ? 0.15 + random() * 0.3 : 0.55 + random() * 0.45),
  );
}

/**
 * Paints a background gradient between two palette colours, a soft stripe or ring pattern over it,
 * and a handful of anti-aliased translucent discs. Costs about 1 ms for 256x256 (see scripts/media-bench.mjs).
 */
export function paintPicture(options: PaintOptions): RgbRaster {
  const width = Math.max(1, Math.floor(options.width));
  const height = Math.max(1, Math.floor(options.height));
  const scene = options.scene ?? 0;
  const paletteRandom = seededRandom(hash32(`palette\u0000${options.seed}\u0000${options.prompt}`));
  const random = seededRandom(hash32(`scene ${scene}\u0000${options.seed}\u0000${options.prompt}`));
  const palette = pickPalette(paletteRandom);
  const color = (index: number): Rgb => palette[index % palette.length] as Rgb;

  const rgb = new Uint8Array(width * height * 3);
  const minSide = Math.min(width, height);

  // Background: a linear gradient at a random angle, modulated by stripes or rings.
  const angle = random() * Math.PI * 2;
  const dirX = Math.cos(angle) / width;
  const dirY = Math.sin(angle) / height;
  const offset = (Math.abs(Math.cos(angle)) + Math.abs(Math.sin(angle))) / 2;
  const [fromR, fromG, fromB] = color(0);
  const [toR, toG, toB] = color(1 + Math.floor(random() * 2));
  const pattern = Math.floor(random() * 3); // 0 stripes, 1 rings, 2 plain
  const frequency = (4 + random() * 10) * ((Math.PI * 2) / minSide);
  const stripeAngle = random() * Math.PI;
  const stripeX = Math.cos(stripeAngle) * frequency;
  const stripeY = Math.sin(stripeAngle) * frequency;
  const ringX = random() * width;
  const ringY = random() * height;
  const depth = 0.12 + random() * 0.12;
  // Per-column and per-row terms, so the inner loop is a few multiply-adds per pixel.
  const gradientX = Float64Array.from({ length: width }, (_, x) => (x - width / 2) * dirX + offset);
  const gradientY = Float64Array.from({ length: height }, (_, y) => (y - height / 2) * dirY);
  // sin(x*sx + y*sy) = sin(x*sx)cos(y*sy) + cos(x*sx)sin(y*sy)
  const sinX = Float64Array.from({ length: width }, (_, x) => Math.sin(x * stripeX));
  const cosX = Float64Array.from({ length: width }, (_, x) => Math.cos(x * stripeX));
  const sinY = Float64Array.from({ length: height }, (_, y) => Math.sin(y * stripeY));
  const cosY = Float64Array.from({ length: height }, (_, y) => Math.cos(y * stripeY));
  // Rings: a sine table over one period, indexed by distance from the ring centre.
  const RING_TABLE_SIZE = 1024;
  const ringTable = Float64Array.from({ length: RING_TABLE_SIZE }, (_, i) =>
    Math.sin((i / RING_TABLE_SIZE) * Math.PI * 2),
  );
  const ringScale = (frequency / (Math.PI * 2)) * RING_TABLE_SIZE;
  for (let y = 0; y < height; y++) {
    const gy = gradientY[y] as number;
    const dy = y - ringY;
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, (gradientX[x] as number) + gy));
      let wave = 0;
      if (pattern === 0) {
        wave = (sinX[x] as number) * (cosY[y] as number) + (cosX[x] as number) * (sinY[y] as number);
      } else if (pattern === 1) {
        const dx = x - ringX;
        wave = ringTable[Math.floor(Math.sqrt(dx * dx + dy * dy) * ringScale) % RING_TABLE_SIZE] as number;
      }
      const shade = pattern === 2 ? 1 : 1 - depth * (0.5 + 0.5 * wave);
      const i = (y * width + x) * 3;
      rgb[i] = (fromR + (toR - fromR) * t) * shade;
      rgb[i + 1] = (fromG + (toG - fromG) * t) * shade;
      rgb[i + 2] = (fromB + (toB - fromB) * t) * shade;
    }
  }

  // Discs: only the pixels of each row's span are visited; the edge is anti-aliased over one pixel.
  const discCount = 3 + Math.floor(random() * 5);
  for (let d = 0; d < discCount; d++) {
    const cx = random() * width;
    const cy = random() * height;
    const radius = minSide * (0.06 + random() * 0.28);
    const opacity = 0.55 + random() * 0.4;
    const [r, g, b] = color(2 + Math.floor(random() * 3));
    const y0 = Math.max(0, Math.floor(cy - radius - 1));
    const y1 = Math.min(height - 1, Math.ceil(cy + radius + 1));
    const inner = Math.max(0, radius - 0.5) ** 2; // closer than this: fully covered
    const outer = (radius + 0.5) ** 2; // farther than this: not covered
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      const halfSpan = Math.sqrt(Math.max(0, outer - dy * dy));
      const x0 = Math.max(0, Math.floor(cx - halfSpan));
      const x1 = Math.min(width - 1, Math.ceil(cx + halfSpan));
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const squared = dx * dx + dy * dy;
        if (squared >= outer) continue;
        const alpha = squared <= inner ? opacity : opacity * Math.min(1, radius - Math.sqrt(squared) + 0.5);
        const i = (y * width + x) * 3;
        rgb[i] = (rgb[i] as number) + (r - (rgb[i] as number)) * alpha;
        rgb[i + 1] = (rgb[i + 1] as number) + (g - (rgb[i + 1] as number)) * alpha;
        rgb[i + 2] = (rgb[i + 2] as number) + (b - (rgb[i + 2] as number)) * alpha;
      }
    }
  }
  const picture = { width, height, rgb };
  if (options.caption !== false) {
    const layout = captionLayout(options.prompt, `seed ${options.seed}`, width, height);
    if (layout) drawCaption(picture, layout);
  }
  return picture;
}
