// Outputs against the clock: with the emulator deleting outputs seconds after a prediction,
// what was downloaded during the run is on disk and valid, and a result whose URL already expired
// reports a clear data_removed error with its prediction id.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { foldJournal, readJournal } from '../../src/entries/journal.js';
import { clientOf, mediaTypeOnDisk, POLL, scratch, startFast } from './helpers.js';

// Seconds, not an hour; long enough that a loaded machine still saves the files before they expire.
const RETENTION_MS = 15_000;

let emu: Emulator;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  emu = await startFast({ outputRetentionMs: RETENTION_MS });
});
afterAll(() => emu.close());
beforeEach(async () => {
  ({ dir, cleanup } = await scratch());
});
afterEach(() => cleanup());

describe('downloads before expiry', () => {
  it('keeps the outputs downloaded during the run, valid, after the URLs expired', async () => {
    const out = join(dir, 'out');
    const client = clientOf(emu, { journal: join(dir, 'journal.jsonl') });
    const results = await Promise.all(
      ['a red fox', 'a blue heron', 'a green frog'].map((prompt) =>
        client.generateImage(prompt, {
          ...POLL,
          download: { dir: out },
          input: { num_outputs: 2, output_format: 'png' },
        }),
      ),
    );
    emu.advanceClock(RETENTION_MS * 2);
    // The URLs are gone now ...
    const late = await client.download(results[0]!, { dir: join(dir, 'late') });
    await client.close();
    expect(late).toMatchObject({ success: false, errorCode: 'data_removed' });

    // ... but every file saved during the run is there, whole, under its final name.
    const files = results.flatMap((r) => (r.success ? (r.files ?? []) : []));
    expect(files).toHaveLength(6);
    for (const file of files) expect(await mediaTypeOnDisk(file)).toBe('image/png');
    expect((await readdir(out)).sort()).toEqual(files.map((f) => f.split('/').pop()).sort());
  });

  it('reports data_removed with the prediction id for a result whose URL already expired', async () => {
    const client = clientOf(emu, { journal: join(dir, 'journal.jsonl') });
    const result = await client.generateImage('a sunset over the sea', POLL);
    expect(result.success).toBe(true);
    if (!result.success) return;
    emu.advanceClock(RETENTION_MS + 1);

    const download = await client.download(result, { dir: join(dir, 'out') });
    expect(download).toMatchObject({
      success: false,
      errorCode: 'data_removed',
      predictionId: result.predictionId,
      files: [],
    });
    expect(download.error).toContain(result.predictionId);
    expect(download.error).toMatch(/data_removed|no longer available/);
    expect(await readdir(dir)).not.toContain('out-0.webp');

    // A poll after the expiry sees no output: the download says so too.
    const poll = await client.pollPrediction(result.predictionId, POLL);
    expect(poll.output).toBeNull();
    const again = await client.download(poll, { dir: join(dir, 'out') });
    expect(again).toMatchObject({ success: false, errorCode: 'data_removed', predictionId: result.predictionId });
    await client.close();

    const { entries } = foldJournal((await readJournal(join(dir, 'journal.jsonl'))).records);
    expect(entries[0]!.downloadFailures[0]).toMatchObject({ errorCode: 'data_removed', index: 0 });
  });

  it('saves the files of a result with client.download while the URL is valid', async () => {
    const client = clientOf(emu);
    const result = await client.generateImage('a quiet library', {
      ...POLL,
      input: { num_outputs: 2, output_format: 'jpg' },
    });
    const download = await client.download(result, { dir: join(dir, 'out') });
    await client.close();
    expect(download.success).toBe(true);
    expect(download.files).toHaveLength(2);
    for (const file of download.files) expect(await mediaTypeOnDisk(file)).toBe('image/jpeg');
    expect(download.files[0]).toContain(`${result.predictionId}-0.jpg`);
    // The file host never saw the API key.
    expect(emu.stats().requests['outputs.get']).toBeGreaterThanOrEqual(2);
    expect(emu.stats().authOnPublicRoutes).toBe(0);
  });

  it('fails a generation whose outputs could not be saved with the download error and the prediction id', async () => {
    const client = clientOf(emu);
    // An output that expires before it can be fetched: retention shorter than the time to the download.
    emu.addFault({ route: 'outputs.get', type: 'status', status: 404, count: 1 });
    const result = await client.generateImage('a fading photograph', { ...POLL, download: { dir: join(dir, 'out') } });
    await client.close();
    expect(result).toMatchObject({ success: false, errorCode: 'data_removed' });
    expect(result.predictionId).not.toBeNull();
    expect(result.error).toContain(result.predictionId!);
  });
});
