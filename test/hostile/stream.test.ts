// Items 15 and 16 of issue 10: a stream host that closes at once (with only a `: 408` comment, or with
// one event each time) is reconnected to with a growing wait and given up on; a stream without newlines
// is read in linear time and dropped once a line passes the cap. Polling carries on in every case.

import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/defaults.js';
import { ReplicateClient } from '../../src/index.js';
import { waitForStreamDone } from '../../src/prediction-stream.js';
import { createRedactor } from '../../src/redact.js';
import { Transport } from '../../src/transport.js';
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

function transportWith(clock: ReturnType<typeof fakeClock>, baseUrl: string): Transport {
  return new Transport({
    apiKey: REAL_SHAPED_KEY,
    baseUrl,
    fetch: globalThis.fetch,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    retry: DEFAULT_RETRY,
    requestTimeoutMs: 5_000,
    logger: undefined,
    redact: createRedactor(REAL_SHAPED_KEY),
    closeSignal: new AbortController().signal,
    userAgent: 'hostile-test',
  });
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

describe('reconnects to a stream host that closes at once (item 15)', () => {
  it('`: 408` and close: a comment is not data; two reconnects, the second after a wait, then polling alone', async () => {
    let polls = 0;
    server = await startHostile((req, res, _body, origin) => {
      if (req.url?.startsWith('/stream')) {
        sse(res);
        return res.end(': 408\n\n');
      }
      polls += 1;
      const status = polls >= 30 ? 'succeeded' : 'processing';
      const urls = {
        get: `${origin}/v1/predictions/p1`,
        cancel: `${origin}/v1/predictions/p1/cancel`,
        stream: `${origin}/stream/p1`,
      };
      sendJson(
        res,
        200,
        prediction(origin, {
          id: 'p1',
          status,
          urls,
          output: status === 'succeeded' ? ['https://x.test/a.png'] : null,
        }),
      );
    });
    const clock = fakeClock();
    const client = new ReplicateClient({
      apiKey: REAL_SHAPED_KEY,
      baseUrl: server.apiUrl,
      rateLimit: false,
      now: clock.now,
      sleep: clock.sleep,
    });
    const result = await client.pollPrediction('p1', { intervalMs: 500, timeoutMs: 600_000 });
    expect(result).toMatchObject({ status: 'succeeded' });
    // Over the ~15 s (fake) the poll took, the stream was opened 3 times in all, not hundreds.
    expect(server.count('GET /stream')).toBe(3);
  });

  it('a host sending one event then closing each time: waits double (1 s, 2 s, 4 s, ...) and are capped', async () => {
    let connections = 0;
    const controller = new AbortController();
    server = await startHostile((_req, res) => {
      connections += 1;
      if (connections >= 9) controller.abort();
      sse(res);
      res.end(`id: ${connections}\nevent: output\ndata: x\n\n`);
    });
    const clock = fakeClock();
    const done = await waitForStreamDone(
      transportWith(clock, server.apiUrl),
      `${server.origin}/stream`,
      controller.signal,
      {
        maxReconnectDelayMs: 8_000,
      },
    );
    expect(done).toBe(false);
    expect(connections).toBe(9);
    // Connection 2 follows at once; each later one waits, doubling up to the cap.
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000]);
  });
});

describe('a stream that never sends a newline (item 16)', () => {
  it('is dropped once the line passes the cap: the client stops reading near 1 MiB of 16 MiB', async () => {
    const sent: number[] = [];
    server = await startHostile(async (_req, res) => {
      sse(res);
      res.write('data: ');
      sent.push(await streamFiller(res, 16 * 1024 * 1024));
      if (!res.destroyed) res.end();
    });
    const clock = fakeClock();
    const done = await waitForStreamDone(
      transportWith(clock, server.apiUrl),
      `${server.origin}/stream`,
      new AbortController().signal,
    );
    expect(done).toBe(false);
    for (let i = 0; i < 500 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    // 1 MiB read, plus what the loopback socket buffers held when the client hung up.
    expect(sent[0]).toBeLessThan(8 * 1024 * 1024);
    expect(server.count('GET /stream')).toBe(1); // a line too long is not retried
  });

  it('the line cap is configurable, and a long but legal line within it is read', async () => {
    server = await startHostile((_req, res) => {
      sse(res);
      res.end(`event: output\ndata: ${'y'.repeat(300_000)}\n\nevent: done\r\ndata: {}\r\n\r\n`);
    });
    const clock = fakeClock();
    const t = transportWith(clock, server.apiUrl);
    const signal = new AbortController().signal;
    expect(await waitForStreamDone(t, `${server.origin}/stream`, signal, { maxLineBytes: 512 * 1024 })).toBe(true);
    expect(await waitForStreamDone(t, `${server.origin}/stream`, signal, { maxLineBytes: 100_000 })).toBe(false);
  });

  it('CRLF line breaks split across chunks are read right: the done event arrives on the first connection', async () => {
    const pieces = [
      'id: 1\r',
      '\nevent: output\r',
      '\ndata: a\r',
      '\n\r',
      '\nevent: done\r',
      '\ndata: {}\r',
      '\n\r',
      '\n',
    ];
    server = await startHostile(async (_req, res) => {
      sse(res);
      for (const piece of pieces) {
        res.write(piece);
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
    });
    const clock = fakeClock();
    const done = await waitForStreamDone(
      transportWith(clock, server.apiUrl),
      `${server.origin}/s`,
      new AbortController().signal,
    );
    expect(done).toBe(true);
    expect(server.count('GET /s')).toBe(1);
  });
});
