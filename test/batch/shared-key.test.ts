// Several clients on one key (processes, machines): each follows the API's `ratelimit-remaining` /
// `ratelimit-reset` answers, so that together they stay under the key's limit, with no coordinator but
// the API. First on virtual time against the emulator's own bucket, then against real HTTP servers.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { RateLimiter as EmulatorBucket } from '../../src/emulator/rate-limit.js';
import { ReplicateClient } from '../../src/index.js';
import { RateLimiter } from '../../src/rate-limiter.js';
import { dilatedTime } from './dilated-time.js';
import { virtualTime } from './virtual-time.js';

interface FleetRun {
  endMs: number;
  /** When each client's last create was answered, from the start. */
  endPerClient: number[];
  refusedPerClient: number[];
  shares: number[];
}

/** How a fleet's clients start and are answered, when not all at once with answers of 0.9–1.1 s. */
interface FleetShape {
  /** Client 0 starts this much later than the others (and so finishes its part alone). */
  lateMs?: number;
  /**
   * Client c starts c × this later, and every create is answered exactly 1 s after it is sent: each
   * client's workers then go together, in the same order every round (as real processes do).
   */
  inStepMs?: number;
}

/**
 * K clients, `lanes` workers each, share `total` creates against one bucket of 600/min (the emulator's).
 * A create is answered 0.9–1.1 s after it is sent (a held `Prefer: wait` of flux-schnell), with the
 * headers of the moment it arrived; a refused one at once, and retried after its Retry-After.
 */
async function fleet(k: number, lanes: number, total: number, shape: FleetShape = {}): Promise<FleetRun> {
  const time = virtualTime();
  let seed = 7;
  const random = (): number => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  const server = new EmulatorBucket({ create: 600, other: 3000 }, time.now);
  const clients = Array.from({ length: k }, () => new RateLimiter({}, time.now));
  const refusedPerClient = new Array<number>(k).fill(0);
  const endPerClient = new Array<number>(k).fill(0);
  // Each client has its own share of the work, as separate processes do.
  const left = new Array<number>(k).fill(total / k);
  const start = time.now();
  const lane = async (c: number): Promise<void> => {
    const limiter = clients[c]!;
    const startsAfterMs = (c === 0 ? (shape.lateMs ?? 0) : 0) + c * (shape.inStepMs ?? 0);
    if (startsAfterMs > 0) await time.sleep(startsAfterMs);
    while (left[c]! > 0) {
      left[c]! -= 1;
      for (;;) {
        await limiter.acquire('create', time.sleep, () => false);
        const sentAt = time.now();
        const decision = server.take('create', 'one key')!;
        const headers = new Headers({
          'ratelimit-remaining': String(decision.remaining),
          'ratelimit-reset': String(decision.resetSeconds),
        });
        if (!decision.allowed) {
          refusedPerClient[c]! += 1;
          limiter.observe('create', headers, sentAt);
          await time.sleep(decision.retryAfterSeconds * 1000);
          continue;
        }
        await time.sleep(shape.inStepMs ? 1000 : 900 + Math.floor(random() * 200));
        limiter.observe('create', headers, sentAt);
        break;
      }
    }
    endPerClient[c] = Math.max(endPerClient[c]!, time.now() - start);
  };
  // The shares in the middle of the run, when every client is busy.
  let shares: number[] = [];
  const sample = time.sleep(25_000).then(() => {
    shares = clients.map((l) => l.createShare);
  });
  await time.run(Promise.all([sample, ...clients.flatMap((_, c) => Array.from({ length: lanes }, () => lane(c)))]));
  return { endMs: time.now() - start, endPerClient, refusedPerClient, shares };
}

