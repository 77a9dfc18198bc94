// Items 13, 14 and 17 of issue 10: a URL fetch refuses ends the call at once; a server's Retry-After is
// read on the server's clock and never drives a storm; an answer larger than the cap is not read whole.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplicateClient } from '../../src/index.js';
import {
  fakeClock,
  type HostileServer,
  prediction,
  REAL_SHAPED_KEY,
  sendJson,
  startHostile,
  streamFiller,
} from './servers.js';

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function clientOn(baseUrl: string, clock = fakeClock(), extra: Record<string, unknown> = {}) {
  return new ReplicateClient({
    apiKey: REAL_SHAPED_KEY,
    baseUrl,
    preferWaitSeconds: 0,
    rateLimit: false,
    useStream: false,
    now: clock.now,
    sleep: clock.sleep,
    retry: { jitterRatio: 0 },
    ...extra,
  });
}

describe('a URL fetch refuses (item 13)', () => {
  for (const port of [6000, 10080]) {
    it(`port ${port}: the call ends at once with a configuration error naming the port, no retry`, async () => {
      const clock = fakeClock();
      const client = clientOn(`http://127.0.0.1:${port}/v1`, clock);
      const started = clock.now();
      const result = await client.generateImage('a cat', { timeoutMs: 10_000 });
      expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
      expect(result.error).toContain(`port ${port}`);
      expect(result.error).toMatch(/bad port/);
      expect(clock.sleeps).toEqual([]); // not a single retry wait
      expect(clock.now() - started).toBe(0);
      const polled = await client.pollPrediction('abc123', { timeoutMs: 10_000 });
      expect(polled).toMatchObject({ status: 'error', errorCode: 'invalid_input' });
      expect(clock.sleeps).toEqual([]);
    });
  }

  it('a server that resets every read: the call ends within its deadline, no wait past it', async () => {
    server = await startHostile((_req, res) => {
      res.socket?.destroy();
    });
    const clock = fakeClock();
    const started = clock.now();
    const result = await clientOn(server.apiUrl, clock).pollPrediction('abc123', { timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 'error', errorCode: 'network' });
    expect(clock.now() - started).toBeLessThanOrEqual(10_000);
  });
});

/** An HTTP date `offsetMs` from the real time, as a server whose clock is off by that much would write it. */
function httpDate(offsetMs: number): string {
  return new Date(Date.now() + offsetMs).toUTCString();
}

/** A server that throttles the first `throttled` creates with `retryAfter()`, its `Date` 60 s behind. */
async function throttlingServer(throttled: number, retryAfter: () => string): Promise<HostileServer> {
  let creates = 0;
  const behind = -60_000;
  const s = await startHostile((req, res) => {
    const date = { date: httpDate(behind) };
    if (req.method === 'POST') {
      creates += 1;
      if (creates <= throttled) {
        return sendJson(res, 429, { detail: 'slow down' }, { ...date, 'retry-after': retryAfter() });
      }
      return sendJson(
        res,
        201,
        prediction(s.origin, { status: 'succeeded', output: ['https://x.test/out-0.png'] }),
        date,
      );
    }
    return sendJson(
      res,
      200,
      prediction(s.origin, { status: 'succeeded', output: ['https://x.test/out-0.png'] }),
      date,
    );
  });
  return s;
}

