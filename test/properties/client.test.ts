// Property tests of the public client API with hostile input (fast-check), against the emulator on
// loopback: the result-returning methods never throw and always answer a well-formed result with a
// clear message; the throwing layer throws only our typed errors; the key never appears anywhere.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import {
  ERROR_CODES,
  type ImageResult,
  type PollResult,
  ReplicateClient,
  type ReplicateClientOptions,
  ReplicateError,
  type VideoResult,
} from '../../src/index.js';
import { hostileString, imageList, modelString, PROPERTY_API_KEY, untyped, waitOptions } from './arbitraries.js';

const RUNS = { numRuns: 60 };

let emu: Emulator;
let client: ReplicateClient;
const logs: string[] = [];

/** Sleeps at most 5 ms, whatever the client asks: hostile intervals cannot stall the suite. */
const shortSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(Math.max(0, ms), 5)));

function newClient(extra: ReplicateClientOptions = {}): ReplicateClient {
  const capture = (line: string) => void logs.push(line);
  return new ReplicateClient({
    apiKey: PROPERTY_API_KEY,
    baseUrl: emu.apiUrl,
    retry: { delaysMs: [1, 2, 4], jitterRatio: 0 },
    requestTimeoutMs: 3_000,
    sleep: shortSleep,
    logger: { debug: capture, info: capture, warn: capture, error: capture },
    ...extra,
  });
}

beforeAll(async () => {
  emu = await startEmulator({
    token: PROPERTY_API_KEY,
    rateLimits: false,
    timings: { '*': { startMs: 1, predictMs: 5 } },
  });
  client = newClient();
});
afterAll(async () => {
  await client.close();
  await emu.close();
  expect(logs.join('\n')).not.toContain(PROPERTY_API_KEY);
});

/** A message a person can act on: a sentence, bounded, never our internals' "undefined". */
function expectClearMessage(message: unknown): void {
  expect(typeof message).toBe('string');
  const text = message as string;
  expect(text.trim().length).toBeGreaterThan(0);
  expect(text.length).toBeLessThan(2_000);
  expect(text).not.toContain(PROPERTY_API_KEY);
  expect(text).not.toMatch(/is not a function|Cannot read properties|Unexpected error/);
}

function expectNoKey(value: unknown): void {
  let text: string;
  try {
    text = JSON.stringify(value) ?? '';
  } catch {
    text = String(value);
  }
  expect(text).not.toContain(PROPERTY_API_KEY);
}

function expectImageResult(result: ImageResult): void {
  expectNoKey(result);
  if (result.success) {
    expect(typeof result.imageUrl).toBe('string');
    expect(result.imageUrls[0]).toBe(result.imageUrl);
    expect(typeof result.predictionId).toBe('string');
    expect(result.error).toBeNull();
  } else {
    expectClearMessage(result.error);
    expect(ERROR_CODES).toContain(result.errorCode);
    expect(result.imageUrl).toBeNull();
    expect(result.imageUrls).toEqual([]);
    expect(result.predictionId === null || typeof result.predictionId === 'string').toBe(true);
    expect(typeof result.canceledOnServer).toBe('boolean');
  }
}

function expectVideoResult(result: VideoResult): void {
  expectNoKey(result);
  if (result.success) {
    expect(typeof result.videoUrl).toBe('string');
    expect(result.error).toBeNull();
  } else {
    expectClearMessage(result.error);
    expect(ERROR_CODES).toContain(result.errorCode);
    expect(result.videoUrl).toBeNull();
  }
}

function expectPollResult(result: PollResult): void {
  expectNoKey(result);
  expect(['succeeded', 'failed', 'canceled', 'aborted', 'timeout', 'error']).toContain(result.status);
  expect(typeof result.predictionId).toBe('string');
  if (result.status === 'succeeded') expect(result.error).toBeNull();
  else {
    expectClearMessage(result.error);
    expect(ERROR_CODES).toContain(result.errorCode);
  }
}

/** Calls `work` and checks it neither throws synchronously nor rejects. */
async function settles<T>(work: () => Promise<T>): Promise<T> {
  let promise: Promise<T>;
  try {
    promise = work();
  } catch (error) {
    throw new Error(`threw synchronously: ${String(error)}`);
  }
  return promise;
}

/** Calls a throwing-layer method; it may resolve, or reject with a ReplicateError only. */
async function onlyTypedErrors(work: () => Promise<unknown>): Promise<void> {
  let error: unknown = null;
  try {
    await work();
  } catch (caught) {
    error = caught;
  }
  if (error === null) return;
  expect(error).toBeInstanceOf(ReplicateError);
  expectClearMessage((error as ReplicateError).message);
  expect(ERROR_CODES).toContain((error as ReplicateError).code);
  expectNoKey(error);
  expect(String((error as Error).stack)).not.toContain(PROPERTY_API_KEY);
}

