// `pg` is an optional peer dependency: the library never bundles it, never loads it for a file journal,
// and, when a postgres:// journal is asked for without it installed, says so and what to run.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DIST = fileURLToPath(new URL('../../dist', import.meta.url));

describe('pg, the optional peer dependency', () => {
  let dir = '';
  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first.');
    // A copy of the built library where no node_modules can be found: as installed without pg.
    dir = await mkdtemp(join(tmpdir(), 'replicate-media-no-pg-'));
    await cp(DIST, join(dir, 'dist'), { recursive: true });
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stays out of the web-standard bundle, and the journal entry loads it only by a dynamic import', () => {
    // The main entry (the esbuild bundle) holds no journal store at all; replicate-media/journal does.
    const bundle = readFileSync(join(DIST, 'index.js'), 'utf8');
    expect(bundle).not.toMatch(/["']pg["']|pg-protocol|BackendMessage/);
    const store = readFileSync(join(DIST, 'journal-store', 'postgres-store.js'), 'utf8');
    expect(store).toMatch(/import\(\s*['"]pg['"]\s*\)/);
    expect(store).not.toMatch(/^import .* from ['"]pg['"]/m);
  });

  it('is not needed for a file journal, and is asked for by name for a postgres:// one', async () => {
    const script = join(dir, 'try.mjs');
    await writeFile(
      script,
      `import { openJournalStore } from './dist/entries/journal.js';
const file = await openJournalStore(${JSON.stringify(join(dir, 'journal.jsonl'))});
await file.append({ event: 'not_created', requestId: 'r1' });
await file.close();
const error = await openJournalStore('postgres://fleet:s3cret@127.0.0.1:1/journal').catch((e) => e);
console.log(JSON.stringify({ kind: file.kind, code: error.code, message: error.message }));
`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: dir });
    const out = JSON.parse(stdout) as { kind: string; code: string; message: string };
    expect(out.kind).toBe('file');
    expect(out.code).toBe('journal_failed');
    expect(out.message).toContain('needs the optional package "pg": run npm install pg');
    expect(out.message).not.toContain('s3cret');
  });
});
