// The lower layer (createPrediction / getPrediction / cancelPrediction / listPredictions / uploadFile):
// it throws typed ReplicateErrors that carry code, status, detail and prediction id.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import {
  AuthenticationError,
  HttpError,
  InvalidInputError,
  type Prediction,
  type ReplicateError,
} from '../../src/index.js';
import { clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

const FLUX = 'black-forest-labs/flux-schnell';

describe('createPrediction', () => {
  test('creates by model name and returns the prediction as the API gave it', async () => {
    const { client } = clientFor(emu);
    const p = await client.createPrediction({ model: FLUX, input: { prompt: 'a fox' } });
    expect(p).toMatchObject({ model: FLUX, input: { prompt: 'a fox' } });
    expect(['starting', 'processing', 'succeeded']).toContain(p.status);
  });

  test('wait holds the answer until the prediction finishes', async () => {
    const { client } = clientFor(emu);
    const p = await client.createPrediction({ model: FLUX, input: { prompt: 'a fox' }, wait: true });
    expect(p.status).toBe('succeeded');
  });

  test('creates by version (owner/name:id and a bare id)', async () => {
    const { client } = clientFor(emu);
    // Official models hide their versions; SkyReels-2 has one.
    const SKY = 'fofr/skyreels-2';
    const input = { images: ['https://example.com/a.png'] };
    const first = await client.createPrediction({ model: SKY, input });
    expect(first.version).toMatch(/^[0-9a-f]{64}$/);
    const byRef = await client.createPrediction({ model: `${SKY}:${first.version}`, input });
    const byId = await client.createPrediction({ version: first.version, input });
    expect([byRef.model, byId.model]).toEqual([SKY, SKY]);
  });

  test('passes webhooks and the Cancel-After deadline', async () => {
    const { client } = clientFor(emu);
    const p = await client.createPrediction({
      model: FLUX,
      input: { prompt: 'a' },
      webhook: 'https://example.com/hook',
      webhookEventsFilter: ['completed'],
      cancelAfterMs: 90_000,
    });
    expect(p.webhook).toBe('https://example.com/hook');
    expect(p.webhook_events_filter).toEqual(['completed']);
    const deadline = Date.parse(String(p.deadline)) - Date.parse(p.created_at);
    expect(deadline).toBe(90_000);
  });

  test('a 422 is an InvalidInputError whose detail names the field', async () => {
    const { client } = clientFor(emu);
    const error = await client
      .createPrediction({ model: FLUX, input: { prompt: 'a', num_outputs: 9 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'invalid_input', status: 422, predictionId: null });
    expect((error as ReplicateError).detail).toContain('num_outputs');
  });

  test('an unknown model is an HttpError 404', async () => {
    const { client } = clientFor(emu);
    await expect(client.createPrediction({ model: 'nobody/nothing', input: {} })).rejects.toBeInstanceOf(HttpError);
    await expect(client.createPrediction({ model: 'nobody/nothing', input: {} })).rejects.toMatchObject({
      status: 404,
    });
  });

  test('nonsense targets and inputs are InvalidInputErrors, sent nowhere', async () => {
    const { client } = clientFor(emu);
    const calls = [
      () => client.createPrediction({ input: {} }),
      () => client.createPrediction({ model: FLUX, version: 'abc', input: {} }),
      () => client.createPrediction({ model: '../../admin', input: {} }),
      () => client.createPrediction({ model: FLUX, input: null as unknown as Record<string, unknown> }),
      () => client.createPrediction({ model: FLUX, input: { prompt: 'a' }, cancelAfterMs: -5 }),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(InvalidInputError);
    expect(emu.stats().requests['predictions.create'] ?? 0).toBe(0);
  });

  test('a bad key is an AuthenticationError (401)', async () => {
    const { client } = clientFor(emu, { apiKey: 'r8_nope0000000000000000000000000000000000' });
    await expect(client.createPrediction({ model: FLUX, input: { prompt: 'a' } })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });
});

describe('getPrediction / cancelPrediction', () => {
  test('get returns the prediction; a missing one is a 404 carrying the id', async () => {
    const { client } = clientFor(emu);
    const p = await client.createPrediction({ model: FLUX, input: { prompt: 'a' } });
    expect((await client.getPrediction(p.id)).id).toBe(p.id);
    await expect(client.getPrediction('missing0000')).rejects.toMatchObject({
      code: 'http',
      status: 404,
      predictionId: 'missing0000',
    });
  });

  test('cancel stops a running prediction', async () => {
    const { client } = clientFor(emu);
    const p = await client.createPrediction({ model: FLUX, input: { prompt: 'a [emulator:predict_ms=600000]' } });
    expect((await client.cancelPrediction(p.id)).status).toBe('canceled');
  });

  test('cancel is retried on a transient failure (repeating it is harmless)', async () => {
    const { client, time } = clientFor(emu);
    const p = await client.createPrediction({ model: FLUX, input: { prompt: 'a [emulator:predict_ms=600000]' } });
    // The first cancel takes effect but its answer is lost; the second meets a 502; the third answers.
    emu.addFault({ route: 'predictions.cancel', type: 'reset-after-create' });
    emu.addFault({ route: 'predictions.cancel', type: 'status', status: 502 });
    expect((await client.cancelPrediction(p.id)).status).toBe('canceled');
    expect(time.sleeps).toEqual([5_000, 15_000]);
  });
});

describe('listPredictions', () => {
  test('iterates pages newest first, following next', async () => {
    const { client } = clientFor(emu, { retry: { jitterRatio: 0 } });
    const ids: string[] = [];
    for (let i = 0; i < 105; i += 1) {
      ids.push(
        (await client.createPrediction({ model: FLUX, input: { prompt: `p${i} [emulator:predict_ms=600000]` } })).id,
      );
    }
    const pages: Prediction[][] = [];
    for await (const page of client.listPredictions()) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([100, 5]);
    expect(pages.flat().map((p) => p.id)).toEqual([...ids].reverse());
  });

  test('filters by creation time', async () => {
    const { client } = clientFor(emu);
    await client.createPrediction({ model: FLUX, input: { prompt: 'old' } });
    emu.advanceClock(60_000);
    const after = new Date(Date.now() + 30_000);
    const recent = await client.createPrediction({ model: FLUX, input: { prompt: 'new' } });
    const seen: string[] = [];
    for await (const page of client.listPredictions({ createdAfter: after })) seen.push(...page.map((p) => p.id));
    expect(seen).toEqual([recent.id]);
  });
});

describe('uploadFile', () => {
  test('uploads bytes and returns a URL the API serves', async () => {
    const { client } = clientFor(emu);
    const file = await client.uploadFile(new Uint8Array([1, 2, 3, 4]), { filename: 'x.bin' });
    expect(file).toMatchObject({ size: 4 });
    expect(file.urls.get).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/files\//);
  });
});
