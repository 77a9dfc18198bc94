// The retry policy through the one request path: which failures are retried, after which delays
// (asserted through the injected sleep, so nothing waits), and when the client gives up.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { ReplicateError } from '../../src/index.js';
import { serverRequestedDelayMs } from '../../src/retry-policy.js';
import { clientFor, fakeTime, settleWaits, startFast, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

describe('429', () => {
  test('retries a 429 after the Retry-After delay', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 429, retryAfterSeconds: 7, count: 2 });
    const retriesSeen: number[] = [];
    const result = await client.generateImage('a dog', { onStatus: (u) => retriesSeen.push(u.retries) });
    expect(result.success).toBe(true);
    expect(time.sleeps).toEqual([7_000, 7_000]);
    expect(retriesSeen).toEqual([0, 1, 2, 2]); // creating, each retry, then the answer
    expect(emu.stats().predictionsCreated).toBe(1);
  });

  test('without Retry-After, waits 5 s, 15 s, then 45 s from then on', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 429, retryAfterSeconds: null, count: 5 });
    const result = await client.generateImage('a dog');
    expect(result.success).toBe(true);
    expect(time.sleeps).toEqual([5_000, 15_000, 45_000, 45_000, 45_000]);
  });

  test('keeps retrying a 429 until the deadline, then gives up as rate_limited', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({
      route: 'predictions.create',
      type: 'status',
      status: 429,
      retryAfterSeconds: null,
      count: Infinity,
    });
    const result = await client.generateImage('a dog', { timeoutMs: 200_000 });
    expect(result).toMatchObject({ success: false, errorCode: 'rate_limited', predictionId: null });
    // 5 + 15 + 45 + 45 + 45 = 155 s; one more 45 s wait would pass the 200 s deadline.
    expect(time.sleeps).toEqual([5_000, 15_000, 45_000, 45_000, 45_000]);
    expect(emu.stats().predictionsCreated).toBe(0);
  });

  test("waits out the emulator's real rate limiter, on a clock shared with it", async () => {
    // One clock for both sides: the client's sleeps move the emulator's token buckets and lifecycles.
    const time = fakeTime();
    const limited = await startFast({ now: time.now, rateLimits: { createPerMinute: 1 } });
    try {
      const { client } = clientFor(limited, { preferWaitSeconds: 0 }, time);
      const first = await client.generateImage('one', { intervalMs: 1_000 });
      const second = await client.generateImage('two', { intervalMs: 1_000 });
      expect([first.success, second.success]).toEqual([true, true]);
      // The polls wait 1 s each; told by the first answer that the key is empty, the client's own pacing
      // may add a short wait of its own (under a second); the 429's wait is the only longer one.
      const retryWaits = time.sleeps.filter((ms) => ms > 1_000);
      expect(retryWaits).toHaveLength(1);
      expect(retryWaits[0]).toBeGreaterThan(1_000);
      expect(retryWaits[0]).toBeLessThanOrEqual(60_000);
      expect(limited.stats().responsesByStatus['429']).toBe(1);
      expect(limited.stats().predictionsCreated).toBe(2);
    } finally {
      await limited.close();
    }
  });

  test('honours Retry-After on a GET through the lower layer too', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({ route: 'predictions.get', type: 'status', status: 429, retryAfterSeconds: 3 });
    const created = await client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' } });
    const got = await client.getPrediction(created.id);
    expect(got.id).toBe(created.id);
    expect(time.sleeps).toEqual([3_000]);
  });
});

