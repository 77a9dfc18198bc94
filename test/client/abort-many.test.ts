// Many calls of one client in flight at once, each holding its create open (`Prefer: wait`): close(), or a
// caller's signal they all share, stops every one of them at once, and no "possible memory leak" warning is
// printed however many are waiting on the same signal.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

const LONG = '[emulator:predict_ms=600000]';
const IN_FLIGHT = 30; // three times Node's max-listeners threshold of 10

let warnings: string[] = [];
const onWarning = (warning: Error): void => {
  warnings.push(`${warning.name}: ${warning.message}`);
};
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

/** Resolves once the emulator holds `n` creates (each made a prediction and waits for it to finish). */
async function held(n: number): Promise<void> {
  while (emu.stats().predictionsCreated < n) await new Promise((r) => setTimeout(r, 5));
}

/** Lets Node print the warnings it queued (they go out on a later tick). */
const warningsFlushed = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

describe('many creates held open at once', () => {
  test('close() ends every one of them as closed, without a max-listeners warning', async () => {
    const { client } = clientFor(emu);
    const pending = Array.from({ length: IN_FLIGHT }, (_, i) => client.generateImage(`held ${i} ${LONG}`));
    await held(IN_FLIGHT);
    await client.close();
    const results = await Promise.all(pending);
    expect(results.map((r) => (r.success ? 'succeeded' : r.errorCode))).toEqual(Array(IN_FLIGHT).fill('closed'));
    await warningsFlushed();
    expect(warnings.filter((w) => /listener|leak/i.test(w))).toEqual([]);
  });

  test("one caller's signal shared by all of them cancels every one, and the client stays usable", async () => {
    const { client } = clientFor(emu);
    const controller = new AbortController();
    const pending = Array.from({ length: IN_FLIGHT }, (_, i) =>
      client.generateImage(`shared ${i} ${LONG}`, { signal: controller.signal }),
    );
    await held(IN_FLIGHT);
    controller.abort();
    const results = await Promise.all(pending);
    expect(results.map((r) => (r.success ? 'succeeded' : r.errorCode))).toEqual(Array(IN_FLIGHT).fill('canceled'));
    await warningsFlushed();
    expect(warnings.filter((w) => /listener|leak/i.test(w))).toEqual([]);
    // The close signal they all followed is untouched: the next call goes through.
    expect(await client.generateImage('a dog after the abort')).toMatchObject({ success: true });
  });
});
