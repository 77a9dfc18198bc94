// A batch against the emulator's default rate limits (600 creates a minute, a bucket of a minute's
// worth) sees no 429, and goes about as fast as the limit allows.
//
// Time runs DILATION times faster on one clock shared by the emulator and the client (the client's
// sleeps are that much shorter), so the limits are the defaults, unscaled, and a minute passes in
// twelve seconds. Everything real (sockets, rendering, downloads) counts DILATION times over on that
// clock, so the measured duration is, if anything, pessimistic (downloads are left to the other tests:
// they never touch the API's limits). That includes jitter: the client keeps one second's worth of
// tokens below the server's bucket so that a second of delay bunching requests up cannot cause a 429;
// dilated, a second of emulated time is a fifth of a real one, too little on a loaded machine. So the
// client here keeps DILATION seconds' worth (emulated), one real second, as in production.
//
// Honest arithmetic: a 300-prompt batch on a fresh bucket fits the 600-create burst, so the limit
// allows it at once and says nothing about pacing. The 300-prompt batch measured here runs right
// after a 600-prompt one that spent the burst. Over both, the emulator can accept at most
// 600 + rate × (time since the first create) creates, so the 300 can finish no sooner than
// 900 / 10 per s − 60 s = 30 s after the first create of the first batch: the minimum for the
// second is 30 s minus the first batch's duration. The ratio is logged (timed figures belong to the
// benchmark, `node bench/batch-rate.mjs`), not asserted; the 429 count is asserted.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { DEFAULT_RATE_LIMIT, type ImageResult, ReplicateClient } from '../../src/index.js';
import { dilatedTime } from './dilated-time.js';

const API_KEY = 'r8_RateTestKey0123456789abcdefghijklmnop';
const DILATION = 5;
/** The shared clock: DILATION emulated ms per real ms. */
const { now, sleep } = dilatedTime(DILATION);

let emu: Emulator;
beforeAll(async () => {
  // Default rate limits. Predictions finish as they are created: with the clock dilated, the
  // emulator's real-time timers would otherwise stretch their latency tenfold.
  emu = await startEmulator({ token: API_KEY, now, timings: { '*': { startMs: 0, predictMs: 0 } }, imageMaxSide: 16 });
});
afterAll(async () => {
  await emu.close();
});

const prompts = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag} ${i}`);

test('a 300-prompt batch right after a 600-prompt one sees no 429 from the default limits, at about the pace they allow', {
  timeout: 60_000,
}, async () => {
  const perSecond = DEFAULT_RATE_LIMIT.createsPerMinute / 60;
  const burst = DEFAULT_RATE_LIMIT.createsPerMinute - perSecond * DILATION;
  await using client = new ReplicateClient({
    apiKey: API_KEY,
    baseUrl: emu.apiUrl,
    now,
    sleep,
    preferWaitSeconds: 5,
    rateLimit: { burst },
  });
  const ok = (results: ImageResult[]): number => results.filter((r) => r.success).length;

  const firstStart = now();
  const first = await client.generateImages(prompts(600, 'first'));
  const secondStart = now();
  const second = await client.generateImages(prompts(300, 'second'));
  const secondEnd = now();

  expect(ok(first)).toBe(600);
  expect(ok(second)).toBe(300);
  const stats = emu.stats();
  expect(stats.responsesByStatus['429'] ?? 0).toBe(0);
  expect(stats.predictionsCreated).toBe(900);

  const perMs = DEFAULT_RATE_LIMIT.createsPerMinute / 60_000;
  const firstMs = secondStart - firstStart;
  const minimumMs = Math.max(0, (900 - 600) / perMs - firstMs);
  const secondMs = secondEnd - secondStart;
  const figures =
    minimumMs > 0
      ? `vs ${(minimumMs / 1000).toFixed(2)} s allowed by the limit: ratio ${(secondMs / minimumMs).toFixed(3)}`
      : 'the first batch outlasted the refill of the whole burst, so the limit never bound (a loaded machine): run the benchmark';
  console.log(
    `rate: first batch (600) ${(firstMs / 1000).toFixed(2)} s; second batch (300) ${(secondMs / 1000).toFixed(2)} s ${figures}; ` +
      `429 responses: ${stats.responsesByStatus['429'] ?? 0} (clock dilated ${DILATION}x, client burst ${burst})`,
  );
});
