// Property tests of webhook verification and the webhook handler: whatever arrives (headers, bodies,
// secrets of any shape), verifyWebhook answers a verdict and never throws; the handler answers a status
// and never throws; only a correct signature over the exact bytes passes.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { signWebhook } from '../../src/emulator/index.js';
import { createWebhookHandler, verifyWebhook } from '../../src/index.js';
import { hostileString, untyped } from './arbitraries.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const REASONS = [
  'missing_header',
  'invalid_timestamp',
  'timestamp_out_of_tolerance',
  'invalid_signature',
  'invalid_secret',
  'invalid_body',
];

const headerValue = fc.oneof(hostileString, untyped, fc.array(fc.string(), { maxLength: 3 }));
const headers = fc.oneof(
  untyped,
  fc.record(
    { 'webhook-id': headerValue, 'webhook-timestamp': headerValue, 'webhook-signature': headerValue },
    { requiredKeys: [] },
  ),
);
const body = fc.oneof(hostileString, untyped, fc.uint8Array({ maxLength: 64 }));

describe('verifyWebhook with hostile deliveries', () => {
  test('never throws and never accepts what was not signed with the secret', async () => {
    await fc.assert(
      fc.asyncProperty(headers, body, fc.oneof(fc.constant(SECRET), hostileString, untyped), async (h, b, secret) => {
        const verdict = await verifyWebhook({ headers: h as never, body: b as never, secret: secret as never });
        expect(verdict.valid).toBe(false);
        if (!verdict.valid) {
          expect(REASONS).toContain(verdict.reason);
          expect(verdict.error.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('accepts exactly the signed bytes, and no single-character change of them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.nat(), async (text, at) => {
        const id = 'msg_prop';
        const ts = Math.floor(Date.now() / 1000);
        const h = {
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signWebhook(SECRET, id, ts, text),
        };
        expect((await verifyWebhook({ headers: h, body: text, secret: SECRET })).valid).toBe(true);
        expect((await verifyWebhook({ headers: h, body: new TextEncoder().encode(text), secret: SECRET })).valid).toBe(
          true,
        );
        const i = text.length === 0 ? 0 : at % text.length;
        const tampered = `${text.slice(0, i)}${text[i] === 'x' ? 'y' : 'x'}${text.slice(i + 1)}`;
        expect((await verifyWebhook({ headers: h, body: tampered, secret: SECRET })).valid).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the webhook handler with hostile requests', () => {
  test('answers a status for anything and never calls back for unsigned requests', async () => {
    let calls = 0;
    const handler = createWebhookHandler({
      secret: SECRET,
      onPrediction: () => {
        calls += 1;
      },
    });
    const textHeader = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('msg_1', String(Math.floor(Date.now() / 1000)), 'v1,AAAA'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
        fc.dictionary(
          fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type'),
          textHeader,
        ),
        fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
        async (method, h, b) => {
          const safeHeaders = new Headers();
          for (const [k, v] of Object.entries(h)) {
            try {
              safeHeaders.set(k, v);
            } catch {
              // not a legal header value: a real server would not deliver it either
            }
          }
          const request = new Request('http://x/hook', {
            method,
            headers: safeHeaders,
            ...(method === 'GET' ? {} : { body: b }),
          });
          const response = await handler(request);
          expect([200, 400, 401, 405, 413, 500]).toContain(response.status);
          expect(response.status).not.toBe(200);
        },
      ),
      { numRuns: 200 },
    );
    expect(calls).toBe(0);
  });
});