describe('clients sharing one key, on virtual time', () => {
  for (const k of [2, 4, 8]) {
    test(`${k} clients, 1 000 creates at 600/min, 50 in flight: no 429, each near a 1/${k} share, near the pace the key allows`, async () => {
      const run = await fleet(k, Math.ceil(50 / k), 1_000);
      expect(run.refusedPerClient).toEqual(new Array(k).fill(0));
      for (const share of run.shares) expect(Math.abs(share - 1 / k)).toBeLessThan(0.5 / k);
      // 600 at once, then 10 a second: the last of 1 000 cannot go before 40 s, nor end before 41 s.
      // Each client alone at the full rate would overrun the key k times over and wait out 429s instead.
      // Eight clients lose a little more to noisier share estimates (each sees a slower trickle of answers).
      expect(run.endMs).toBeLessThan(k === 8 ? 45_000 : 43_000);
      // Even shares: no client is left finishing its part alone while the key idles. (Eight clients'
      // shares are measured from fewer answers each; they end further apart.)
      const spreadMs = Math.max(...run.endPerClient) - Math.min(...run.endPerClient);
      expect(spreadMs).toBeLessThan(k === 8 ? 6_000 : 1_500);
    });
  }

  test('one client starts a second late and finishes alone: it takes the rate the others left at once', async () => {
    const run = await fleet(4, 13, 1_000, { lateMs: 1_000 });
    expect(run.refusedPerClient).toEqual([0, 0, 0, 0]);
    // The late client has a second's worth more left when the others finish. Kept at its even share
    // (and its waiters asleep until the times that share gave them), it ended at 45.5 s.
    expect(run.endMs).toBeLessThan(43_500);
  });

  for (const k of [2, 4]) {
    test(`${k} clients whose workers go in step: no 429 as the burst runs out, near the pace the key allows`, async () => {
      const run = await fleet(k, Math.ceil(50 / k), 1_000, { inStepMs: 60 });
      // The client whose workers go first each round reads the most left of the key; counting that
      // reading as fresh, it took the burst's last tokens from the others (and once its waiters re-asked
      // often, 429s): the fleet ended at 43.3 s (two) and 43.0 s (four), one client seconds before the rest.
      expect(run.refusedPerClient).toEqual(new Array(k).fill(0));
      expect(run.endMs).toBeLessThan(42_800);
    });
  }

  test('without the headers, the same fleet overruns the key (what the test above guards against)', async () => {
    const time = virtualTime();
    const server = new EmulatorBucket({ create: 600, other: 3000 }, time.now);
    const clients = Array.from({ length: 4 }, () => new RateLimiter({}, time.now));
    let refused = 0;
    await time.run(
      (async () => {
        for (let i = 0; i < 1_000; i++) {
          await clients[i % 4]!.acquire('create', time.sleep, () => false);
          if (!server.take('create', 'one key')!.allowed) refused += 1;
        }
      })(),
    );
    expect(refused).toBeGreaterThan(300);
  });
});

