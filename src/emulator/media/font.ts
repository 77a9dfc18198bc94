// A 5x7 bitmap font for printable ASCII (0x20-0x7E), drawn for the emulator's captions: each glyph
// is 5 columns by 7 rows ('#' on, '.' off) in a 6x9 cell (one column and two rows of spacing). Small
// letters with descenders (g, j, p, q, y) sit inside the 7 rows, as on character LCDs, so every line
// has the same height. Deterministic and dependency-free; legible at scale 1, crisper at 2 and up.

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Horizontal advance: the glyph and one blank column. */
export const CELL_WIDTH = 6;
/** Line advance: the glyph and two blank rows. */
export const CELL_HEIGHT = 9;

/** 16 glyphs per block of 7 rows, in code-point order from the space; the comment names them. */
const SHEET: readonly string[] = [
  //       !     "     #     $     %     &     '     (     )     *     +     ,     -     .     /
  '..... ..#.. .#.#. .#.#. ..#.. ##... .##.. ..#.. ...#. .#... ..... ..... ..... ..... ..... .....',
  '..... ..#.. .#.#. .#.#. .#### ##..# #..#. ..#.. ..#.. ..#.. ..#.. ..#.. ..... ..... ..... ....#',
  '..... ..#.. ..... ##### #.#.. ...#. #.#.. ..... .#... ...#. #.#.# ..#.. ..... ..... ..... ...#.',
  '..... ..#.. ..... .#.#. .###. ..#.. .#... ..... .#... ...#. .###. ##### ..... ##### ..... ..#..',
  '..... ..#.. ..... ##### ..#.# .#... #.#.# ..... .#... ...#. #.#.# ..#.. .##.. ..... ..... .#...',
  '..... ..... ..... .#.#. ####. #..## #..#. ..... ..#.. ..#.. ..#.. ..#.. ..#.. ..... .##.. #....',
  '..... ..#.. ..... .#.#. ..#.. ...## .##.# ..... ...#. .#... ..... ..... .#... ..... .##.. .....',
  // 0     1     2     3     4     5     6     7     8     9     :     ;     <     =     >     ?
  '.###. ..#.. .###. ##### ...#. ##### ..##. ##### .###. .###. ..... ..... ...#. ..... .#... .###.',
  '#...# .##.. #...# ...#. ..##. #.... .#... ....# #...# #...# .##.. .##.. ..#.. ..... ..#.. #...#',
  '#..## ..#.. ....# ..#.. .#.#. ####. #.... ...#. #...# #...# .##.. .##.. .#... ##### ...#. ....#',
  '#.#.# ..#.. ...#. ...#. #..#. ....# ####. ..#.. .###. .#### ..... ..... #.... ..... ....# ...#.',
  '##..# ..#.. ..#.. ....# ##### ....# #...# .#... #...# ....# .##.. .##.. .#... ##### ...#. ..#..',
  '#...# ..#.. .#... #...# ...#. #...# #...# .#... #...# ...#. .##.. ..#.. ..#.. ..... ..#.. .....',
  '.###. .###. ##### .###. ...#. .###. .###. .#... .###. .##.. ..... .#... ...#. ..... .#... ..#..',
  // @     A     B     C     D     E     F     G     H     I     J     K     L     M     N     O
  '.###. .###. ####. .###. ###.. ##### ##### .###. #...# .###. ..### #...# #.... #...# #...# .###.',
  '#...# #...# #...# #...# #..#. #.... #.... #...# #...# ..#.. ...#. #..#. #.... ##.## #...# #...#',
  '....# #...# #...# #.... #...# #.... #.... #.... #...# ..#.. ...#. #.#.. #.... #.#.# ##..# #...#',
  '.##.# ##### ####. #.... #...# ####. ####. #.### ##### ..#.. ...#. ##... #.... #.#.# #.#.# #...#',
  '#.#.# #...# #...# #.... #...# #.... #.... #...# #...# ..#.. ...#. #.#.. #.... #...# #..## #...#',
  '#.#.# #...# #...# #...# #..#. #.... #.... #...# #...# ..#.. #..#. #..#. #.... #...# #...# #...#',
  '.###. #...# ####. .###. ###.. ##### #.... .#### #...# .###. .##.. #...# ##### #...# #...# .###.',
  // P     Q     R     S     T     U     V     W     X     Y     Z     [     \\     ]     ^     _
  '####. .###. ####. .#### ##### #...# #...# #...# #...# #...# ##### .###. ..... .###. ..#.. .....',
  '#...# #...# #...# #.... ..#.. #...# #...# #...# #...# #...# ....# .#... #.... ...#. .#.#. .....',
  '#...# #...# #...# #.... ..#.. #...# #...# #...# .#.#. .#.#. ...#. .#... .#... ...#. #...# .....',
  '####. #...# ####. .###. ..#.. #...# #...# #.#.# ..#.. ..#.. ..#.. .#... ..#.. ...#. ..... .....',
  '#.... #.#.# #.#.. ....# ..#.. #...# #...# #.#.# .#.#. ..#.. .#... .#... ...#. ...#. ..... .....',
  '#.... #..#. #..#. ....# ..#.. #...# .#.#. #.#.# #...# ..#.. #.... .#... ....# ...#. ..... .....',
  '#.... .##.# #...# ####. ..#.. .###. ..#.. .#.#. #...# ..#.. ##### .###. ..... .###. ..... #####',
  // \`     a     b     c     d     e     f     g     h     i     j     k     l     m     n     o
  '.#... ..... #.... ..... ....# ..... ..##. ..... #.... ..#.. ...#. #.... .##.. ..... ..... .....',
  '..#.. ..... #.... ..... ....# ..... .#..# .#### #.... ..... ..... #.... ..#.. ..... ..... .....',
  '..... .###. #.##. .###. .##.# .###. .#... #...# #.##. .##.. ..##. #..#. ..#.. ##.#. #.##. .###.',
  '..... ....# ##..# #.... #..## #...# ###.. #...# ##..# ..#.. ...#. #.#.. ..#.. #.#.# ##..# #...#',
  '..... .#### #...# #.... #...# ##### .#... .#### #...# ..#.. ...#. ##... ..#.. #.#.# #...# #...#',
  '..... #...# #...# #...# #...# #.... .#... ....# #...# ..#.. #..#. #.#.. ..#.. #...# #...# #...#',
  '..... .#### ####. .###. .#### .###. .#... .###. #...# .###. .##.. #..#. .###. #...# #...# .###.',
  // p     q     r     s     t     u     v     w     x     y     z     {     |     }     ~
  '..... ..... ..... ..... .#... ..... ..... ..... ..... ..... ..... ...#. ..#.. .#... .....',
  '..... ..... ..... ..... .#... ..... ..... ..... ..... ..... ..... ..#.. ..#.. ..#.. .....',
  '####. .##.# #.##. .###. ###.. #...# #...# #...# #...# #...# ##### ..#.. ..#.. ..#.. .#...',
  '#...# #..## ##..# #.... .#... #...# #...# #...# .#.#. #...# ...#. .#... ..#.. ...#. #.#.#',
  '####. .#### #.... .###. .#... #...# #...# #.#.# ..#.. .#### ..#.. ..#.. ..#.. ..#.. ...#.',
  '#.... ....# #.... ....# .#..# #..## .#.#. #.#.# .#.#. ....# .#... ..#.. ..#.. ..#.. .....',
  '#.... ....# #.... ####. ..##. .##.# ..#.. .#.#. #...# .###. ##### ...#. ..#.. .#... .....',
];

