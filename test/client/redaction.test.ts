// The API key goes only to the configured API origin, in the Authorization header, and never appears
// in a log line, an error, a result, or a request body. Hostile servers below are real loopback servers.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { ReplicateError } from '../../src/index.js';
import { API_KEY, clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

function expectNoKey(value: unknown): void {
  const text =
    typeof value === 'string' ? value : `${JSON.stringify(value)}\n${inspect(value, { depth: 10, showHidden: true })}`;
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(API_KEY.slice(3)); // not even the part after `r8_`
}

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server with a scripted answer that records every request it gets. */
async function hostile(
  answer: (req: Recorded, origin: string) => { status: number; headers?: Record<string, string>; body?: string },
): Promise<{ origin: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const a = answer(recorded, origin);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('logs, errors and results', () => {
  test('no log line, result or error carries the key, whatever happens', async () => {
    const { client, logs } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 429, retryAfterSeconds: 1 });
    emu.addFault({ route: 'predictions.create', type: 'reset-after-create' });
    const results = [
      await client.generateImage('a dog'),
      await client.generateImage('a cat [emulator:fail]'),
      await client.generateVideo(['file:///nope']),
      await client.generateVideo([new Uint8Array(300 * 1024).fill(1)], { timeoutMs: 1 }),
      await client.pollPrediction('missing'),
    ];
    for (const r of results) expectNoKey(r);
    const errors: unknown[] = [];
    for (const call of [
      () => client.getPrediction('missing'),
      () => client.cancelPrediction('missing'),
      () => client.createPrediction({ model: 'nobody/nothing', input: {} }),
      () => client.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { num_outputs: 1 } }),
    ]) {
      await call().then(
        () => expect.unreachable(),
        (e: unknown) => errors.push(e),
      );
    }
    for (const e of errors) {
      expect(e).toBeInstanceOf(ReplicateError);
      expectNoKey(e);
      expectNoKey(String((e as Error).stack));
    }
    expect(logs.length).toBeGreaterThan(5);
    for (const line of logs) expectNoKey(line);
  });

  test('a wrong key is not echoed either', async () => {
    const wrong = 'r8_AnotherSecretKey000000000000000000000000';
    const { client, logs } = clientFor(emu, { apiKey: wrong });
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: false, errorCode: 'auth' });
    expect(JSON.stringify(result) + logs.join('\n')).not.toContain(wrong);
  });

  test('a server that echoes the key in its error detail has it redacted', async () => {
    const server = await hostile((req) => ({
      status: 401,
      body: JSON.stringify({ detail: `Invalid token: ${String(req.headers.authorization)} (${API_KEY})`, status: 401 }),
    }));
    try {
      const { client, logs } = clientFor(emu, { baseUrl: `${server.origin}/v1` });
      const result = await client.generateImage('a dog');
      expect(result).toMatchObject({ success: false, errorCode: 'auth' });
      expectNoKey(result);
      expect(result.error).toContain('[REDACTED]');
      const error = await client.getPrediction('abc').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'auth', status: 401 });
      expectNoKey(error);
      for (const line of logs) expectNoKey(line);
    } finally {
      await server.close();
    }
  });

  test('silent by default: no logger, no output', async () => {
    const { client } = clientFor(emu, { logger: undefined });
    const result = await client.generateImage('a dog');
    expect(result.success).toBe(true);
  });
});

describe('where the key goes', () => {
  test('only in the Authorization header, and never in a body', async () => {
    const server = await hostile(() => ({ status: 422, body: JSON.stringify({ detail: 'nope' }) }));
    try {
      const { client } = clientFor(emu, { baseUrl: `${server.origin}/v1` });
      await client.generateImage('a dog');
      expect(server.requests).toHaveLength(1);
      const [request] = server.requests;
      expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request!.body).not.toContain(API_KEY);
    } finally {
      await server.close();
    }
  });

  test('a redirect to another host is not followed, so the key never reaches it', async () => {
    const elsewhere = await hostile(() => ({ status: 200, body: '{}' }));
    const api = await hostile(() => ({ status: 307, headers: { location: `${elsewhere.origin}/v1/steal` } }));
    try {
      const { client } = clientFor(emu, { baseUrl: `${api.origin}/v1` });
      const result = await client.generateImage('a dog');
      expect(result).toMatchObject({ success: false, errorCode: 'http' });
      await expect(client.getPrediction('abc')).rejects.toMatchObject({ code: 'http', status: 307 });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await api.close();
      await elsewhere.close();
    }
  });

  test('a pagination link to another origin is refused, not fetched with the key', async () => {
    const elsewhere = await hostile(() => ({ status: 200, body: JSON.stringify({ results: [], next: null }) }));
    const api = await hostile(() => ({
      status: 200,
      body: JSON.stringify({ results: [], next: `${elsewhere.origin}/v1/predictions?cursor=x`, previous: null }),
    }));
    try {
      const { client } = clientFor(emu, { baseUrl: `${api.origin}/v1` });
      const pages: unknown[] = [];
      await expect(
        (async () => {
          for await (const page of client.listPredictions()) pages.push(page);
        })(),
      ).rejects.toMatchObject({ code: 'http' });
      expect(pages).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await api.close();
      await elsewhere.close();
    }
  });

  test('an input that contains the key is refused before anything is sent', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage(`please use ${API_KEY}`);
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
    expectNoKey(result);
    await expect(
      client.createPrediction({
        model: 'black-forest-labs/flux-schnell',
        input: { prompt: 'x', extra: { token: API_KEY } },
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(emu.stats().requests['predictions.create'] ?? 0).toBe(0);
  });

  test('images given as bytes become data URLs without the key', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])]);
    const input = JSON.stringify(result.prediction?.input ?? {});
    expect(input).toContain('data:image/png;base64,');
    expect(input).not.toContain(API_KEY);
  });
});
