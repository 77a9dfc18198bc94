// The library's bundle (dist/index.js, what `import 'replicate-media'` loads) is ASCII only. V8 keeps a
// module's source text in memory for as long as the module lives, at one byte per character when every
// character is Latin-1 and at two otherwise: a single `≥` in a doc comment esbuild keeps doubled it, to
// 560 KB held by every process that imports the library. (esbuild escapes non-ASCII in code, not in comments.)

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

it('dist/index.js holds no character outside ASCII (write >=, not the symbol, in doc comments)', () => {
  // dist/ is built by `npm test` before Vitest starts.
  const text = readFileSync(resolve(root, 'dist/index.js'), 'utf8');
  const offending = text
    .split('\n')
    .map((line, index) => ({ line: index + 1, text: line.trim() }))
    .filter(({ text: line }) => [...line].some((char) => char.charCodeAt(0) > 0x7f));
  expect(offending).toEqual([]);
});
