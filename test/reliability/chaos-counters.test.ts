// The fault matrix's counters can fail: each is run against a deliberately broken client (the real
// one, wrapped to break one promise) and must count the breakage. A counter that stays at zero whatever
// the client does would prove nothing.

import { describe, expect, test } from 'vitest';
import { runMatrix } from '../../scripts/chaos-matrix.mjs';
import * as downloadsLib from '../../src/downloads.js';
import * as emulatorLib from '../../src/emulator/index.js';
import type { ImageResult } from '../../src/index.js';
import * as lib from '../../src/index.js';

type Breakage = 'leak-key' | 'create-twice-past-budget' | 'overstay-deadline' | 'hammer-stream';

type ClientOptions = ConstructorParameters<typeof lib.ReplicateClient>[0] & {};
type ImageOptions = Parameters<lib.ReplicateClient['generateImage']>[1] & {};

/** The library with its client broken in one way. */
function brokenLibrary(breakage: Breakage) {
  class BrokenClient extends lib.ReplicateClient {
    readonly #key: string;
    constructor(options: ClientOptions) {
      // A client that forgets its budget (so a second create is not refused).
      const { budgetUsd: _ignored, ...rest } = options;
      super(breakage === 'create-twice-past-budget' ? rest : options);
      this.#key = options.apiKey ?? '';
    }

    override async generateImage(prompt: string, options: ImageOptions = {}): Promise<ImageResult> {
      const started = Date.now();
      if (breakage === 'create-twice-past-budget') await super.generateImage(prompt, options);
      const result = await super.generateImage(prompt, options);
      if (breakage === 'overstay-deadline' && options.timeoutMs !== undefined && options.timeoutMs < 2_000)
        await new Promise((resolve) => setTimeout(resolve, options.timeoutMs! + 1_300 - (Date.now() - started)));
      if (breakage === 'hammer-stream' && result.prediction?.urls?.stream) {
        for (let i = 0; i < 25; i++) await (await fetch(result.prediction.urls.stream)).text();
      }
      return breakage === 'leak-key'
        ? ({ ...result, note: `sent with ${this.#key}` } as unknown as ImageResult)
        : result;
    }
  }
  return { ...lib, ReplicateClient: BrokenClient };
}

async function runBroken(breakage: Breakage, fault: string) {
  const [row] = await runMatrix({
    lib: brokenLibrary(breakage),
    emulatorLib,
    downloadsLib,
    runs: 1,
    cells: [[fault, 'generateImage']],
  });
  if (!row) throw new Error(`no cell for ${fault}`);
  return row;
}

describe('the matrix counters count what a broken client does', () => {
  test('the key in a result is a key leak', async () => {
    const row = await runBroken('leak-key', '503');
    expect(row.keyLeaks).toBeGreaterThan(0);
  });

  test('a second create for one call is counted as unknown, created twice, and spend past the budget', async () => {
    const row = await runBroken('create-twice-past-budget', '503');
    expect(row).toMatchObject({ unknown: 1, duplicates: 1 });
    // Two images at $0.003 against a budget of 1.5 calls ($0.0045).
    expect(row.overrunUsd).toBeCloseTo(0.0015, 6);
  });

  test('a call that ends more than a second after its deadline is counted', async () => {
    const row = await runBroken('overstay-deadline', 'cancel answers processing, then cancels 200 ms later (2 calls)');
    expect(row.pastDeadline).toBe(1);
  });

  test('a client reconnecting to a stream that keeps closing, without bound, is not correct', async () => {
    const row = await runBroken('hammer-stream', 'stream sends `: 408` and closes, every time');
    expect(row.ok).toBe(0);
    expect(Object.keys(row.failures)[0]).toMatch(/stream connections/);
  });
});