describe('Retry-After against the server clock, with a floor (item 14)', () => {
  it('an HTTP date from a server 60 s behind is measured on its clock: ~2 s waits, not 0', async () => {
    server = await throttlingServer(5, () => httpDate(-60_000 + 2_000));
    const clock = fakeClock();
    const started = clock.now();
    const result = await clientOn(server.apiUrl, clock).generateImage('a cat', { timeoutMs: 60_000 });
    expect(result).toMatchObject({ success: true });
    expect(clock.sleeps).toHaveLength(5);
    // The header has whole seconds: "2 s from now" on the server's clock is 1 to 2 s, never 0.
    for (const ms of clock.sleeps) expect(ms).toBeGreaterThanOrEqual(1_000);
    const creates = server.count('POST');
    const seconds = (clock.now() - started) / 1000;
    expect(creates / seconds).toBeLessThanOrEqual(1.5); // bounded: about one create per wait
  });

  it('Retry-After: 0 and a date already past get the 1 s floor; the floor is configurable', async () => {
    server = await throttlingServer(4, () => '0');
    let clock = fakeClock();
    await clientOn(server.apiUrl, clock).generateImage('a cat', { timeoutMs: 60_000 });
    expect(clock.sleeps).toEqual([1_000, 1_000, 1_000, 1_000]);
    await server.close();

    server = await throttlingServer(3, () => httpDate(-3_600_000));
    clock = fakeClock();
    await clientOn(server.apiUrl, clock, { retry: { jitterRatio: 0, minDelayMs: 250 } }).generateImage('a cat', {
      timeoutMs: 60_000,
    });
    expect(clock.sleeps).toEqual([250, 250, 250]);
  });
});

/** Answers `{"id": ..., "status": "processing", "logs": "xxxx... (200 MB)"}` without holding it in memory. */
async function hugeAnswer(res: ServerResponse, status: number, origin: string, sent: number[]): Promise<void> {
  const head = JSON.stringify(prediction(origin, { status: 'processing', logs: '' })).replace(/"logs":""[,}]/, '');
  res.writeHead(status, { 'content-type': 'application/json' });
  // `id` first, as Replicate orders it; the body is valid JSON if read to the end.
  res.write(`${head.slice(0, -1)},"logs":"`);
  const n = await streamFiller(res, 200 * 1024 * 1024);
  sent.push(n);
  if (!res.destroyed) res.end('"}');
}

describe('answers larger than maxResponseBytes (item 17)', () => {
  it('a poll answering 200 MB of logs ends with response_too_large naming the size; the id is kept', async () => {
    const sent: number[] = [];
    server = await startHostile(async (req, res, _body, origin) => {
      if (req.method === 'POST' && req.url?.endsWith('/cancel'))
        return sendJson(res, 200, prediction(origin, { status: 'canceled' }));
      if (req.method === 'POST') return sendJson(res, 201, prediction(origin, { status: 'starting' }));
      await hugeAnswer(res, 200, origin, sent);
    });
    const maxResponseBytes = 4 * 1024 * 1024;
    const result = await clientOn(server.apiUrl, fakeClock(), { maxResponseBytes }).generateImage('a cat', {
      timeoutMs: 60_000,
    });
    expect(result).toMatchObject({
      success: false,
      errorCode: 'response_too_large',
      predictionId: 'hostile0000000000000000001',
    });
    expect(result.error).toContain(String(maxResponseBytes));
    await until(() => sent.length > 0);
    // The read stopped near the cap: the server could not push the 200 MB (socket buffers hold a few MB).
    expect(sent[0]).toBeLessThan(maxResponseBytes + 32 * 1024 * 1024);
  });

  it('a create answering 200 MB: response_too_large, and the prediction is named in the result and the journal', async () => {
    const sent: number[] = [];
    server = await startHostile(async (req, res, _body, origin) => {
      if (req.method === 'POST' && !req.url?.endsWith('/cancel')) return hugeAnswer(res, 201, origin, sent);
      return sendJson(res, 200, prediction(origin, { status: 'canceled' }));
    });
    const dir = await mkdtemp(join(tmpdir(), 'hostile-journal-'));
    const journal = join(dir, 'journal.jsonl');
    const client = clientOn(server.apiUrl, fakeClock(), { maxResponseBytes: 1024 * 1024, journal });
    const result = await client.generateImage('a cat');
    expect(result).toMatchObject({
      success: false,
      errorCode: 'response_too_large',
      predictionId: 'hostile0000000000000000001',
    });
    expect(server.count('POST /v1/models')).toBe(1); // not re-sent
    const records = (await readFile(journal, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; predictionId?: string });
    expect(records).toContainEqual(
      expect.objectContaining({ event: 'created', predictionId: 'hostile0000000000000000001' }),
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a nonsense maxResponseBytes at construction', () => {
    expect(() => clientOn('http://127.0.0.1:1/v1', fakeClock(), { maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}