describe('the client reads the headers of real answers', () => {
  let server: http.Server;
  let baseUrl = '';
  let creates = 0;
  let remaining = 3;
  beforeAll(async () => {
    // A key whose bucket another process has nearly spent: every create answer says what is left.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        creates += 1;
        const left = Math.max(0, remaining - creates);
        res.writeHead(201, {
          'content-type': 'application/json',
          'ratelimit-remaining': String(left),
          'ratelimit-reset': String(60 - left),
        });
        res.end(
          JSON.stringify({
            id: `p${creates}`,
            model: 'black-forest-labs/flux-schnell',
            version: 'hidden',
            input: {},
            output: null,
            error: null,
            status: 'starting',
            created_at: new Date().toISOString(),
            urls: {},
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('told that the key has 2 creates left, a client with a full bucket of its own sends no more than those', async () => {
    creates = 0;
    remaining = 3;
    const frozen = Date.now();
    const sleeping: Array<() => void> = [];
    const client = new ReplicateClient({
      apiKey: 'r8_SharedKeyTest0123456789abcdefghijklmn',
      baseUrl,
      now: () => frozen,
      // The clock never moves: a create that has to wait for the refill waits until the test ends (the
      // millisecond between two creates of one client passes at once).
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (ms <= 1) return resolve();
          sleeping.push(resolve);
          signal?.addEventListener('abort', () => resolve(), { once: true });
        }),
      rateLimit: { createsPerMinute: 60 },
    });
    const create = (): Promise<unknown> =>
      client
        .createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' }, timeoutMs: 600_000 })
        .catch(() => null);
    await create(); // the first answer: 2 left
    expect(creates).toBe(1);
    const more = Array.from({ length: 10 }, create);
    // Wait until each of the ten has either reached the server or is waiting for a token.
    while (sleeping.length + creates - 1 < 10) await new Promise((r) => setTimeout(r, 5));
    // Its own bucket (59 at once) would have let all ten go; the key had 2 left, less the 1 kept in reserve.
    expect(creates).toBe(2);
    await client.close();
    await Promise.all(more);
  });

  test('told that others use nearly all of the key, a create waits in slices and still stops at its deadline, unsent', async () => {
    creates = 0;
    remaining = 16;
    let t = 1_700_000_000_000;
    const sleeps: number[] = [];
    const client = new ReplicateClient({
      apiKey: 'r8_SharedKeyTest0123456789abcdefghijklmn',
      baseUrl,
      now: () => t,
      // Time moves only by the client's own sleeps, each at once.
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
    });
    const create = (timeoutMs: number) =>
      client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' }, timeoutMs });
    await create(600_000); // 15 left
    t += 2_000;
    await create(600_000); // 14 left two seconds later: the key made 21 creates, one of them this client's
    const start = t;
    sleeps.length = 0;
    // The key's last tokens are kept in reserve and its refill is mostly the others': the next token is
    // this client's only seconds from now. The wait is cut into slices, each asking again, and the deadline
    // still ends it on time, with nothing sent.
    const outcome = await create(500).then(
      () => 'sent',
      (error: { code: string }) => `${error.code} at ${t - start}`,
    );
    expect(outcome).toBe('timeout at 500');
    expect(creates).toBe(2);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(200);
    await client.close();
  });

  test('with followServer: false the headers are ignored and the bucket alone decides', async () => {
    creates = 0;
    remaining = 3;
    const client = new ReplicateClient({
      apiKey: 'r8_SharedKeyTest0123456789abcdefghijklmn',
      baseUrl,
      now: () => 1_700_000_000_000,
      rateLimit: { createsPerMinute: 60, followServer: false },
    });
    const create = (): Promise<unknown> =>
      client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' }, timeoutMs: 600_000 });
    await create();
    await Promise.all(Array.from({ length: 10 }, create));
    expect(creates).toBe(11);
    await client.close();
  });
});

describe('two clients in one process on one emulator, the real 600/min limit, time dilated', () => {
  const DILATION = 5;
  const API_KEY = 'r8_SharedKeyEmuTest0123456789abcdefghijk';
  const { now, sleep } = dilatedTime(DILATION);
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({
      token: API_KEY,
      now,
      timings: { '*': { startMs: 0, predictMs: 0 } },
      imageMaxSide: 16,
    });
  });
  afterAll(async () => {
    await emu.close();
  });

  test('750 creates between them past the burst: at most one 429 each, none failed', { timeout: 120_000 }, async () => {
    // As in rate.test.ts: the clock runs 5x, so a real second of slack is 5 s' worth of tokens.
    const burst = 600 - 10 * DILATION;
    const make = (): ReplicateClient =>
      new ReplicateClient({
        apiKey: API_KEY,
        baseUrl: emu.apiUrl,
        now,
        sleep,
        preferWaitSeconds: 5,
        rateLimit: { burst },
      });
    const [a, b] = [make(), make()];
    const prompts = (tag: string): string[] => Array.from({ length: 375 }, (_, i) => `${tag} ${i}`);
    const run = (client: ReplicateClient, tag: string) => client.generateImages(prompts(tag));
    const [ra, rb] = await Promise.all([run(a, 'a'), run(b, 'b')]);
    await Promise.all([a.close(), b.close()]);
    expect(ra.filter((r) => r.success)).toHaveLength(375);
    expect(rb.filter((r) => r.success)).toHaveLength(375);
    const stats = emu.stats();
    expect(stats.predictionsCreated).toBe(750);
    // The emulator counts per key, not per client: two clients, at most one each.
    expect(stats.responsesByStatus['429'] ?? 0).toBeLessThanOrEqual(2);
  });
});