/** Row bitmasks per code point: bit 4 is the leftmost column. */
const GLYPHS: readonly (readonly number[])[] = (() => {
  const glyphs: number[][] = [];
  for (let block = 0; block * 7 < SHEET.length; block++) {
    const rows = SHEET.slice(block * 7, block * 7 + 7).map((row) => row.split(' '));
    for (let g = 0; g < (rows[0] as string[]).length; g++) {
      glyphs.push(rows.map((row) => [...(row[g] as string)].reduce((bits, c) => (bits << 1) | (c === '#' ? 1 : 0), 0)));
    }
  }
  return glyphs;
})();

const FIRST = 0x20;
const LAST = 0x7e;

/** The seven row bitmasks of a printable ASCII character; anything else draws as '?'. */
export function glyphRows(char: string): readonly number[] {
  const code = char.charCodeAt(0);
  return GLYPHS[code >= FIRST && code <= LAST ? code - FIRST : '?'.charCodeAt(0) - FIRST] as readonly number[];
}

/** Every character the font draws, in order. */
export const PRINTABLE: string = String.fromCharCode(...Array.from({ length: LAST - FIRST + 1 }, (_, i) => FIRST + i));

/**
 * Text the font can draw: accents dropped (café -> cafe), whitespace runs made one space, any other
 * character outside printable ASCII replaced by '?'.
 */
export function printableText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

/**
 * Wraps at spaces into lines of at most `columns` characters; a word longer than a line is cut.
 * Past `maxLines`, the last line kept ends with '...'.
 */
export function wrapText(text: string, columns: number, maxLines: number): string[] {
  if (columns < 1 || maxLines < 1) return [];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    let rest = word;
    while (rest !== '') {
      const room = line === '' ? columns : columns - line.length - 1;
      if (rest.length <= room) {
        line = line === '' ? rest : `${line} ${rest}`;
        rest = '';
      } else if (line !== '' && rest.length <= columns) {
        lines.push(line);
        line = '';
      } else {
        // A word longer than the room left: fill the line with its start.
        const take = Math.max(1, room);
        const head = rest.slice(0, take);
        line = line === '' ? head : `${line} ${head}`;
        rest = rest.slice(take);
        lines.push(line);
        line = '';
      }
    }
  }
  if (line !== '') lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1] as string;
  kept[maxLines - 1] = `${last.slice(0, Math.max(0, columns - 3))}...`;
  return kept;
}
