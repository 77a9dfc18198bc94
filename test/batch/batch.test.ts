// generateImages against the emulator on loopback: input order, failures in place, the worker pool's
// bound, progress totals, downloads, and an abort part-way.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type BatchProgress, type ImageResult, ReplicateClient } from '../../src/index.js';

const API_KEY = 'r8_BatchTestKey0123456789abcdefghijklmno';
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ token: API_KEY, timings: { '*': { startMs: 5, predictMs: 10 } }, imageMaxSide: 64 });
  dir = await mkdtemp(join(tmpdir(), 'batch-test-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emu.reset());

const client = (): ReplicateClient =>
  new ReplicateClient({ apiKey: API_KEY, baseUrl: emu.apiUrl, preferWaitSeconds: 5 });

/** Twelve prompts: later ones finish sooner, and every third fails. */
const PROMPTS = Array.from(
  { length: 12 },
  (_, i) => `prompt ${i} [emulator:predict_ms=${(12 - i) * 15}]${i % 3 === 2 ? ` [emulator:fail=bad luck ${i}]` : ''}`,
);

describe('generateImages', () => {
  test('returns one result per prompt in input order, failures in their places', async () => {
    await using c = client();
    const finishedOrder: number[] = [];
    const results = await c.generateImages(PROMPTS, {
      concurrency: 5,
      onResult: (_, index) => finishedOrder.push(index),
    });
    expect(results).toHaveLength(PROMPTS.length);
    results.forEach((result: ImageResult, i) => {
      expect(result.prediction?.input.prompt).toBe(PROMPTS[i]);
      if (i % 3 === 2) {
        expect(result).toMatchObject({ success: false, errorCode: 'prediction_failed' });
        expect(result.error).toContain(`bad luck ${i}`);
      } else {
        expect(result.success).toBe(true);
        expect(result.success && result.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/delivery\//);
      }
    });
    expect([...finishedOrder].sort((a, b) => a - b)).toEqual(PROMPTS.map((_, i) => i));
    expect(emu.stats().predictionsCreated).toBe(PROMPTS.length);
  });

  test('never runs more than `concurrency` prompts at once, and the last progress report adds up', async () => {
    await using c = client();
    const reports: BatchProgress[] = [];
    await c.generateImages(PROMPTS, { concurrency: 3, onProgress: (p) => reports.push(p) });
    expect(Math.max(...reports.map((p) => p.running))).toBe(3);
    // One report as each prompt starts and one as it finishes.
    expect(reports).toHaveLength(2 * PROMPTS.length);
    const last = reports.at(-1)!;
    expect(last).toMatchObject({ done: 12, failed: 4, running: 0, total: 12, costUsd: 0.024, etaMs: 0 });
    expect(last.ratePerMinute).toBeGreaterThan(0);
    expect(reports.every((p, i) => i === 0 || p.done >= reports[i - 1]!.done)).toBe(true);
  });

  test('saves every image with `download`, each result listing its files', async () => {
    await using c = client();
    const out = join(dir, 'download');
    const results = await c.generateImages(['a red fox', 'a blue whale', 'a green parrot'], {
      download: { dir: out },
      input: { num_outputs: 2 },
    });
    for (const result of results) {
      expect(result.success).toBe(true);
      if (!result.success) continue;
      expect(result.files).toHaveLength(2);
      for (const file of result.files ?? []) expect((await stat(file)).size).toBeGreaterThan(0);
    }
  });

  test('an abort part-way cancels what runs and leaves the prompts not started as canceled results', async () => {
    await using c = client();
    const controller = new AbortController();
    const prompts = Array.from({ length: 30 }, (_, i) => `slow ${i} [emulator:predict_ms=200]`);
    const results = await c.generateImages(prompts, {
      concurrency: 2,
      signal: controller.signal,
      onResult: () => controller.abort(),
    });
    expect(results).toHaveLength(30);
    expect(results[0]!.success || results[1]!.success).toBe(true);
    const canceled = results.filter((r) => !r.success && r.errorCode === 'canceled');
    expect(canceled.length).toBeGreaterThanOrEqual(27);
    // Nothing is created after the abort: at most the two that were running when it came, and one more racing it.
    expect(emu.stats().predictionsCreated).toBeLessThanOrEqual(3);
  });

  test('an empty list resolves to no results; a bad concurrency, a non-array or non-object options are rejected as invalid_input', async () => {
    await using c = client();
    const reports: BatchProgress[] = [];
    expect(await c.generateImages([], { onProgress: (p) => reports.push(p) })).toEqual([]);
    expect(reports).toEqual([
      {
        done: 0,
        failed: 0,
        running: 0,
        total: 0,
        elapsedMs: expect.any(Number),
        costUsd: 0,
        ratePerMinute: 0,
        etaMs: 0,
      },
    ]);
    await expect(c.generateImages(['x'], { concurrency: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(c.generateImages('x' as unknown as string[])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(c.generateImages(['x'], 'fast' as unknown as object)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(emu.stats().predictionsCreated).toBe(0);
  });
});
