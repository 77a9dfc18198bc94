// The caption band: a request's text drawn on the picture (white 5x7 glyphs on a darkened band along
// the bottom edge), so an emulated output says what was asked for. Deterministic, integer-scaled.

import { CELL_HEIGHT, CELL_WIDTH, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows, printableText, wrapText } from './font.js';
import type { RgbRaster } from './painter.js';

/** The band may cover at most this share of the picture's height; longer text is cut with '...'. */
const MAX_BAND_SHARE = 0.4;
/** One font pixel per this many picture pixels of the shorter side, at most (128 px -> 1, 256 px -> 2). */
const PIXELS_PER_FONT_PIXEL = 128;
/** The band keeps a quarter of the picture's brightness under the white text: contrast at least 4:1. */
const BAND_DIM_SHIFT = 2;

export interface CaptionLayout {
  /** Picture pixels per font pixel. */
  scale: number;
  /** The lines drawn, top to bottom. */
  lines: string[];
  /** Left edge of every line's first glyph. */
  left: number;
  /** Top of the first line's glyphs. */
  top: number;
  /** The band covers rows bandTop..height-1, full width. */
  bandTop: number;
}

/**
 * Where `text` (wrapped) and `footer` (one line, kept when the text is cut) go on a width x height
 * picture: the largest scale up to one font pixel per 128 picture pixels at which the text fits
 * whole in the band, else scale 1 with the text cut. Undefined when not even one line fits.
 */
export function captionLayout(text: string, footer: string, width: number, height: number): CaptionLayout | undefined {
  const body = printableText(text);
  const foot = printableText(footer);
  const largest = Math.max(1, Math.floor(Math.min(width, height) / PIXELS_PER_FONT_PIXEL));
  for (let scale = largest; scale >= 1; scale--) {
    const pad = 2 * scale;
    // The last glyph needs no spacing column after it, the last line no spacing rows under it.
    const columns = Math.floor((width - 2 * pad + scale) / (CELL_WIDTH * scale));
    const maxLines = Math.floor((height * MAX_BAND_SHARE - 2 * pad + 2 * scale) / (CELL_HEIGHT * scale));
    const footLines = foot === '' ? 0 : 1;
    if (columns < 1 || maxLines < 1) continue;
    const room = maxLines - footLines;
    const whole = wrapText(body, columns, Number.MAX_SAFE_INTEGER);
    if (whole.length > room && scale > 1) continue; // try smaller letters before cutting the text
    const bodyLines = room > 0 ? wrapText(body, columns, room) : [];
    const lines = [...bodyLines, ...(footLines ? [foot.slice(0, columns)] : [])];
    if (lines.length === 0) return undefined;
    const textHeight = lines.length * CELL_HEIGHT * scale - (CELL_HEIGHT - GLYPH_HEIGHT) * scale;
    const bandTop = height - textHeight - 2 * pad;
    return { scale, lines, left: pad, top: bandTop + pad, bandTop };
  }
  return undefined;
}

/** Darkens the band and draws the lines in white, in place. */
export function drawCaption(picture: RgbRaster, layout: CaptionLayout): void {
  const { width, height, rgb } = picture;
  for (let i = layout.bandTop * width * 3; i < height * width * 3; i++) rgb[i] = (rgb[i] as number) >> BAND_DIM_SHIFT;
  const { scale } = layout;
  layout.lines.forEach((line, row) => {
    const top = layout.top + row * CELL_HEIGHT * scale;
    for (let c = 0; c < line.length; c++) {
      const left = layout.left + c * CELL_WIDTH * scale;
      const rows = glyphRows(line[c] as string);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        const bits = rows[gy] as number;
        if (bits === 0) continue;
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (!((bits >> (GLYPH_WIDTH - 1 - gx)) & 1)) continue;
          for (let y = top + gy * scale; y < top + (gy + 1) * scale; y++) {
            if (y < 0 || y >= height) continue;
            const x0 = left + gx * scale;
            const x1 = Math.min(width, x0 + scale);
            rgb.fill(255, (y * width + x0) * 3, (y * width + x1) * 3);
          }
        }
      }
    }
  });
}
