// The client's token buckets, on virtual time: the schedule of creates they let go never exceeds
// the bucket (checked by replaying it through the emulator's own bucket), and is no slower than it.

import { describe, expect, test } from 'vitest';
import { DEFAULT_RATE_LIMIT } from '../../src/defaults.js';
import { RateLimiter as EmulatorBucket } from '../../src/emulator/rate-limit.js';
import { ConfigurationError, ReplicateClient } from '../../src/index.js';
import { defaultBurst, evenPartsNear, RateLimiter, rateClassOf } from '../../src/rate-limiter.js';
import { virtualTime } from './virtual-time.js';

/** True when sends at these times never exceed a bucket of `burst` refilled at `perMinute` (starting full). */
function conforms(times: readonly number[], perMinute: number, burst: number): boolean {
  const perMs = perMinute / 60_000;
  for (let i = 0; i < times.length; i++) {
    for (let j = i; j < times.length; j++) {
      // Sends i..j fall in [times[i], times[j]]: at most the burst plus what refilled in between.
      if (j - i + 1 > burst + (times[j]! - times[i]!) * perMs + 1e-9) return false;
    }
  }
  return true;
}

describe('RateLimiter', () => {
  test("lets 1 200 concurrent creates go no faster than the emulator's bucket accepts, replayed on the same clock", async () => {
    const time = virtualTime();
    const limiter = new RateLimiter({}, time.now);
    const emulator = new EmulatorBucket({ create: 600, other: 3000 }, time.now);
    const sent: number[] = [];
    const refused: number[] = [];
    const one = async (i: number): Promise<void> => {
      expect(await limiter.acquire('create', time.sleep, () => false)).toBe(true);
      sent.push(time.now());
      if (!emulator.take('create', 'token')!.allowed) refused.push(i);
    };
    const started = time.now();
    await time.run(Promise.all(Array.from({ length: 1_200 }, (_, i) => one(i))));
    expect(refused).toEqual([]);
    expect(sent).toHaveLength(1_200);
    // No slower than the bucket: the burst one a millisecond (so that each answer's rate-limit headers
    // can be told apart), then one every 100 ms.
    const burst = defaultBurst(DEFAULT_RATE_LIMIT.createsPerMinute);
    expect(burst).toBe(590);
    expect(sent.slice(0, burst).map((t) => t - started)).toEqual(Array.from({ length: burst }, (_, i) => i));
    expect(sent.at(-1)! - started).toBe((1_200 - burst) * 100);
  });

  test('a schedule of workers with pauses between their requests stays within the bucket in every window', async () => {
    const time = virtualTime();
    const perMinute = 120;
    const burst = 5;
    const limiter = new RateLimiter({ createsPerMinute: perMinute, burst }, time.now);
    const sent: number[] = [];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const worker = async (): Promise<void> => {
      for (let k = 0; k < 15; k++) {
        await limiter.acquire('create', time.sleep, () => false);
        sent.push(time.now());
        await time.sleep(Math.floor(random() * 3_000));
      }
    };
    await time.run(Promise.all(Array.from({ length: 6 }, worker)));
    expect(sent).toHaveLength(90);
    expect(conforms(sent, perMinute, burst)).toBe(true);
    // The check has teeth: the same sends one millisecond earlier after the burst would not conform.
    expect(
      conforms(
        sent.map((t, i) => (i >= burst ? t - 1 : t)),
        perMinute,
        burst,
      ),
    ).toBe(false);
  });

  test('a waiter that gives up returns its token, so the next one does not wait for it', async () => {
    const time = virtualTime();
    const limiter = new RateLimiter({ createsPerMinute: 60, burst: 1 }, time.now);
    const start = time.now();
    expect(await limiter.acquire('create', time.sleep, () => false)).toBe(true);
    // B's wait ends early when it gives up, as the transport's does when a signal aborts.
    let stopB = false;
    let wakeB = (): void => {};
    const stopped = new Promise<void>((resolve) => {
      wakeB = resolve;
    });
    const b = limiter.acquire(
      'create',
      (ms) => Promise.race([time.sleep(ms), stopped]),
      () => stopB,
    );
    const timeline: Array<[string, number]> = [];
    const both = Promise.all([
      b.then((went) => timeline.push([`b ${went}`, time.now() - start])),
      (async () => {
        await time.sleep(500);
        stopB = true;
        wakeB();
        await time.sleep(0);
        await limiter.acquire('create', time.sleep, () => false);
        timeline.push(['c true', time.now() - start]);
      })(),
    ]);
    await time.run(both);
    // B was due at 1 000 ms and gave up at 500; C takes its place at 1 000 rather than waiting until 2 000.
    expect(timeline).toEqual([
      ['b false', 500],
      ['c true', 1_000],
    ]);
  });

  test('creates and other requests have separate buckets; otherPerMinute: false leaves the rest unlimited', () => {
    const time = virtualTime();
    const limiter = new RateLimiter({ createsPerMinute: 60, burst: 1 }, time.now);
    expect(limiter.bucket('create')!.burst).toBe(1);
    expect(limiter.bucket('other')!.perMinute).toBe(3000);
    expect(limiter.bucket('other')!.burst).toBe(2950);
    expect(new RateLimiter({ otherPerMinute: false }, time.now).bucket('other')).toBeUndefined();
  });

  test('prediction creates are told apart from every other request', () => {
    expect(rateClassOf('POST', '/v1/models/black-forest-labs/flux-schnell/predictions')).toBe('create');
    expect(rateClassOf('POST', '/v1/predictions')).toBe('create');
    expect(rateClassOf('POST', '/v1/deployments/acme/sdxl/predictions')).toBe('create');
    expect(rateClassOf('POST', '/v1/predictions/abc/cancel')).toBe('other');
    expect(rateClassOf('GET', '/v1/predictions')).toBe('other');
    expect(rateClassOf('GET', '/v1/predictions/abc')).toBe('other');
    expect(rateClassOf('POST', '/v1/files')).toBe('other');
  });
});

