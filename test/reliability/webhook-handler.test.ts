// The webhook handler (src/webhook-handler.ts) against deliveries the emulator really sends: its
// retries after a failed or lost answer, replayed timestamps, tampered bodies, and bounded memory.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type Emulator, signWebhook, startEmulator } from '../../src/emulator/index.js';
import {
  createNodeWebhookHandler,
  createWebhookHandler,
  type Prediction,
  ReplicateClient,
  verifyWebhook,
  type WebhookDelivery,
} from '../../src/index.js';

const KEY = 'r8_WebhookHandlerTestKey00000000000000000';

interface Captured {
  headers: Record<string, string>;
  body: string;
  status: number;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

async function setup(): Promise<{ emu: Emulator; client: ReplicateClient; secret: string }> {
  const emu = await startEmulator({
    token: KEY,
    timings: { '*': { startMs: 5, predictMs: 20 } },
    webhookRetryDelaysMs: [30, 60, 120],
  });
  const client = new ReplicateClient({ apiKey: KEY, baseUrl: emu.apiUrl });
  return { emu, client, secret: await client.getWebhookSecret() };
}

function createWithHook(client: ReplicateClient, webhook: string, prompt = 'a heron at dawn'): Promise<Prediction> {
  return client.createPrediction({
    model: 'black-forest-labs/flux-schnell',
    input: { prompt },
    webhook,
    webhookEventsFilter: ['completed'],
  });
}

/** A Request-style endpoint on node:http: the request is rebuilt as a web Request, as frameworks do. */
function webAdapter(handler: (request: Request) => Promise<Response>, captured: Captured[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const response = await handler(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body }));
      captured.push({ headers: Object.fromEntries(headers), body: body.toString('utf8'), status: response.status });
      res.writeHead(response.status, { 'content-type': 'application/json' });
      res.end(await response.text());
    });
  };
}

describe('createWebhookHandler (Request → Response) with real emulator deliveries', () => {
  test('a handler that fails the first delivery gets the retry, with the same webhook-id, and handles it once', async () => {
    const { emu, client, secret } = await setup();
    await using _ = emu;
    const seen: Array<{ prediction: Prediction; delivery: WebhookDelivery }> = [];
    let calls = 0;
    const handler = createWebhookHandler({
      secret: () => secret,
      onPrediction: (prediction, delivery) => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        seen.push({ prediction, delivery });
      },
    });
    const captured: Captured[] = [];
    const url = await listen(webAdapter(handler, captured));
    const created = await createWithHook(client, url);
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 5_000 });
    expect(captured.map((c) => c.status)).toEqual([500, 200]);
    expect(captured[0]!.headers['webhook-id']).toBe(captured[1]!.headers['webhook-id']);
    expect(seen[0]!.prediction).toMatchObject({ id: created.id, status: 'succeeded' });
    expect(seen[0]!.delivery.webhookId).toBe(captured[0]!.headers['webhook-id']);
    expect(emu.stats().webhookDeliveries).toBe(2);
  });

  test('a replayed delivery (same id, later) is answered 200 without calling the handler again; an old timestamp is refused', async () => {
    const { emu, client, secret } = await setup();
    await using _ = emu;
    let nowMs = Date.now();
    const onPrediction = vi.fn();
    const handler = createWebhookHandler({ secret, onPrediction, now: () => nowMs });
    const captured: Captured[] = [];
    const url = await listen(webAdapter(handler, captured));
    await createWithHook(client, url);
    await vi.waitFor(() => expect(onPrediction).toHaveBeenCalledTimes(1), { timeout: 5_000 });
    const delivery = captured[0]!;
    const replay = () =>
      handler(new Request('http://x/hook', { method: 'POST', headers: delivery.headers, body: delivery.body }));

    const again = await replay();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    expect(onPrediction).toHaveBeenCalledTimes(1);

    nowMs += 301_000; // the same signed bytes, presented five minutes later
    const late = await replay();
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ reason: 'timestamp_out_of_tolerance' });
    expect(onPrediction).toHaveBeenCalledTimes(1);
  });

  test('a tampered body, a wrong secret and missing headers are refused and never reach the handler', async () => {
    const { emu, client, secret } = await setup();
    await using _ = emu;
    const onPrediction = vi.fn();
    const captured: Captured[] = [];
    const url = await listen(webAdapter(createWebhookHandler({ secret, onPrediction }), captured));
    await createWithHook(client, url);
    await vi.waitFor(() => expect(captured).toHaveLength(1), { timeout: 5_000 });
    const { headers, body } = captured[0]!;
    const handler = createWebhookHandler({ secret, onPrediction });
    const post = (h: Record<string, string>, b: string) =>
      handler(new Request('http://x/hook', { method: 'POST', headers: h, body: b }));

    const tampered = await post(headers, body.replace('"succeeded"', '"failed"'));
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ reason: 'invalid_signature' });

    const wrongSecret = createWebhookHandler({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', onPrediction });
    expect((await wrongSecret(new Request('http://x/hook', { method: 'POST', headers, body }))).status).toBe(401);

    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const partial = { ...headers };
      delete partial[name];
      const answer = await post(partial, body);
      expect(answer.status).toBe(400);
      expect((await answer.json()) as { error: string }).toMatchObject({
        reason: 'missing_header',
        error: expect.stringContaining(name),
      });
    }
    expect(onPrediction).toHaveBeenCalledTimes(1); // the one real delivery
  });
});

