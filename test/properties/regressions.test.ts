// The counterexamples fast-check found, kept as plain tests so they are checked on every run whatever
// the random seed: each one was a bug (an exception escaping, an internal message, a message that
// echoed 300 KB, the key echoed back) before its fix.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import {
  ConfigurationError,
  estimateCost,
  InvalidInputError,
  ReplicateClient,
  verifyWebhook,
} from '../../src/index.js';
import { PROPERTY_API_KEY } from './arbitraries.js';

let emu: Emulator;
let client: ReplicateClient;
beforeAll(async () => {
  emu = await startEmulator({
    token: PROPERTY_API_KEY,
    rateLimits: false,
    timings: { '*': { startMs: 1, predictMs: 5 } },
  });
  client = new ReplicateClient({ apiKey: PROPERTY_API_KEY, baseUrl: emu.apiUrl, retry: { delaysMs: [1] } });
});
afterAll(async () => {
  await client.close();
  await emu.close();
});

const nullProto = Object.create(null) as never;
const huge = 'a'.repeat(300_000);

describe('hostile arguments found by the property tests', () => {
  test('pollPrediction with a null-prototype object as id answers an error result instead of throwing', async () => {
    const result = await client.pollPrediction(nullProto);
    expect(result).toMatchObject({ status: 'error', errorCode: 'invalid_input' });
  });

  test('a null options object is treated as no options by the throwing layer', async () => {
    await expect(client.getPrediction('nope', null as never)).rejects.toMatchObject({ code: 'http', status: 404 });
    await expect(client.getWebhookSecret(null as never)).resolves.toMatch(/^whsec_/);
    await expect(client.uploadFile(new Uint8Array([1, 2, 3]), null as never)).resolves.toMatchObject({ size: 3 });
  });

  test('uploadFile refuses content that is not bytes with a typed error', async () => {
    await expect(client.uploadFile(Symbol('x') as never)).rejects.toBeInstanceOf(InvalidInputError);
  });

  test('a signal that is not an AbortSignal is invalid input, said plainly', async () => {
    const result = await client.generateImage('a boat', { signal: 5 as never });
    expect(result).toMatchObject({
      success: false,
      errorCode: 'invalid_input',
      error: 'signal must be an AbortSignal',
    });
  });

  test('the constructor refuses a non-string apiKey or baseUrl, and null options, with ConfigurationError', () => {
    expect(() => new ReplicateClient({ apiKey: 5 as never })).toThrow(ConfigurationError);
    expect(() => new ReplicateClient({ apiKey: 'k', baseUrl: {} as never })).toThrow(ConfigurationError);
    expect(() => new ReplicateClient(null as never)).toThrow(ConfigurationError);
  });

  test('messages about huge arguments stay short', async () => {
    expect(() => new ReplicateClient({ apiKey: 'k', baseUrl: huge })).toThrow(/^.{1,200}$/);
    const polled = await client.pollPrediction(huge);
    expect(polled.error!.length).toBeLessThan(300);
    const error = await client.getPrediction(huge).catch((e: Error) => e);
    expect((error as Error).message.length).toBeLessThan(300);
    const created = await client.createPrediction({ model: huge, input: {} }).catch((e: Error) => e);
    expect((created as Error).message.length).toBeLessThan(300);
    // A video model with no input adapter used to be named whole (a 300 KB message).
    const video = await client.generateVideo(['https://example.com/0.png'], { model: huge });
    expect(video).toMatchObject({ success: false, errorCode: 'invalid_input' });
    expect(video.error!.length).toBeLessThan(300);
    expect(() => estimateCost(1, 1, { imageModel: huge })).toThrow(/^.{1,200}$/);
  });

  test('the key passed as a prediction id is not echoed in the error or the result', async () => {
    const error = (await client.getPrediction(PROPERTY_API_KEY).catch((e: unknown) => e)) as { predictionId: string };
    expect(JSON.stringify(error)).not.toContain(PROPERTY_API_KEY);
    const polled = await client.pollPrediction(`Bearer ${PROPERTY_API_KEY}`);
    expect(JSON.stringify(polled)).not.toContain(PROPERTY_API_KEY);
  });

  test('estimateCost: a null-prototype count is a RangeError, and so is a sum too large to be exact', () => {
    expect(() => estimateCost(nullProto)).toThrow(RangeError);
    expect(() => estimateCost(2 ** 53, 1.8e303)).toThrow(RangeError);
    expect(() => estimateCost(2 ** 53)).toThrow(/too large/);
    expect(estimateCost(10, 30)).toBe(3.03);
  });

  test('verifyWebhook: a parsed-JSON body and non-string header values are answered, not thrown', async () => {
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,AAAA',
    };
    expect(
      await verifyWebhook({ headers, body: { id: 'p' } as never, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    ).toMatchObject({
      valid: false,
      reason: 'invalid_body',
    });
    expect(
      await verifyWebhook({
        headers: { ...headers, 'webhook-timestamp': Symbol('t') as never },
        body: '{}',
        secret: 'whsec_AAAA',
      }),
    ).toMatchObject({
      valid: false,
      reason: 'missing_header',
    });
  });
});
