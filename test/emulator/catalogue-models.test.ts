// The emulator serves the library's catalogue models with the catalogue's schemas: published in
// `openapi_schema`, and enforced with 422s naming the field, including what the schema subset cannot say.

import { expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { API_KEY, useEmulator } from '../client/helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

const IMAGE = 'https://example.com/a.png';

interface Schema {
  required: string[];
  properties: Record<string, unknown>;
}
type Answer = { latest_version: { openapi_schema: { components: { schemas: { Input: Schema } } } } };

async function call(path: string, body?: unknown): Promise<{ status: number; json: Answer }> {
  const response = await fetch(`${emu.apiUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Answer };
}

test('kling-v2.1 publishes the catalogue schema', async () => {
  const { status, json } = await call('/models/kwaivgi/kling-v2.1');
  expect(status).toBe(200);
  const input = json.latest_version.openapi_schema.components.schemas.Input;
  expect(input.required).toEqual(['prompt', 'start_image']);
  expect(Object.keys(input.properties)).toEqual(
    expect.arrayContaining(['prompt', 'start_image', 'end_image', 'mode', 'duration', 'negative_prompt']),
  );
  expect(input.properties.mode).toMatchObject({ enum: ['standard', 'pro'], default: 'standard' });
});

test('invalid input is a 422 naming the field', async () => {
  const create = (input: Record<string, unknown>) => call('/models/kwaivgi/kling-v2.1/predictions', { input });
  const noPrompt = await create({ start_image: IMAGE });
  expect(noPrompt.status).toBe(422);
  expect(JSON.stringify(noPrompt.json)).toContain('input.prompt');

  const badDuration = await create({ prompt: 'x', start_image: IMAGE, duration: 7 });
  expect(badDuration.status).toBe(422);
  expect(JSON.stringify(badDuration.json)).toContain('input.duration');

  // kling only honours end_image in pro mode: asking for it in standard mode is refused, not ignored.
  const standardEnd = await create({ prompt: 'x', start_image: IMAGE, end_image: IMAGE });
  expect(standardEnd.status).toBe(422);
  expect(JSON.stringify(standardEnd.json)).toContain('mode');

  const ok = await create({ prompt: 'x', start_image: IMAGE, end_image: IMAGE, mode: 'pro', duration: 10 });
  expect(ok.status).toBe(201);
  expect(emu.stats().predictionsCreated).toBe(1);
});

test('hailuo-02 takes first_frame_image and last_frame_image', async () => {
  const ok = await call('/models/minimax/hailuo-02/predictions', {
    input: { prompt: 'x', first_frame_image: IMAGE, last_frame_image: IMAGE },
  });
  expect(ok.status).toBe(201);
  const lastWithoutFirst = await call('/models/minimax/hailuo-02/predictions', {
    input: { prompt: 'x', last_frame_image: IMAGE },
  });
  expect(lastWithoutFirst.status).toBe(422);
});

test('its account of spend uses the catalogue prices, and counts the unpriced instead of guessing', async () => {
  const wait = async (path: string, input: Record<string, unknown>) => {
    const response = await fetch(`${emu.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', prefer: 'wait=60' },
      body: JSON.stringify({ input }),
    });
    expect(((await response.json()) as { status: string }).status).toBe('succeeded');
  };
  await wait('/models/black-forest-labs/flux-dev/predictions', { prompt: 'a fox', num_outputs: 2 });
  await wait('/models/black-forest-labs/flux-schnell/predictions', { prompt: 'a fox' });
  await wait('/models/fofr/skyreels-2/predictions', { images: [IMAGE, IMAGE], duration: 3 });
  await wait('/models/kwaivgi/kling-v2.1/predictions', { prompt: 'x', start_image: IMAGE });
  // 2 x $0.025 + $0.003 + 3 s x $0.10; kling's price is unknown.
  expect(emu.stats()).toMatchObject({ spentUsd: 0.353, unpricedPredictions: 1 });
});
