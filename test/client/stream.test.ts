// Past the held create: a prediction still running is also awaited on its `urls.stream` (server-sent
// events, no credentials), so its end is read at the stream's `done` rather than at the next poll.
// Polling continues alongside: a stream that fails changes nothing but the latency.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

/** A sleep that never ends by itself (only an abort wakes it): interval polling would never poll again. */
const neverWakes = (_ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));

const count = (route: string): number => emu.stats().requests[route] ?? 0;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('waiting on the stream', () => {
  test("a prediction longer than the held create is learned from the stream's done: one GET, no polls", async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 1, now: Date.now, sleep: neverWakes });
    const result = await client.generateImage('a slow one [emulator:predict_ms=1500]');
    expect(result).toMatchObject({ success: true, prediction: { status: 'succeeded' } });
    // Interval polling needs a GET after every 5 s wait, and its waits here never end: the one GET is the
    // final-state read the stream's `done` asked for.
    expect(count('predictions.get')).toBe(1);
    expect(count('stream')).toBe(1);
    expect(emu.stats().authOnPublicRoutes).toBe(0);
  });

  test('pollPrediction listens on the stream too', async () => {
    const { client } = clientFor(emu, { now: Date.now, sleep: neverWakes });
    const created = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'x [emulator:predict_ms=300]' },
    });
    const result = await client.pollPrediction(created.id);
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(count('predictions.get')).toBe(2); // the first look, then the read after `done`
  });

  test('a stream that times out (:408) is reopened from the last event id, and its done still ends the wait', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 1, now: Date.now, sleep: neverWakes });
    const pending = client.generateImage('a long one [emulator:predict_ms=45000]');
    await until(() => count('stream') === 1);
    emu.advanceClock(30_000); // the stream's 30 s limit: `:408`, then the client reconnects
    await until(() => count('stream') === 2);
    emu.advanceClock(16_000); // the prediction finishes
    const result = await pending;
    expect(result).toMatchObject({ success: true });
    expect(count('predictions.get')).toBe(1);
  });

  test('a broken stream changes nothing: the prediction finishes through polling', async () => {
    emu.addFault({ route: 'stream', type: 'status', status: 500, count: Infinity });
    const { client } = clientFor(emu, { preferWaitSeconds: 1, now: Date.now, sleep: undefined });
    const result = await client.generateImage('a slow one [emulator:predict_ms=1500]', { intervalMs: 50 });
    expect(result).toMatchObject({ success: true, prediction: { status: 'succeeded' } });
    expect(count('stream')).toBe(1); // tried once, then left to polling
    expect(count('predictions.get')).toBeGreaterThanOrEqual(1);
  });

  test('a stream whose connection is reset is left to polling too', async () => {
    emu.addFault({ route: 'stream', type: 'reset-before', count: Infinity });
    const { client } = clientFor(emu, { preferWaitSeconds: 1, now: Date.now, sleep: undefined });
    const result = await client.generateImage('a slow one [emulator:predict_ms=1500]', { intervalMs: 50 });
    expect(result).toMatchObject({ success: true });
  });

  test('useStream: false opens no stream', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 1, useStream: false, now: Date.now, sleep: undefined });
    const result = await client.generateImage('a slow one [emulator:predict_ms=1500]', { intervalMs: 50 });
    expect(result).toMatchObject({ success: true });
    expect(count('stream')).toBe(0);
  });
});
