// Download progress: the `download` option of generate* and `client.download` report bytes as they
// arrive, per file, through `onProgress`; a listener that throws never breaks the save.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import type { DownloadProgress } from '../../src/index.js';
import { clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rm-progress-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('download progress', () => {
  test('generateImage reports the bytes of every saved file, ending at its size', async () => {
    const { client } = clientFor(emu);
    const seen: DownloadProgress[] = [];
    const result = await client.generateImage('a lighthouse', {
      input: { num_outputs: 2 },
      download: { dir, onProgress: (p) => seen.push(p) },
    });
    if (!result.success) throw new Error(result.error);
    expect(result.files).toHaveLength(2);
    for (const [index, url] of result.imageUrls.entries()) {
      const forFile = seen.filter((p) => p.url === url);
      expect(forFile.length).toBeGreaterThan(0);
      const last = forFile.at(-1)!;
      const size = (await stat(result.files![index]!)).size;
      expect(last).toMatchObject({ receivedBytes: size, totalBytes: size, attempt: 1 });
      // Bytes only ever grow.
      expect(forFile.map((p) => p.receivedBytes)).toEqual(
        [...forFile.map((p) => p.receivedBytes)].sort((a, b) => a - b),
      );
    }
  });

  test('client.download reports progress too, and a listener that throws does not stop the save', async () => {
    const { client } = clientFor(emu);
    const image = await client.generateImage('a boat');
    if (!image.success) throw new Error(image.error);
    let calls = 0;
    const saved = await client.download(image, {
      dir,
      onProgress: () => {
        calls += 1;
        throw new Error('a broken progress bar');
      },
    });
    expect(saved).toMatchObject({ success: true, predictionId: image.predictionId });
    expect(calls).toBeGreaterThan(0);
  });

  test('an onProgress that is not a function is invalid_input, and nothing is created', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a dog', { download: { dir, onProgress: 'yes' as never } });
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input', predictionId: null });
    expect(emu.stats().predictionsCreated).toBe(0);
  });
});