describe('Retry-After parsing', () => {
  const at = Date.parse('2026-01-01T00:00:00Z');
  test('reads delta-seconds, HTTP dates and ratelimit-reset; ignores garbage', () => {
    const delay = (headers: Record<string, string>): number | null => serverRequestedDelayMs(new Headers(headers), at);
    expect(delay({ 'retry-after': '30' })).toBe(30_000);
    expect(delay({ 'retry-after': '1.5' })).toBe(1_500);
    expect(delay({ 'retry-after': 'Thu, 01 Jan 2026 00:00:12 GMT' })).toBe(12_000);
    expect(delay({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' })).toBe(0);
    expect(delay({ 'ratelimit-reset': '9' })).toBe(9_000);
    expect(delay({ 'retry-after': '4', 'ratelimit-reset': '9' })).toBe(4_000);
    expect(delay({ 'retry-after': 'soon' })).toBeNull();
    expect(delay({ 'retry-after': '-3' })).toBeNull();
    expect(delay({})).toBeNull();
  });
});

describe('transient failures', () => {
  for (const status of [502, 503, 504]) {
    test(`retries a ${status} with the schedule`, async () => {
      const { client, time } = clientFor(emu);
      emu.addFault({ route: 'predictions.create', type: 'status', status, count: 2 });
      const result = await client.generateImage('a dog');
      expect(result.success).toBe(true);
      // A 503 says nothing was done; after a 502 or 504 the create may have been made, so the wait is
      // spent looking for it (the settle window) and the re-send comes at the same time.
      const schedule = status === 503 ? [5_000, 15_000] : [...settleWaits(5_000), ...settleWaits(15_000)];
      expect(time.sleeps).toEqual(schedule);
      expect(emu.stats().predictionsCreated).toBe(1);
    });
  }

  test('gives up after 3 retries of a 503, as http with the status', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 503, count: Infinity });
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: false, errorCode: 'http', predictionId: null });
    expect(time.sleeps).toEqual([5_000, 15_000, 45_000]);
    expect(emu.stats().requests['predictions.create']).toBe(4);
  });

  test('a 500 on a create is not retried', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 500 });
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: false, errorCode: 'http' });
    expect(time.sleeps).toEqual([]);
  });

  test('a 500 on a status check is retried, so the paid prediction is not given up', async () => {
    const { client, time } = clientFor(emu, { preferWaitSeconds: 0 });
    emu.addFault({ route: 'predictions.get', type: 'status', status: 500, count: 2 });
    const result = await client.generateImage('a dog [emulator:predict_ms=30]', { intervalMs: 1_000 });
    expect(result.success).toBe(true);
    expect(time.sleeps.filter((ms) => ms !== 1_000)).toEqual([5_000, 15_000]);
    expect(emu.stats().predictionsCreated).toBe(1);
  });

  test('a connection reset while polling is retried', async () => {
    const { client, time } = clientFor(emu, { preferWaitSeconds: 0 });
    emu.addFault({ route: 'predictions.get', type: 'reset-before', count: 2 });
    const result = await client.generateImage('a dog [emulator:predict_ms=30]', { intervalMs: 1_000 });
    expect(result.success).toBe(true);
    expect(time.sleeps.filter((ms) => ms !== 1_000)).toEqual([5_000, 15_000]);
  });

  test('network failures past the retries are network errors whose message says network', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.get', type: 'reset-before', count: Infinity });
    const created = await client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' } });
    const result = await client.pollPrediction(created.id);
    expect(result).toMatchObject({ status: 'error', errorCode: 'network' });
    expect(result.error).toContain('network');
    await expect(client.getPrediction(created.id)).rejects.toMatchObject({ code: 'network', retries: 3 });
  });

  test('a malformed JSON answer to a GET is retried', async () => {
    const { client, time } = clientFor(emu);
    const created = await client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' } });
    emu.addFault({ route: 'predictions.get', type: 'malformed-json' });
    expect((await client.getPrediction(created.id)).id).toBe(created.id);
    expect(time.sleeps).toEqual([5_000]);
  });

  test('a stalled answer hits the per-request timeout and is retried', async () => {
    const { client, time } = clientFor(emu, { requestTimeoutMs: 150 });
    const created = await client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' } });
    emu.addFault({ route: 'predictions.get', type: 'stall' });
    expect((await client.getPrediction(created.id)).id).toBe(created.id);
    expect(time.sleeps).toEqual([5_000]);
  });

  test('a connection refused is a network error, retried with the schedule', async () => {
    const closed = await startFast();
    const url = closed.apiUrl;
    await closed.close();
    const { client, time } = clientFor(closed);
    expect(client.baseUrl).toBe(url);
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: false, errorCode: 'network', predictionId: null });
    expect(result.error).toContain('network');
    expect(time.sleeps).toEqual([5_000, 15_000, 45_000]);
  });
});

describe('retry options', () => {
  test('delays, count and jitter are options', async () => {
    const { client, time } = clientFor(emu, {
      retry: { delaysMs: [100, 200], maxRetries: 2, jitterRatio: 0.5 },
      random: () => 1, // the top of the jitter range: +50%
    });
    emu.addFault({ route: 'predictions.create', type: 'status', status: 503, count: Infinity });
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: false, errorCode: 'http' });
    expect(time.sleeps).toEqual([150, 300]);
  });

  test('jitter spreads the schedule by at most ±10% by default', async () => {
    const { client, time } = clientFor(emu, { retry: {}, random: () => 0 });
    // A 503 (nothing was done): a 502's wait would be the settle window, which jitter does not shorten.
    emu.addFault({ route: 'predictions.create', type: 'status', status: 503, count: 1 });
    await client.generateImage('a dog');
    expect(time.sleeps).toEqual([4_500]);
  });

  test('invalid retry options are a ConfigurationError', () => {
    expect(() => clientFor(emu, { retry: { maxRetries: -1 } })).toThrow(ReplicateError);
    expect(() => clientFor(emu, { retry: { delaysMs: [] } })).toThrow(/delaysMs/);
  });
});