test('a measured share takes the nearest even share 1/n, and keeps its n through the wavering of the measure', () => {
  // First estimates, from a client alone (n = 1) so far.
  expect(evenPartsNear(0.26, 1)).toBe(4);
  expect(evenPartsNear(0.5, 1)).toBe(2);
  expect(evenPartsNear(0.9, 1)).toBe(1);
  // A share measured from a few seconds of answers wavers by a tenth or more: n stays.
  expect(evenPartsNear(0.22, 4)).toBe(4);
  expect(evenPartsNear(0.3, 4)).toBe(4);
  // A clear change moves it: one of four clients stopped (a third each), or four more joined.
  expect(evenPartsNear(0.34, 4)).toBe(3);
  expect(evenPartsNear(0.125, 4)).toBe(8);
});

describe('the client', () => {
  test('paces the creates of every call it makes through one shared bucket, in the transport', async () => {
    const time = virtualTime();
    const creates: number[] = [];
    const gets: number[] = [];
    let n = 0;
    const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      const method = init?.method ?? 'GET';
      (rateClassOf(method, url.pathname) === 'create' ? creates : gets).push(time.now());
      const prediction = {
        id: `p${n++}`,
        model: 'black-forest-labs/flux-schnell',
        version: 'hidden',
        input: { prompt: 'x' },
        output: null,
        error: null,
        status: 'starting',
        created_at: new Date(time.now()).toISOString(),
        urls: {},
      };
      return new Response(JSON.stringify(prediction), {
        status: method === 'POST' ? 201 : 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const client = new ReplicateClient({
      apiKey: 'r8_test',
      baseUrl: 'https://api.replicate.test/v1',
      fetch,
      now: time.now,
      sleep: time.sleep,
      rateLimit: { createsPerMinute: 60, burst: 3, otherPerMinute: 120, otherBurst: 2 },
    });
    const calls = [
      ...Array.from({ length: 10 }, () =>
        client.createPrediction({
          model: 'black-forest-labs/flux-schnell',
          input: { prompt: 'x' },
          timeoutMs: 3_600_000,
        }),
      ),
      ...Array.from({ length: 6 }, (_, i) => client.getPrediction(`p${i}`, { timeoutMs: 3_600_000 })),
    ];
    await time.run(Promise.all(calls));
    const start = Math.min(...creates, ...gets);
    // The burst of 3 goes one a millisecond, then one a second.
    expect(creates.map((t) => t - start)).toEqual([0, 1, 2, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000]);
    expect(gets.map((t) => t - start)).toEqual([0, 0, 500, 1_000, 1_500, 2_000]);
    await client.close();
  });

  test('a create still waiting for a token at its deadline fails with timeout, unsent, and its token goes to the next', async () => {
    const time = virtualTime();
    const sent: Array<[string, number]> = [];
    const fetch = async (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const prompt = (JSON.parse(String(init?.body)) as { input: { prompt: string } }).input.prompt;
      sent.push([prompt, time.now()]);
      const prediction = {
        id: `p-${prompt}`,
        model: 'black-forest-labs/flux-schnell',
        version: 'hidden',
        input: { prompt },
        output: null,
        error: null,
        status: 'starting',
        created_at: new Date(time.now()).toISOString(),
        urls: {},
      };
      return new Response(JSON.stringify(prediction), { status: 201, headers: { 'content-type': 'application/json' } });
    };
    const client = new ReplicateClient({
      apiKey: 'r8_test',
      baseUrl: 'https://api.replicate.test/v1',
      fetch,
      now: time.now,
      sleep: time.sleep,
      rateLimit: { createsPerMinute: 60, burst: 1 },
    });
    const create = (prompt: string, timeoutMs: number) =>
      client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt }, timeoutMs });
    const start = time.now();
    const outcome = await time.run(
      Promise.all([
        create('a', 60_000),
        create('b', 500).then(
          () => 'sent',
          (error: { code: string }) => `${error.code} at ${time.now() - start}`,
        ),
        time.sleep(600).then(() => create('c', 60_000)),
      ]),
    );
    expect(outcome[1]).toBe('timeout at 500');
    // B was due at 1 000 ms; C, asking at 600, gets that slot rather than 2 000.
    expect(sent.map(([prompt, t]) => [prompt, t - start])).toEqual([
      ['a', 0],
      ['c', 1_000],
    ]);
    await client.close();
  });

  test('rejects a rate or burst that is not a positive number', () => {
    const base = { apiKey: 'r8_test', baseUrl: 'https://api.replicate.test/v1' };
    expect(() => new ReplicateClient({ ...base, rateLimit: { createsPerMinute: 0 } })).toThrow(ConfigurationError);
    expect(() => new ReplicateClient({ ...base, rateLimit: { burst: 0.5 } })).toThrow(
      /rateLimit: a burst must be a whole number/,
    );
    expect(() => new ReplicateClient({ ...base, rateLimit: false })).not.toThrow();
  });
});
