// The joiner, the catalogue and the planner are library code: they must run wherever the library runs
// (browsers, Deno, workers), so they may use web-standard APIs only, and no runtime dependency.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../src');
const files = [
  ...readdirSync(join(root, 'media'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join('media', name)),
  'catalogue.ts',
  'sequence-plan.ts',
];

describe('library media code', () => {
  it.each(files)('%s imports nothing but the library’s own modules and uses no Node globals', (file) => {
    const source = readFileSync(join(root, file), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const specifier of imports) expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\.?\//);
    expect(source).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(/);
  });
});
