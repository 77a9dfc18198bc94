// The library's modules form no import cycle: a cycle makes load order matter (a value read before its
// module ran is undefined) and ties two concerns together. Type-only imports are erased at build time
// and do not count. Read from the source, so the check needs no build and no dependency.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative modules a file loads at run time (`import type` / `export type` left out). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'(\.{1,2}\/[^']+)'/gms;
  for (const match of text.matchAll(statement)) {
    const [, , typeOnly, , specifier] = match;
    if (typeOnly || specifier === undefined) continue;
    found.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  for (const match of text.matchAll(/^import\s+'(\.{1,2}\/[^']+)'/gm)) {
    if (match[1]) found.push(resolve(dirname(file), match[1].replace(/\.js$/, '.ts')));
  }
  return found;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
function findCycles(files: readonly string[], root: string): string[][] {
  const graph = new Map(files.map((file) => [file, runtimeImports(file)]));
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (file: string): void => {
    const at = onPath.indexOf(file);
    if (at >= 0) {
      cycles.push([...onPath.slice(at), file].map((f) => relative(root, f)));
      return;
    }
    if (done.has(file)) return;
    onPath.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    onPath.pop();
    done.add(file);
  };
  for (const file of files) visit(file);
  return cycles;
}

describe('the module graph', () => {
  it('has no import cycle anywhere in src/', () => {
    expect(findCycles(sourceFiles(src), src)).toEqual([]);
  });

  it('would see one (the check itself works), and ignores type-only imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = b;\n");
      writeFileSync(join(dir, 'b.ts'), "import {\n  c,\n} from './c.js';\nexport const b = c;\n");
      writeFileSync(join(dir, 'c.ts'), "export { a as c } from './a.js';\n");
      writeFileSync(
        join(dir, 'd.ts'),
        "import type { a } from './a.js';\nimport { b } from './b.js';\nexport const d = b;\n",
      );
      writeFileSync(join(dir, 'e.ts'), "import type { d } from './d.js';\nexport type E = typeof d;\n");
      expect(findCycles(sourceFiles(dir), dir)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
