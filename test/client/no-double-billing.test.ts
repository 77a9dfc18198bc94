// No double billing: a create is repeated blindly only when the server cannot have acted on it; after an
// ambiguous failure the client first looks for the prediction the lost request made, and adopts it.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { clientFor, settleWaits, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

describe('ambiguous create failures', () => {
  test('a reset after the prediction was created adopts it: one prediction, and the result has its id', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'reset-after-create' });
    const result = await client.generateImage('a lighthouse');
    expect(result.success).toBe(true);
    const stats = emu.stats();
    expect(stats.predictionsCreated).toBe(1);
    expect(stats.requests['predictions.create']).toBe(1);
    expect(stats.requests['predictions.list']).toBe(1);
    expect(result.predictionId).toBe(stats.predictionIds[0]);
    expect(time.sleeps).toEqual([]);
  });

  test('every create reset after creating still yields exactly one prediction per call', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'reset-after-create', count: 3 });
    const results = [
      await client.generateImage('same prompt'),
      await client.generateImage('same prompt'),
      await client.generateImage('same prompt'),
    ];
    expect(results.every((r) => r.success)).toBe(true);
    const ids = results.map((r) => r.predictionId);
    expect(new Set(ids).size).toBe(3); // an earlier call's prediction is never adopted by a later one
    expect(emu.stats().predictionsCreated).toBe(3);
  });

  test("a lost create never adopts an identical, earlier call's prediction still on its way back", async () => {
    const { client } = clientFor(emu);
    // B is created first and held (Prefer: wait) for a while; then A's create is reset after creating.
    // A's lookup sees two identical, unknown predictions, and B's is the older one.
    emu.addScenario({ promptIncludes: 'same', predictMs: 400 });
    const b = client.generateImage('same prompt');
    while (emu.stats().predictionsCreated < 1) await new Promise((r) => setTimeout(r, 5));
    emu.addFault({ route: 'predictions.create', type: 'reset-after-create' });
    const a = client.generateImage('same prompt');
    const [resultA, resultB] = await Promise.all([a, b]);
    const [idB, idA] = emu.stats().predictionIds;
    expect(resultB).toMatchObject({ success: true, predictionId: idB });
    expect(resultA).toMatchObject({ success: true, predictionId: idA });
    expect(emu.stats().predictionsCreated).toBe(2);
  });

  test('the lower-layer createPrediction adopts too', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'reset-after-create' });
    const prediction = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'x', seed: 3 },
    });
    expect(emu.stats().predictionIds).toEqual([prediction.id]);
  });

  test('a 502 on create is checked first, then retried when nothing was created', async () => {
    const { client, time } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 502 });
    const result = await client.generateImage('a dog');
    expect(result.success).toBe(true);
    // Looked at once, then through the settle window (the retry's 5 s wait), then for a late one as soon
    // as the re-sent create was answered and once more before returning: 6 + 2 looks, still one prediction.
    expect(emu.stats().requests['predictions.list']).toBe(settleWaits(5_000).length + 3);
    expect(emu.stats().predictionsCreated).toBe(1);
    expect(time.sleeps).toEqual(settleWaits(5_000));
  });

  test('a stalled create (request timeout) is checked, then retried: one prediction', async () => {
    const { client } = clientFor(emu, { requestTimeoutMs: 150, preferWaitSeconds: 0 });
    emu.addFault({ route: 'predictions.create', type: 'stall' });
    const result = await client.generateImage('a dog');
    expect(result.success).toBe(true);
    expect(emu.stats().predictionsCreated).toBe(1);
    // The settle window's looks, then the sweeps after the re-send and before returning.
    expect(emu.stats().requests['predictions.list']).toBe(settleWaits(5_000).length + 3);
  });

  test('an unreadable answer to a create (malformed JSON) adopts the prediction it made', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'malformed-json' });
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: true, predictionId: emu.stats().predictionIds[0] });
    expect(emu.stats().predictionsCreated).toBe(1);
  });

  test('when the lookup itself fails, the create is not repeated blindly', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 504 });
    emu.addFault({ route: 'predictions.list', type: 'status', status: 401, count: Infinity });
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: false, errorCode: 'http' });
    expect(emu.stats().requests['predictions.create']).toBe(1);
  });
});

describe('unambiguous create failures', () => {
  test('a 429 on create is retried without looking anything up', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 429, retryAfterSeconds: 1 });
    expect((await client.generateImage('a dog')).success).toBe(true);
    expect(emu.stats().requests['predictions.list'] ?? 0).toBe(0);
  });

  test('a reset before the request was handled is retried after a lookup', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'reset-before' });
    expect((await client.generateImage('a dog')).success).toBe(true);
    expect(emu.stats().predictionsCreated).toBe(1);
  });
});
