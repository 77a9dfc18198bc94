// `replicate-media batch` as a subprocess against its embedded emulator: every image saved, the
// gallery written, one JSON document with --json, plain progress lines off a terminal, exit codes.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parsePromptLines, progressBar } from '../../src/cli/commands/batch.js';
import { assertBuilt, startCli } from '../cli/helpers.js';

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'batch-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PROMPTS = `# a comment, then a blank line

a red fox in fresh snow
  a lighthouse at dawn  
this one fails [emulator:fail=the model refused]
# another comment
an old map of the sea
`;

interface BatchDocument {
  success: boolean;
  command: string;
  total: number;
  succeeded: number;
  failed: number;
  costUsd: number;
  gallery: string;
  exitCode?: number;
  results: Array<{
    index: number;
    prompt: string;
    success: boolean;
    predictionId: string | null;
    files: string[];
    errorCode?: string;
  }>;
}

describe('replicate-media batch', () => {
  test('--json: saves every image, writes the gallery, reports each prompt in order, exits 1 when one failed', async () => {
    const file = join(dir, 'prompts.txt');
    await writeFile(file, PROMPTS);
    const out = join(dir, 'out-json');
    const result = await startCli(['batch', file, '--out', out, '--concurrency', '2', '--emulator', '--json']).done;
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as BatchDocument;
    expect(doc).toMatchObject({
      success: false,
      command: 'batch',
      total: 4,
      succeeded: 3,
      failed: 1,
      costUsd: 0.009,
      exitCode: 1,
    });
    expect(doc.results.map((r) => r.prompt)).toEqual(parsePromptLines(PROMPTS));
    expect(doc.results.map((r) => r.success)).toEqual([true, true, false, true]);
    expect(doc.results[2]!.errorCode).toBe('prediction_failed');
    for (const r of doc.results.filter((x) => x.success)) {
      expect(r.files).toHaveLength(1);
      expect((await stat(r.files[0]!)).size).toBeGreaterThan(0);
    }
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(doc.gallery).toBe(join(out, 'index.html'));
    for (const r of doc.results) expect(html).toContain(r.predictionId!);
    expect(result.stderr).toContain('1 of 4 prompts failed');
  });

  test('without a terminal: one plain line per prompt with the counts, a summary on stdout, exit 0', async () => {
    const file = join(dir, 'ok.txt');
    await writeFile(file, 'a green parrot\na desert highway\n');
    const out = join(dir, 'out-plain');
    const result = await startCli(['batch', file, '--out', out, '--emulator']).done;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /\[[12]\/2\] ✓ \S+ "a green parrot" \$0\.003 \(\d\/2 done · 0 failed · \d running · \d+\/min · \$0\.00\d · ETA /,
    );
    expect(result.stdout).toMatch(/^2 of 2 images in .+, cost \$0\.006\. Gallery: .+index\.html\n$/);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });

  test('a missing or empty prompts file, or a bad option, is a usage error (exit 2)', async () => {
    const ok = join(dir, 'one.txt');
    await writeFile(ok, 'a red fox\n');
    const badRatio = await startCli(['batch', ok, '--aspect-ratio', '7:5', '--emulator']).done;
    expect(badRatio.code).toBe(2);
    expect(badRatio.stderr).toContain('--aspect-ratio must be one of');
    expect((await startCli(['batch', join(dir, 'nope.txt'), '--emulator']).done).code).toBe(2);
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '# nothing here\n\n');
    const result = await startCli(['batch', empty, '--emulator']).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has no prompts');
  });

  test('the progress bar shows done, failed, running, rate, cost and ETA', () => {
    const line = progressBar({
      done: 120,
      failed: 2,
      running: 8,
      total: 300,
      elapsedMs: 12_000,
      costUsd: 0.354,
      ratePerMinute: 600,
      etaMs: 18_000,
    });
    expect(line).toBe('▕██████████░░░░░░░░░░░░░░▏ 120/300 done · 2 failed · 8 running · 600/min · $0.354 · ETA 18.0s');
  });
});
