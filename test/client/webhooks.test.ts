// verifyWebhook: the Standard Webhooks test vector, several signatures, the replay window, missing
// headers, and real deliveries sent by the emulator.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { verifyWebhook } from '../../src/index.js';
import { API_KEY, clientFor, startFast } from './helpers.js';

const vector = {
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (seconds: number) => () => seconds * 1000;

function headers(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    'webhook-id': vector.id,
    'webhook-timestamp': String(vector.timestamp),
    'webhook-signature': vector.signature,
    ...overrides,
  };
}

describe('verifyWebhook', () => {
  test('accepts the test vector', async () => {
    const verdict = await verifyWebhook({
      headers: headers(),
      body: vector.body,
      secret: vector.secret,
      now: at(vector.timestamp),
    });
    expect(verdict).toEqual({ valid: true, id: vector.id, timestamp: vector.timestamp });
  });

  test('accepts a Headers object and a byte body', async () => {
    const verdict = await verifyWebhook({
      headers: new Headers(headers() as Record<string, string>),
      body: new TextEncoder().encode(vector.body),
      secret: vector.secret,
      now: at(vector.timestamp + 10),
    });
    expect(verdict.valid).toBe(true);
  });

  test('accepts when any of several signatures matches (key rotation)', async () => {
    const signature = `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,whatever ${vector.signature}`;
    const verdict = await verifyWebhook({
      headers: headers({ 'webhook-signature': signature }),
      body: vector.body,
      secret: vector.secret,
      now: at(vector.timestamp),
    });
    expect(verdict.valid).toBe(true);
  });

  test('rejects a tampered body, a wrong secret, and a tampered id', async () => {
    const base = { secret: vector.secret, now: at(vector.timestamp) };
    expect(await verifyWebhook({ ...base, headers: headers(), body: '{"test": 2432232315}' })).toMatchObject({
      valid: false,
      reason: 'invalid_signature',
    });
    expect(
      await verifyWebhook({ ...base, headers: headers(), body: vector.body, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA' }),
    ).toMatchObject({ valid: false, reason: 'invalid_signature' });
    expect(
      await verifyWebhook({ ...base, headers: headers({ 'webhook-id': 'msg_other' }), body: vector.body }),
    ).toMatchObject({ valid: false, reason: 'invalid_signature' });
  });

  test('rejects timestamps outside the tolerance (replays), both ways', async () => {
    const base = { headers: headers(), body: vector.body, secret: vector.secret };
    expect(await verifyWebhook({ ...base, now: at(vector.timestamp + 301) })).toMatchObject({
      valid: false,
      reason: 'timestamp_out_of_tolerance',
    });
    expect(await verifyWebhook({ ...base, now: at(vector.timestamp - 301) })).toMatchObject({
      valid: false,
      reason: 'timestamp_out_of_tolerance',
    });
    expect((await verifyWebhook({ ...base, now: at(vector.timestamp + 299) })).valid).toBe(true);
    expect((await verifyWebhook({ ...base, now: at(vector.timestamp + 3_000), toleranceSeconds: 3_600 })).valid).toBe(
      true,
    );
  });

  test('reports a missing header by name', async () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const verdict = await verifyWebhook({
        headers: headers({ [name]: undefined }),
        body: vector.body,
        secret: vector.secret,
        now: at(vector.timestamp),
      });
      expect(verdict).toMatchObject({ valid: false, reason: 'missing_header' });
      if (verdict.valid) throw new Error('expected rejection');
      expect(verdict.error).toContain(name);
    }
  });

  test('rejects a garbage timestamp and a garbage secret', async () => {
    expect(
      await verifyWebhook({
        headers: headers({ 'webhook-timestamp': 'soon' }),
        body: vector.body,
        secret: vector.secret,
      }),
    ).toMatchObject({ valid: false, reason: 'invalid_timestamp' });
    expect(
      await verifyWebhook({ headers: headers(), body: vector.body, secret: 'whsec_!!!', now: at(vector.timestamp) }),
    ).toMatchObject({ valid: false, reason: 'invalid_secret' });
  });

  test("verifies the emulator's real deliveries with the secret from the API", async () => {
    const received: Array<Promise<boolean>> = [];
    const statuses: string[] = [];
    let secret = '';
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(verifyWebhook({ headers: req.headers, body, secret }).then((v) => v.valid));
        statuses.push((JSON.parse(body) as { status: string }).status);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    // A completed delivery that fails (a loaded machine) is retried soon, so the test never hangs on one.
    const emu = await startFast({ webhookRetryDelaysMs: [50, 100, 200, 400] });
    try {
      const { client } = clientFor(emu);
      secret = await client.getWebhookSecret();
      expect(secret).toMatch(/^whsec_/);
      expect(secret).not.toContain(API_KEY);
      const port = (receiver.address() as AddressInfo).port;
      await client.createPrediction({
        model: 'black-forest-labs/flux-schnell',
        input: { prompt: 'hook' },
        webhook: `http://127.0.0.1:${port}/hook`,
        webhookEventsFilter: ['start', 'completed'],
        wait: true,
      });
      // `start` is delivered once, `completed` until it is accepted: wait for the completed one.
      while (!statuses.includes('succeeded')) await new Promise((r) => setTimeout(r, 10));
      expect(await Promise.all(received)).toEqual(received.map(() => true));
    } finally {
      await emu.close();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
