// Answers shaped as Replicate really gives them (its recorded answers, where the OpenAPI schema is
// silent or differs): canceled logs, metrics, timestamps, ids, retention, and the opt-in quirks.

import { describe, expect, test } from 'vitest';
import { api, createFlux, getPrediction, SLOW, start, validateAgainstOpenApi } from './helpers.js';

describe('recorded shapes, by default', () => {
  test('a canceled prediction has logs null and metrics {predict_time, total_time}; a succeeded one only predict_time', async () => {
    await using emu = await start(SLOW);
    const running = await createFlux(emu, { prompt: 'cancel me' });
    const finishing = await createFlux(emu, { prompt: 'finish me' });
    emu.advanceClock(15_000);
    const canceled = await (await api(emu, `/predictions/${running.id}/cancel`, { method: 'POST' })).json();
    expect(canceled.status).toBe('canceled');
    expect(canceled.logs).toBeNull();
    expect(canceled.metrics).toEqual({ predict_time: 5, total_time: 15 });
    emu.advanceClock(20_000);
    const done = await getPrediction(emu, finishing.id);
    expect(done.metrics).toEqual({ predict_time: 20, image_count: 1 });
    expect(typeof done.logs).toBe('string');
  });

  test('ids are 26 lowercase letters and digits; timestamps carry microseconds', async () => {
    await using emu = await start({ ...SLOW, seed: 3 });
    const ids = await Promise.all(Array.from({ length: 20 }, async () => (await createFlux(emu)).id as string));
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{26}$/);
    expect(ids.join('')).toMatch(/[0-9]/); // digits, 0-9 included, as recorded (not base32's 2-7 only)
    const first = await getPrediction(emu, ids[0]!);
    expect(first.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('after the retention hour, input and logs are removed with the output', async () => {
    await using emu = await start(SLOW);
    const created = await createFlux(emu, { prompt: 'private words' });
    emu.advanceClock(30_000 + 3_600_000);
    const removed = await getPrediction(emu, created.id);
    expect(removed.data_removed).toBe(true);
    expect(removed.output).toBeNull();
    expect(removed.input).toEqual({});
    expect(removed.logs).toBeNull();
    expect(JSON.stringify(removed)).not.toContain('private words');
  });

  test('keepInputAndLogs keeps them for tests that need them', async () => {
    await using emu = await start({ ...SLOW, keepInputAndLogs: true });
    const created = await createFlux(emu, { prompt: 'kept words' });
    emu.advanceClock(30_000 + 3_600_000);
    const kept = await getPrediction(emu, created.id);
    expect(kept.data_removed).toBe(true);
    expect(kept.output).toBeNull();
    expect(kept.input).toEqual({ prompt: 'kept words' });
    expect(kept.logs).toContain('100%');
  });
});

describe('opt-in quirks seen in recordings', () => {
  test('wait-processing-with-output: the Prefer: wait answer says processing with the output in; a poll says succeeded', async () => {
    await using emu = await start();
    const held = await createFlux(
      emu,
      { prompt: '[emulator:quirk=wait-processing-with-output] x' },
      { prefer: 'wait' },
    );
    expect(held.status).toBe('processing');
    expect(held.output).toHaveLength(1);
    expect(held.completed_at).toBeUndefined();
    expect((await getPrediction(emu, held.id)).status).toBe('succeeded');
    // Without the quirk, the same request answers succeeded.
    expect((await createFlux(emu, { prompt: 'plain' }, { prefer: 'wait' })).status).toBe('succeeded');
  });

  test('internal-model, set by an admin scenario: an official model reports another model and a dp- version', async () => {
    await using emu = await start(SLOW);
    const res = await fetch(`${emu.url}/_emulator/scenarios`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'black-forest-labs/flux-schnell', quirk: 'internal-model' }),
    });
    expect(res.status).toBe(201);
    const odd = await createFlux(emu, { prompt: 'x' });
    expect(odd.model).toMatch(/^replicate-internal\/flux-schnell-/);
    expect(odd.version).toMatch(/^dp-[0-9a-f]{32}$/);
    expect(validateAgainstOpenApi('POST', '/models/{model_owner}/{model_name}/predictions', 201, odd)).toEqual([]);
    const next = await createFlux(emu, { prompt: 'y' });
    expect(next.model).toBe('black-forest-labs/flux-schnell');
    expect(next.version).toBe('hidden');
    const bad = await fetch(`${emu.url}/_emulator/scenarios`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quirk: 'nonsense' }),
    });
    expect(bad.status).toBe(422);
  });
});
