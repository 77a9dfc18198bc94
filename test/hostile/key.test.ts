// Items 9 and 10 of issue 10: a key a server echoes anywhere in a prediction never reaches the caller,
// and the key-in-body guard refuses a real key sent as data but not ordinary words.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicateClient } from '../../src/index.js';
import { fakeClock, type HostileServer, prediction, REAL_SHAPED_KEY, sendJson, startHostile } from './servers.js';

// A key that is secret-shaped by length but not a Replicate token: only the exact-key redaction can catch it.
const PLAIN_LONG_KEY = 'plain-long-key-0123456789-secret';

let api: HostileServer;

beforeAll(async () => {
  // Echoes the caller's key (from its Authorization header) into logs, error, output and a nested field.
  api = await startHostile((req, res, body) => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const prompt = body ? String((JSON.parse(body) as { input?: { prompt?: string } }).input?.prompt ?? '') : '';
    const failing = prompt.includes('fail') || req.url?.includes('failing');
    const id = failing ? 'failing0000000000000000001' : 'echoing0000000000000000001';
    const echoed = {
      id,
      logs: `authenticating with ${key}\nstep 1/4`,
      metrics: { predict_time: 1, debug: { headers: [`authorization: Bearer ${key}`] } },
    };
    if (req.method === 'POST') return sendJson(res, 201, prediction(api.origin, { ...echoed, status: 'processing' }));
    if (failing)
      return sendJson(res, 200, prediction(api.origin, { ...echoed, status: 'failed', error: `bad ${key}` }));
    return sendJson(
      res,
      200,
      prediction(api.origin, { ...echoed, status: 'succeeded', output: [`${api.origin}/files/${key}/out-0.png`] }),
    );
  });
});
afterAll(() => api.close());

function client(apiKey: string): ReplicateClient {
  const clock = fakeClock();
  return new ReplicateClient({
    apiKey,
    baseUrl: api.apiUrl,
    preferWaitSeconds: 0,
    rateLimit: false,
    now: clock.now,
    sleep: clock.sleep,
    retry: { jitterRatio: 0 },
  });
}

describe('the key echoed by a server (item 9)', () => {
  for (const key of [REAL_SHAPED_KEY, PLAIN_LONG_KEY]) {
    it(`is redacted from a success result, nested fields included (${key.slice(0, 6)}...)`, async () => {
      const result = await client(key).generateImage('a cat');
      expect(result).toMatchObject({ success: true });
      const seen = JSON.stringify(result);
      expect(seen).not.toContain(key);
      expect(seen).toContain('[REDACTED]');
      expect(result.prediction?.logs).toContain('authenticating with [REDACTED]');
    });

    it(`is redacted from a failure result and its error (${key.slice(0, 6)}...)`, async () => {
      const result = await client(key).generateImage('please fail');
      expect(result).toMatchObject({ success: false, errorCode: 'prediction_failed' });
      expect(JSON.stringify(result)).not.toContain(key);
      expect(String(result.prediction?.error)).toBe('bad [REDACTED]');
    });

    it(`is redacted from pollPrediction results (${key.slice(0, 6)}...)`, async () => {
      const c = client(key);
      for (const id of ['echoing0000000000000000001', 'failing0000000000000000001']) {
        const result = await c.pollPrediction(id);
        expect(JSON.stringify(result)).not.toContain(key);
      }
    });
  }
});

describe('the key-in-body guard (item 10)', () => {
  it('refuses a real-shaped key sent as data, with a clear error, before anything is sent', async () => {
    const before = api.count('POST');
    const result = await client(REAL_SHAPED_KEY).generateImage(`a poster reading ${REAL_SHAPED_KEY}`);
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
    expect(result.error).toMatch(/body contains the API key/);
    expect(result.error).not.toContain(REAL_SHAPED_KEY);
    expect(api.count('POST')).toBe(before);
  });

  it('does not fire on ordinary words when the key is short: `test` and "a test pattern"', async () => {
    const result = await client('test').generateImage('a test pattern');
    expect(result).toMatchObject({ success: true });
  });

  it('refuses a long key even glued inside a longer word (it is still the whole secret)', async () => {
    const before = api.count('POST');
    const result = await client(PLAIN_LONG_KEY).generateImage(`x${PLAIN_LONG_KEY}x`);
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
    expect(api.count('POST')).toBe(before);
  });

  it('does not fire on a 15-character key: too short to be told from text', async () => {
    const result = await client('fifteen-chars-k').generateImage('a fifteen-chars-k logo');
    expect(result).toMatchObject({ success: true });
  });
});