describe('the result layer never throws', () => {
  test('generateImage: any prompt, any options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString, untyped), waitOptions, async (prompt, options) => {
        expectImageResult(await settles(() => client.generateImage(prompt as string, options as never)));
      }),
      RUNS,
    );
  }, 60_000);

  test('generateVideo: any list of images, any options', async () => {
    await fc.assert(
      fc.asyncProperty(imageList, waitOptions, async (images, options) => {
        expectVideoResult(await settles(() => client.generateVideo(images as never, options as never)));
      }),
      RUNS,
    );
  }, 60_000);

  test('pollPrediction: any id, any options', async () => {
    const real = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'a kite' },
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString, untyped, fc.constant(real.id)), waitOptions, async (id, options) => {
        expectPollResult(await settles(() => client.pollPrediction(id as string, options as never)));
      }),
      RUNS,
    );
  }, 60_000);
});

describe('the throwing layer throws only typed errors', () => {
  test('createPrediction: any target, input and options', async () => {
    const target = fc.record(
      {
        model: fc.oneof(modelString, untyped),
        version: fc.oneof(hostileString, untyped),
        deployment: fc.oneof(modelString, untyped),
      },
      { requiredKeys: [] },
    );
    const extra = fc.record(
      {
        input: untyped,
        wait: untyped,
        cancelAfterMs: untyped,
        webhook: fc.oneof(hostileString, untyped),
        webhookEventsFilter: untyped,
        timeoutMs: untyped,
        signal: untyped,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          untyped,
          fc.tuple(target, extra).map(([t, e]) => ({ ...t, ...e })),
        ),
        async (options) => {
          await onlyTypedErrors(() => client.createPrediction(options as never));
        },
      ),
      RUNS,
    );
  }, 60_000);

  test('getPrediction, cancelPrediction, getWebhookSecret and uploadFile: any arguments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileString, untyped),
        untyped,
        fc.oneof(untyped, fc.uint8Array({ maxLength: 32 })),
        async (id, options, content) => {
          await onlyTypedErrors(() => client.getPrediction(id as string, options as never));
          await onlyTypedErrors(() => client.cancelPrediction(id as string, options as never));
          await onlyTypedErrors(() => client.getWebhookSecret(options as never));
          await onlyTypedErrors(() => client.uploadFile(content as never, options as never));
        },
      ),
      RUNS,
    );
  }, 60_000);

  test('listPredictions: any filters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          untyped,
          fc.record({ createdAfter: untyped, createdBefore: untyped, timeoutMs: untyped }, { requiredKeys: [] }),
        ),
        async (options) => {
          await onlyTypedErrors(async () => {
            for await (const page of client.listPredictions(options as never)) expect(Array.isArray(page)).toBe(true);
          });
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  test('the constructor throws only ConfigurationError, whatever the options', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          untyped,
          fc.record(
            {
              apiKey: fc.oneof(hostileString, untyped),
              baseUrl: fc.oneof(hostileString, untyped, fc.webUrl()),
              requestTimeoutMs: untyped,
              retry: untyped,
              preferWaitSeconds: untyped,
              keepRunning: untyped,
            },
            { requiredKeys: [] },
          ),
        ),
        (options) => {
          try {
            const c = new ReplicateClient(options as never);
            void c.close();
          } catch (error) {
            expect(error).toBeInstanceOf(ReplicateError);
            expect((error as ReplicateError).name).toBe('ConfigurationError');
            const message = (error as ReplicateError).message;
            expect(message.trim().length).toBeGreaterThan(0);
            expect(message.length).toBeLessThan(2_000);
            const apiKey = (options as { apiKey?: unknown } | null)?.apiKey;
            if (typeof apiKey === 'string' && apiKey.trim().length >= 4) expect(message).not.toContain(apiKey.trim());
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('estimateCost throws RangeError, and only RangeError, for bad numbers', () => {
    fc.assert(
      fc.property(untyped, untyped, (images, seconds) => {
        const validImages = typeof images === 'number' && Number.isInteger(images) && images >= 0;
        const validSeconds =
          seconds === undefined || (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0);
        const modest =
          validImages && validSeconds && (images as number) <= 1e6 && ((seconds as number | undefined) ?? 0) <= 1e6;
        let cost: number | undefined;
        try {
          cost = client.estimateCost(images as number, seconds as number);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          expectClearMessage((error as Error).message);
          expect(modest).toBe(false); // only bad numbers, or sums too large to be exact, are refused
          return;
        }
        expect(validImages && validSeconds).toBe(true);
        expect(Number.isFinite(cost) && cost >= 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('estimateCost with hostile options throws RangeError or TypeError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          untyped,
          fc.record(
            { imageModel: fc.oneof(modelString, untyped), videoModel: fc.oneof(modelString, untyped) },
            { requiredKeys: [] },
          ),
        ),
        (options) => {
          try {
            const cost = client.estimateCost(2, 3, options as never);
            expect(Number.isFinite(cost)).toBe(true);
          } catch (error) {
            expect(error instanceof RangeError || error instanceof TypeError).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
