// The journal on its own and as a client writes it: one record per event, the key never on disk,
// torn last lines tolerated, and appends after a torn line start on a line of their own.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { foldJournal, journalTotals, parseJournal, readJournal } from '../../src/entries/journal.js';
import { Journal } from '../../src/journal.js';
import { API_KEY, clientOf, mediaTypeOnDisk, POLL, scratch, startFast } from './helpers.js';

let emu: Emulator;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  emu = await startFast();
});
afterAll(() => emu.close());
beforeEach(async () => {
  ({ dir, cleanup } = await scratch());
});
afterEach(() => cleanup());

describe('journal records', () => {
  it('records intent, created, finished and file for a generation, in that order', async () => {
    const path = join(dir, 'journal.jsonl');
    const client = clientOf(emu, { journal: path });
    const result = await client.generateImage('a lighthouse at dawn', { ...POLL, download: { dir: join(dir, 'out') } });
    await client.close();
    expect(result.success).toBe(true);
    if (!result.success) return;

    const { records, skippedLines } = await readJournal(path);
    expect(skippedLines).toBe(0);
    const events = records.map((r) => r.event);
    expect(events[0]).toBe('intent');
    expect(events[1]).toBe('created');
    expect(events.slice(-2)).toEqual(['finished', 'file']);
    const created = records.find((r) => r.event === 'created');
    expect(created).toMatchObject({
      v: 1,
      predictionId: result.predictionId,
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'a lighthouse at dawn' },
      kind: 'image',
      downloadDir: join(dir, 'out'),
    });
    expect(typeof (created as { createdAt: unknown }).createdAt).toBe('string');
    const finished = records.find((r) => r.event === 'finished');
    expect(finished).toMatchObject({ status: 'succeeded', costUsd: 0.003, outputUrls: result.imageUrls });
    const file = records.find((r) => r.event === 'file');
    expect(file).toMatchObject({ predictionId: result.predictionId, index: 0, path: result.files![0] });
    expect(await mediaTypeOnDisk(result.files![0]!)).toBe('image/webp');
  });

  it('never writes the API key, even when an input carries it', async () => {
    const path = join(dir, 'journal.jsonl');
    const client = clientOf(emu, { journal: path });
    await client.generateImage(`a sign that reads ${API_KEY}`, POLL);
    await client.close();
    const text = await readFile(path, 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(API_KEY);
  });

  it('records a failed prediction as finished with no cost', async () => {
    const path = join(dir, 'journal.jsonl');
    const client = clientOf(emu, { journal: path });
    const result = await client.generateImage('a broken thing [emulator:fail=out of memory]', POLL);
    await client.close();
    expect(result.success).toBe(false);
    const { entries } = foldJournal((await readJournal(path)).records);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 'failed', finished: true, costUsd: 0, error: 'out of memory' });
    expect(journalTotals(entries)).toMatchObject({ predictions: 1, succeeded: 0, failed: 1, costUsd: 0 });
  });

  it('refuses to create when the journal cannot be written, and says so', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'a file where the journal directory should be');
    const client = clientOf(emu, { journal: join(blocker, 'journal.jsonl') });
    const before = emu.stats().predictionsCreated;
    const result = await client.generateImage('a cat', POLL);
    await client.close();
    expect(result).toMatchObject({ success: false, errorCode: 'journal_failed', predictionId: null });
    expect(emu.stats().predictionsCreated).toBe(before);
  });
});

describe('torn lines', () => {
  it('skips a torn last line and reads every whole record', async () => {
    const path = join(dir, 'journal.jsonl');
    const journal = new Journal(path);
    await journal.append({ event: 'not_created', requestId: 'a' });
    await journal.append({ event: 'not_created', requestId: 'b' });
    await journal.close();
    await appendFile(path, '{"v":1,"at":"2026-01-01T00:00:00.000Z","event":"crea');
    const { records, skippedLines } = await readJournal(path);
    expect(records.map((r) => (r as { requestId: string }).requestId)).toEqual(['a', 'b']);
    expect(skippedLines).toBe(1);
  });

  it('starts the next record on a new line after a torn one', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, '{"v":1,"event":"not_created","requestId":"a","at":"x"}\n{"v":1,"event":"not_cr');
    const journal = new Journal(path);
    await journal.append({ event: 'not_created', requestId: 'b' });
    await journal.close();
    const { records, skippedLines } = parseJournal(await readFile(path, 'utf8'));
    expect(records.map((r) => (r as { requestId: string }).requestId)).toEqual(['a', 'b']);
    expect(skippedLines).toBe(1);
  });

  it('reads a missing journal as empty', async () => {
    expect(await readJournal(join(dir, 'nothing.jsonl'))).toEqual({ records: [], skippedLines: 0 });
  });

  it('commits records appended together, in order', async () => {
    const path = join(dir, 'journal.jsonl');
    const journal = new Journal(path);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => journal.append({ event: 'not_created', requestId: String(i) })),
    );
    await journal.close();
    const { records } = await readJournal(path);
    expect(records.map((r) => (r as { requestId: string }).requestId)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
  });
});

describe('lower layer', () => {
  it('journals a createPrediction and books it when a poll sees it finish', async () => {
    const path = join(dir, 'journal.jsonl');
    const client = clientOf(emu, { journal: path });
    const created = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'a kettle', num_outputs: 2 },
    });
    const afterCreate = foldJournal((await readJournal(path)).records);
    expect(afterCreate.entries[0]).toMatchObject({ predictionId: created.id, kind: 'prediction', finished: false });
    const polled = await client.pollPrediction(created.id, POLL);
    await client.close();
    expect(polled.status).toBe('succeeded');
    const { entries } = foldJournal((await readJournal(path)).records);
    expect(entries[0]).toMatchObject({ predictionId: created.id, finished: true, status: 'succeeded', costUsd: 0.006 });
    expect(client.spentUsd).toBe(0.006);
  });
});
