// Property test of downloadOutput with hostile URLs and options: it saves, or rejects with a
// DownloadError (a stable code, a bounded message), and never leaves anything under a final name
// when it fails. No network: URLs point at a closed loopback port, other schemes, or data URLs.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DownloadError, downloadOutput } from '../../src/downloads.js';
import { hostileString, untyped } from './arbitraries.js';

const CODES = [
  'network',
  'http',
  'data_removed',
  'invalid_content',
  'truncated',
  'timeout',
  'canceled',
  'invalid_input',
  'too_large',
  'redirect_refused',
];
const PNG_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-props-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('downloadOutput: any URL, any options → a saved file or a DownloadError', async () => {
  const url = fc.oneof(
    fc.constantFrom(
      'http://127.0.0.1:1/a.png',
      'https://127.0.0.1:1/a.png',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:,hello',
      'data:text/html,<b>x</b>',
      PNG_DATA_URL,
      'ftp://x/y.png',
      '',
    ),
    hostileString,
    untyped,
  );
  const options = fc.record(
    {
      fileName: fc.oneof(hostileString, fc.constantFrom('../escape.png', 'a/b.png', '.', '..', 'ok.png')),
      expect: fc.oneof(fc.constantFrom('image', 'video', 'media'), untyped),
      maxBytes: untyped,
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(url, options, async (u, o) => {
      const before = new Set(await readdir(dir));
      try {
        const saved = await downloadOutput(u as string, {
          ...(o as object),
          dir,
          retryDelaysMs: [],
          attemptTimeoutMs: 1_000,
        });
        expect(saved.path.startsWith(dir)).toBe(true);
        expect(saved.fileName).not.toMatch(/[/\\]/);
      } catch (error) {
        expect(error).toBeInstanceOf(DownloadError);
        expect(CODES).toContain((error as DownloadError).code);
        expect((error as DownloadError).message.length).toBeLessThan(2_000);
        const after = (await readdir(dir)).filter((name) => !before.has(name));
        expect(after).toEqual([]);
      }
    }),
    { numRuns: 150 },
  );
}, 60_000);
