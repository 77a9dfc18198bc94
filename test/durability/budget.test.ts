// Spend and budgets: the actual cost of what the emulator produced, and a budget that refuses the
// operation that would cross it before anything is created, also when calls run concurrently.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { clientOf, emulatorPredictions, POLL, startFast } from './helpers.js';

const IMAGE_USD = 0.003;

let emu: Emulator;
beforeAll(async () => {
  emu = await startFast();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

/** What the emulator's own predictions cost: $0.003 per output image it served. */
async function emulatorImageCostUsd(): Promise<number> {
  const predictions = await emulatorPredictions(emu);
  const images = predictions.reduce((n, p) => n + (Array.isArray(p.output) ? p.output.length : 0), 0);
  return Math.round(images * IMAGE_USD * 1e6) / 1e6;
}

describe('spend', () => {
  it('counts what each finished prediction produced, and nothing for a failed one', async () => {
    const client = clientOf(emu);
    const results = await Promise.all([
      client.generateImage('one cat', POLL),
      client.generateImage('three cats', { ...POLL, input: { num_outputs: 3 } }),
      client.generateImage('a failure [emulator:fail]', POLL),
    ]);
    await client.close();
    expect(results.map((r) => r.success)).toEqual([true, true, false]);
    expect(results[0]!.success && results[0]!.costUsd).toBe(0.003);
    expect(results[1]!.success && results[1]!.costUsd).toBe(0.009);
    expect(client.spentUsd).toBe(0.012);
    expect(client.spentUsd).toBe(await emulatorImageCostUsd());
  });
});

describe('budgetUsd', () => {
  it('stops a run before it crosses the budget; what was spent matches the emulator', async () => {
    const client = clientOf(emu, { budgetUsd: 0.02 });
    const results = [];
    for (let i = 0; i < 10; i++) {
      const result = await client.generateImage(`a cat, take ${i}`, { ...POLL, input: { num_outputs: 2 } });
      results.push(result);
      if (!result.success && result.errorCode === 'budget_exceeded') break;
    }
    await client.close();
    // $0.006 each: three fit in $0.02 ($0.018), the fourth would cross it.
    expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
    const refused = results[3]!;
    expect(refused).toMatchObject({ success: false, errorCode: 'budget_exceeded', predictionId: null });
    expect(refused.error).toMatch(/budget/i);
    expect(emu.stats().predictionsCreated).toBe(3);
    expect(client.spentUsd).toBe(0.018);
    expect(client.spentUsd).toBeLessThanOrEqual(0.02);
    expect(client.spentUsd).toBe(await emulatorImageCostUsd());
    expect(client.remainingBudgetUsd).toBe(0.002);
  });

  it('holds the estimates of concurrent calls, so together they never cross it', async () => {
    const client = clientOf(emu, { budgetUsd: 0.01 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.generateImage(`a dog, take ${i}`, POLL)),
    );
    await client.close();
    const made = results.filter((r) => r.success);
    const refused = results.filter((r) => !r.success);
    expect(made).toHaveLength(3);
    expect(refused.every((r) => !r.success && r.errorCode === 'budget_exceeded')).toBe(true);
    expect(emu.stats().predictionsCreated).toBe(3);
    expect(client.spentUsd).toBe(0.009);
    expect(client.spentUsd).toBe(await emulatorImageCostUsd());
  });

  it('gives back the hold of a prediction that failed', async () => {
    const client = clientOf(emu, { budgetUsd: 0.003 });
    const failed = await client.generateImage('nothing comes of it [emulator:fail]', POLL);
    const made = await client.generateImage('but this one works', POLL);
    const refused = await client.generateImage('and this one is one too many', POLL);
    await client.close();
    expect([failed.success, made.success, refused.success]).toEqual([false, true, false]);
    expect(refused.success === false && refused.errorCode).toBe('budget_exceeded');
    expect(client.spentUsd).toBe(0.003);
    expect(emu.stats().predictionsCreated).toBe(2);
  });

  it('refuses a video whose seconds would cross it before uploading or creating anything', async () => {
    const client = clientOf(emu, { budgetUsd: 0.25 });
    const frames = ['https://example.com/a.png', 'https://example.com/b.png', 'https://example.com/c.png'];
    const result = await client.generateVideo(frames, { ...POLL, durationSeconds: 3 });
    await client.close();
    expect(result).toMatchObject({ success: false, errorCode: 'budget_exceeded' });
    expect(emu.stats().predictionsCreated).toBe(0);
    expect(emu.stats().requests['files.create'] ?? 0).toBe(0);
    expect(client.spentUsd).toBe(0);
  });

  it('charges a video by the seconds asked for', async () => {
    const client = clientOf(emu, { budgetUsd: 0.5 });
    const frames = ['https://example.com/a.png', 'https://example.com/b.png'];
    const result = await client.generateVideo(frames, { ...POLL, durationSeconds: 2 });
    await client.close();
    expect(result.success).toBe(true);
    expect(result.success && result.costUsd).toBe(0.2);
    expect(client.spentUsd).toBe(0.2);
  });
});
