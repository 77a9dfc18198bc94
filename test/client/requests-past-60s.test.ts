// A prediction that outlasts the 60 s `Prefer: wait` hold: while its event stream is connected, the
// waiter does not poll (the stream's `done` will say when it ends), so it costs three requests: the create,
// the stream and the final read. With the stream silent (not connected), polling keeps its schedule.
// The emulator's clock is advanced by hand; the client's waits end only when the test says so.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

const count = (route: string): number => emu.stats().requests[route] ?? 0;
const totalRequests = (): number => Object.values(emu.stats().requests).reduce((sum, n) => sum + n, 0);

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

/** The client's clock and sleeps: a sleep ends (and moves the clock by its length) only on `tick()`, or on abort. */
function tickedTime() {
  let t = Date.now();
  const asleep: Array<() => void> = [];
  return {
    now: () => t,
    sleep: (ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise<void>((resolve) => {
        asleep.push(() => {
          t += ms;
          resolve();
        });
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    /** Ends every sleep in progress; resolves once the client has acted on it and is asleep again. */
    async tick(): Promise<void> {
      for (const wake of asleep.splice(0)) wake();
      await until(() => asleep.length > 0);
    },
    /** Ends every sleep in progress. */
    wake(): void {
      for (const wake of asleep.splice(0)) wake();
    },
    get sleeping(): number {
      return asleep.length;
    },
  };
}

describe('requests for a prediction past the 60 s hold', () => {
  test('while the stream is connected no poll goes out: create, stream and the final read, three in all', async () => {
    const time = tickedTime();
    const { client, logs } = clientFor(emu, { preferWaitSeconds: 60, now: time.now, sleep: time.sleep });
    const pending = client.generateImage('a 70 s one [emulator:predict_ms=70000]');
    await until(() => count('predictions.create') === 1);
    emu.advanceClock(60_000); // the hold ends with the prediction still processing
    // The stream's connection is open on the client's side (logged as it arrives), and the waiter is asleep.
    await until(() => logs.some((line) => /← 200 GET \S*\/stream\//.test(line)) && time.sleeping > 0);
    await new Promise((r) => setImmediate(r));
    // Three polling intervals pass on the client's clock: with the stream open, none of them polls.
    for (let i = 0; i < 3; i++) await time.tick();
    expect(count('predictions.get')).toBe(0);
    emu.advanceClock(10_000); // the prediction finishes; the stream says `done`
    const result = await pending;
    expect(result).toMatchObject({ success: true, prediction: { status: 'succeeded' } });
    expect(count('predictions.get')).toBe(1);
    expect(totalRequests()).toBe(3);
    await client.close();
  });

  test('a stream that cannot connect leaves the schedule to polling: every interval polls', async () => {
    emu.addFault({ route: 'stream', type: 'status', status: 500, count: Infinity });
    const time = tickedTime();
    const { client } = clientFor(emu, { preferWaitSeconds: 60, now: time.now, sleep: time.sleep });
    const pending = client.generateImage('a 70 s one [emulator:predict_ms=70000]');
    await until(() => count('predictions.create') === 1);
    emu.advanceClock(60_000);
    await until(() => count('stream') === 1 && time.sleeping > 0);
    for (let i = 0; i < 3; i++) await time.tick();
    expect(count('predictions.get')).toBe(3);
    emu.advanceClock(10_000);
    time.wake();
    const result = await pending;
    expect(result).toMatchObject({ success: true });
    await client.close();
  });
});
