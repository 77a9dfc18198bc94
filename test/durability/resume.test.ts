// client.resume() in-process: it waits for what was left running, saves the files that were asked for
// into the recorded directory, closes intents whose create never arrived, and never creates anything.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { foldJournal, readJournal } from '../../src/entries/journal.js';
import { ConfigurationError, type StatusUpdate } from '../../src/index.js';
import { Journal } from '../../src/journal.js';
import { clientOf, mediaTypeOnDisk, POLL, scratch, startFast } from './helpers.js';

/** Abort a call as soon as its prediction exists on the server (it keeps running there with keepRunning). */
function stopWaitingOnceCreated(): { signal: AbortSignal; onStatus: (update: StatusUpdate) => void } {
  const controller = new AbortController();
  return { signal: controller.signal, onStatus: (update) => void (update.predictionId !== null && controller.abort()) };
}

let emu: Emulator;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  emu = await startFast();
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  ({ dir, cleanup } = await scratch());
});
afterEach(() => cleanup());

describe('resume', () => {
  it('finishes a generation that gave up while its prediction kept running, and saves its files', async () => {
    const journal = join(dir, 'journal.jsonl');
    const out = join(dir, 'out');
    const first = clientOf(emu, { journal, keepRunning: true });
    // The caller stops waiting (its deadline, sent as Cancel-After, is an hour away); keepRunning leaves it running.
    const gaveUp = await first.generateImage('a slow painting [emulator:predict_ms=600000]', {
      ...POLL,
      timeoutMs: 3_600_000,
      ...stopWaitingOnceCreated(),
      download: { dir: out },
    });
    await first.close();
    expect(gaveUp).toMatchObject({ success: false, errorCode: 'canceled', canceledOnServer: false });
    emu.advanceClock(700_000);

    const second = clientOf(emu, { journal });
    const results = await second.resume(POLL);
    await second.close();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      predictionId: gaveUp.predictionId,
      success: true,
      status: 'succeeded',
      costUsd: 0.003,
      adopted: false,
    });
    expect(await mediaTypeOnDisk(results[0]!.files[0]!)).toBe('image/webp');
    expect(results[0]!.files[0]!.startsWith(out)).toBe(true);
    expect(second.spentUsd).toBe(0.003);
    expect(emu.stats().predictionsCreated).toBe(1);
    const { entries } = foldJournal((await readJournal(journal)).records);
    expect(entries[0]).toMatchObject({ finished: true, status: 'succeeded' });
  });

  it('saves the files of a finished prediction whose download never happened', async () => {
    const journal = join(dir, 'journal.jsonl');
    const client = clientOf(emu, { journal });
    const result = await client.generateImage('an apple', POLL);
    expect(result.success).toBe(true);
    // The process died between the finished record and the download: write what it had planned.
    const records = (await readJournal(journal)).records.map((r) =>
      r.event === 'created' || r.event === 'intent' ? { ...r, downloadDir: join(dir, 'late') } : r,
    );
    const rewritten = join(dir, 'planned.jsonl');
    const writer = new Journal(rewritten);
    for (const { v: _v, at: _at, ...record } of records)
      await writer.append(record as Parameters<Journal['append']>[0]);
    await writer.close();
    await client.close();

    const resumer = clientOf(emu, { journal: rewritten });
    const results = await resumer.resume(POLL);
    await resumer.close();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ success: true, predictionId: result.predictionId });
    expect(await mediaTypeOnDisk(results[0]!.files[0]!)).toBe('image/webp');
    expect(emu.stats().predictionsCreated).toBe(1);
  });

  it('closes an intent whose create never reached the server, creating nothing', async () => {
    const journal = join(dir, 'journal.jsonl');
    const writer = new Journal(journal);
    await writer.append({
      event: 'intent',
      requestId: 'lost-before-sending',
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'never sent' },
      kind: 'image',
      downloadDir: null,
      durationSeconds: null,
      estimateUsd: 0.003,
    });
    await writer.close();
    const client = clientOf(emu, { journal });
    expect(await client.resume(POLL)).toEqual([]);
    await client.close();
    expect(emu.stats().predictionsCreated).toBe(0);
    const state = foldJournal((await readJournal(journal)).records);
    expect(state.openIntents).toEqual([]);
    expect((await readJournal(journal)).records.at(-1)).toMatchObject({
      event: 'not_created',
      requestId: 'lost-before-sending',
    });
  });

  it('reports data_removed for outputs that expired before the resume', async () => {
    const journal = join(dir, 'journal.jsonl');
    const first = clientOf(emu, { journal, keepRunning: true });
    const gaveUp = await first.generateImage('a melting ice cube [emulator:predict_ms=600000]', {
      ...POLL,
      timeoutMs: 3_600_000,
      ...stopWaitingOnceCreated(),
      download: { dir: join(dir, 'out') },
    });
    await first.close();
    emu.advanceClock(600_000 + 2 * 3_600_000);
    const second = clientOf(emu, { journal });
    const [result] = await second.resume(POLL);
    await second.close();
    expect(result).toMatchObject({
      predictionId: gaveUp.predictionId,
      success: false,
      status: 'succeeded',
      errorCode: 'data_removed',
      costUsd: 0.003,
    });
    expect(result!.error).toContain(gaveUp.predictionId!);
  });

  it('keeps the budget hold of a prediction left running until resume books it, counting it once', async () => {
    const journal = join(dir, 'journal.jsonl');
    const client = clientOf(emu, { journal, keepRunning: true, budgetUsd: 0.01 });
    const gaveUp = await client.generateImage('a long exposure [emulator:predict_ms=600000]', {
      ...POLL,
      timeoutMs: 3_600_000,
      ...stopWaitingOnceCreated(),
    });
    expect(gaveUp.success).toBe(false);
    // Still running, so it may still cost its estimate: that stays held.
    expect(client.remainingBudgetUsd).toBe(0.007);
    emu.advanceClock(700_000);
    const [result] = await client.resume(POLL);
    await client.close();
    expect(result).toMatchObject({ success: true, costUsd: 0.003 });
    expect(client.spentUsd).toBe(0.003);
    expect(client.remainingBudgetUsd).toBe(0.007);
  });

  it('adopts one prediction per lost create, also for two identical creates, and creates nothing', async () => {
    const journal = join(dir, 'journal.jsonl');
    const writer = new Journal(journal);
    const intent = (requestId: string) =>
      writer.append({
        event: 'intent',
        requestId,
        model: 'black-forest-labs/flux-schnell',
        input: { prompt: 'the same prompt twice' },
        kind: 'image',
        downloadDir: join(dir, 'out'),
        durationSeconds: null,
        estimateUsd: 0.003,
      });
    await intent('first');
    await intent('second');
    await writer.close();
    // The creates reached the server, but their answers never reached the journal.
    const creator = clientOf(emu);
    const made = [
      await creator.createPrediction({
        model: 'black-forest-labs/flux-schnell',
        input: { prompt: 'the same prompt twice' },
      }),
      await creator.createPrediction({
        model: 'black-forest-labs/flux-schnell',
        input: { prompt: 'the same prompt twice' },
      }),
    ];
    await creator.close();

    const client = clientOf(emu, { journal });
    const results = await client.resume(POLL);
    await client.close();
    expect(results.map((r) => r.adopted)).toEqual([true, true]);
    expect(results.map((r) => r.predictionId)).toEqual(made.map((p) => p.id));
    expect(results.every((r) => r.success && r.files.length === 1)).toBe(true);
    expect(emu.stats().predictionsCreated).toBe(2);
    const state = foldJournal((await readJournal(journal)).records);
    expect(state.openIntents).toEqual([]);
    expect(state.entries.map((e) => e.requestId)).toEqual(['first', 'second']);
  });

  it('needs a journal', async () => {
    const client = clientOf(emu);
    await expect(client.resume()).rejects.toBeInstanceOf(ConfigurationError);
    await client.close();
  });
});
