// estimateCost: exact to the micro-dollar from one price table that callers can override.

import { describe, expect, test } from 'vitest';
import { DEFAULT_PRICES, estimateCost, ReplicateClient } from '../../src/index.js';

const client = new ReplicateClient({ apiKey: 'k123', baseUrl: 'http://127.0.0.1:9/v1' });

describe('estimateCost', () => {
  test('is exact: 10 images and 30 s of video cost exactly $3.03', () => {
    expect(client.estimateCost(10, 30)).toBe(3.03);
    expect(estimateCost(10, 30)).toBe(3.03);
  });

  test.each([
    [0, 0, 0],
    [1, 0, 0.003],
    [3, 0, 0.009],
    [7, 0, 0.021],
    [0, 1, 0.1],
    [0, 7, 0.7],
    [1, 1, 0.103],
    [100, 0, 0.3],
    [333, 3, 1.299],
    [1_000_000, 0, 3000],
    [0, 2.5, 0.25],
  ])('%i images and %d s of video cost $%d', (images, seconds, usd) => {
    expect(client.estimateCost(images, seconds)).toBe(usd);
  });

  test('the table holds the two prices of the mission', () => {
    expect(DEFAULT_PRICES['black-forest-labs/flux-schnell']).toEqual({ unit: 'image', usd: 0.003 });
    expect(DEFAULT_PRICES['fofr/skyreels-2']).toEqual({ unit: 'second', usd: 0.1 });
  });

  test('prices can be overridden or added per model', () => {
    const custom = new ReplicateClient({
      apiKey: 'k123',
      prices: {
        'black-forest-labs/flux-schnell': { unit: 'image', usd: 0.004 },
        'fofr/frames-to-video': { unit: 'run', usd: 0.05 },
      },
    });
    expect(custom.estimateCost(10, 0)).toBe(0.04);
    expect(custom.estimateCost(0, 12, { videoModel: 'fofr/frames-to-video' })).toBe(0.05);
    expect(estimateCost(2, 0, { prices: { 'black-forest-labs/flux-schnell': { unit: 'image', usd: 0.01 } } })).toBe(
      0.02,
    );
  });

  test.each([
    [-1, 0],
    [1.5, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
    [0, -1],
    [0, Number.NaN],
    [0, Number.POSITIVE_INFINITY],
  ])('rejects %d images / %d s with a clear RangeError', (images, seconds) => {
    expect(() => client.estimateCost(images, seconds)).toThrow(RangeError);
    expect(() => client.estimateCost(images, seconds)).toThrow(/must be a non-negative/);
  });

  test('a model without a price is a RangeError that says how to add one', () => {
    expect(() => client.estimateCost(0, 5, { videoModel: 'fofr/frames-to-video' })).toThrow(/prices/);
  });
});