describe('createNodeWebhookHandler (node:http) with real emulator deliveries', () => {
  test('an answer lost after handling: the emulator retries and the handler does not run twice', async () => {
    const { emu, client, secret } = await setup();
    await using _ = emu;
    const onPrediction = vi.fn();
    const handler = createNodeWebhookHandler({ secret, onPrediction });
    const statuses: number[] = [];
    let requests = 0;
    const url = await listen((req, res) => {
      requests += 1;
      if (requests === 1) {
        // The first answer never reaches the sender: the work is done, then the connection drops.
        const lost = {
          statusCode: 0,
          setHeader: () => undefined,
          end: () => {
            statuses.push(lost.statusCode);
            req.socket.destroy();
          },
        };
        void handler(req, lost);
      } else void handler(req, res).then(() => statuses.push(res.statusCode));
    });
    await createWithHook(client, url);
    await vi.waitFor(() => expect(statuses).toHaveLength(2), { timeout: 5_000 });
    expect(onPrediction).toHaveBeenCalledTimes(1);
    expect(emu.stats().webhookDeliveries).toBe(2);
  });

  test('answers 405 to other methods and 413 to an oversized body', async () => {
    const handler = createNodeWebhookHandler({
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      onPrediction: vi.fn(),
      maxBodyBytes: 1_000,
    });
    const url = await listen((req, res) => void handler(req, res));
    expect((await fetch(url)).status).toBe(405);
    const big = await fetch(url, { method: 'POST', body: 'x'.repeat(5_000) });
    expect(big.status).toBe(413);
  });
});

describe('de-duplication memory', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const prediction = (id: string) =>
    JSON.stringify({
      id,
      status: 'succeeded',
      model: 'a/b',
      version: 'hidden',
      input: {},
      output: null,
      error: null,
      created_at: '',
    });
  function signed(webhookId: string, body: string): Request {
    const ts = Math.floor(Date.now() / 1000);
    return new Request('http://x/hook', {
      method: 'POST',
      headers: {
        'webhook-id': webhookId,
        'webhook-timestamp': String(ts),
        'webhook-signature': signWebhook(secret, webhookId, ts, body),
      },
      body,
    });
  }

  test('remembers only the newest rememberIds ids, so memory stays bounded', async () => {
    const onPrediction = vi.fn();
    const handler = createWebhookHandler({ secret, onPrediction, rememberIds: 2 });
    for (const id of ['msg_1', 'msg_2', 'msg_3']) await handler(signed(id, prediction(id)));
    expect(onPrediction).toHaveBeenCalledTimes(3);
    await handler(signed('msg_3', prediction('msg_3'))); // remembered
    await handler(signed('msg_1', prediction('msg_1'))); // forgotten: handled again
    expect(onPrediction).toHaveBeenCalledTimes(4);
  });

  test('two copies of one delivery arriving together run the handler once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const onPrediction = vi.fn(() => gate);
    const handler = createWebhookHandler({ secret, onPrediction });
    const body = prediction('p1');
    const both = Promise.all([handler(signed('msg_same', body)), handler(signed('msg_same', body))]);
    await vi.waitFor(() => expect(onPrediction).toHaveBeenCalledTimes(1));
    release();
    const answers = await both;
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(onPrediction).toHaveBeenCalledTimes(1);
  });

  test('a validly signed body that is not a prediction is a 400', async () => {
    const handler = createWebhookHandler({ secret, onPrediction: vi.fn() });
    expect((await handler(signed('msg_x', '{"hello":1}'))).status).toBe(400);
    expect((await handler(signed('msg_y', 'not json'))).status).toBe(400);
  });

  test('a NaN or negative tolerance is refused instead of turning the replay check off', async () => {
    expect(() => createWebhookHandler({ secret, onPrediction: vi.fn(), toleranceSeconds: Number.NaN })).toThrow(
      RangeError,
    );
    expect(() => createWebhookHandler({ secret, onPrediction: vi.fn(), toleranceSeconds: -1 })).toThrow(RangeError);
    const body = prediction('z');
    const ts = Math.floor(Date.now() / 1000) - 10_000;
    const headers = {
      'webhook-id': 'msg_z',
      'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook(secret, 'msg_z', ts, body),
    };
    await expect(verifyWebhook({ headers, body, secret, toleranceSeconds: Number.NaN })).rejects.toThrow(RangeError);
    expect(await verifyWebhook({ headers, body, secret })).toMatchObject({
      valid: false,
      reason: 'timestamp_out_of_tolerance',
    });
    expect(await verifyWebhook({ headers: null as never, body, secret })).toMatchObject({
      valid: false,
      reason: 'missing_header',
    });
  });
});
