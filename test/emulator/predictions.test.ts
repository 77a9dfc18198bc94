// The prediction lifecycle: states driven by the clock, Prefer: wait, Cancel-After, expiry,
// scenarios, prompt directives, speed, list filters.

import { describe, expect, test } from 'vitest';
import type { ModelSpec } from '../../src/emulator/index.js';
import {
  api,
  createFlux,
  eventually,
  getPrediction,
  isIsoDate,
  type OpenApiSchemaJson,
  type PredictionJson,
  SLOW,
  sniff,
  start,
  T0,
  validateAgainstOpenApi,
} from './helpers.js';

describe('lifecycle on the emulator clock', () => {
  test('a prediction moves starting → processing → succeeded as the clock advances, with growing logs', async () => {
    await using emu = await start(SLOW);
    const created = await createFlux(emu);
    expect(created.status).toBe('starting');
    expect(created.logs).toBe('');
    expect(created.started_at).toBeUndefined();

    emu.advanceClock(10_000);
    const early = await getPrediction(emu, created.id);
    expect(early.status).toBe('processing');
    expect(isIsoDate(early.started_at)).toBe(true);
    emu.advanceClock(10_000);
    const middle = await getPrediction(emu, created.id);
    expect(middle.logs.length).toBeGreaterThan(early.logs.length);
    expect(middle.output).toBeNull();

    emu.advanceClock(10_000);
    const done = await getPrediction(emu, created.id);
    expect(done.status).toBe('succeeded');
    expect(done.logs.length).toBeGreaterThan(middle.logs.length);
    expect(done.logs).toMatch(/100%\|██████████\| 4\/4/);
    // As recorded: `{predict_time}` on success (image models add image_count); total_time only on cancel.
    expect(done.metrics).toEqual({ predict_time: 20, image_count: 1 });
    expect(Date.parse(done.completed_at!) - Date.parse(done.started_at!)).toBe(20_000);
    expect(done.output).toEqual([`${emu.url}/delivery/${created.id}/out-0.webp`]);
    expect(validateAgainstOpenApi('GET', '/predictions/{prediction_id}', 200, done)).toEqual([]);
  });

  test('every state of a prediction matches the OpenAPI schema', async () => {
    await using emu = await start({ ...SLOW, outputRetentionMs: 60_000 });
    emu.addScenario({ promptIncludes: 'fails', fail: 'boom' });
    const ok = await createFlux(emu, { prompt: 'works', num_outputs: 3, output_format: 'jpg' });
    const bad = await createFlux(emu, { prompt: 'fails' });
    const seen: string[] = [];
    const check = async (id: string) => {
      const p = await getPrediction(emu, id);
      seen.push(`${p.status}${p.data_removed ? ' (removed)' : ''}`);
      expect(validateAgainstOpenApi('GET', '/predictions/{prediction_id}', 200, p)).toEqual([]);
    };
    await check(ok.id);
    emu.advanceClock(15_000);
    await check(ok.id);
    emu.advanceClock(15_000);
    await check(ok.id);
    await check(bad.id);
    emu.advanceClock(60_000);
    await check(ok.id);
    expect(seen).toEqual(['starting', 'processing', 'succeeded', 'failed', 'succeeded (removed)']);
  });

  test('speed divides the model timings', async () => {
    await using emu = await start({ ...SLOW, speed: 2 });
    const created = await createFlux(emu);
    emu.advanceClock(15_000);
    const done = await getPrediction(emu, created.id);
    expect(done.status).toBe('succeeded');
    expect(done.metrics.predict_time).toBe(10);
  });

  test('default timings are near the real ones: flux-schnell about a second, video tens of seconds', async () => {
    await using emu = await start({ timings: {}, now: () => T0 });
    const flux = await createFlux(emu, { prompt: 'default timing' });
    emu.advanceClock(1_000);
    expect((await getPrediction(emu, flux.id)).status).toBe('succeeded');
    const video = await api(emu, '/models/fofr/skyreels-2/predictions', {
      json: { input: { images: ['https://example.com/a.png'] } },
    });
    const videoId = ((await video.json()) as { id: string }).id;
    emu.advanceClock(5_000);
    expect((await getPrediction(emu, videoId)).status).toBe('processing');
    emu.advanceClock(60_000);
    const done = await getPrediction(emu, videoId);
    expect(done.status).toBe('succeeded');
    expect(done.metrics.predict_time).toBeGreaterThanOrEqual(10);
  });

  test('cancel while starting ends canceled without a start; canceling a finished prediction changes nothing', async () => {
    await using emu = await start(SLOW);
    const created = await createFlux(emu);
    const canceled = (await (
      await api(emu, `/predictions/${created.id}/cancel`, { method: 'POST' })
    ).json()) as PredictionJson;
    expect(canceled.status).toBe('canceled');
    expect(canceled.started_at).toBeUndefined();
    emu.advanceClock(60_000);
    const again = (await (
      await api(emu, `/predictions/${created.id}/cancel`, { method: 'POST' })
    ).json()) as PredictionJson;
    expect(again.status).toBe('canceled');
    expect(again.completed_at).toBe(canceled.completed_at);
  });

  test('unknown prediction ids are 404 problems', async () => {
    await using emu = await start();
    const res = await api(emu, '/predictions/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not found' });
    expect((await api(emu, '/predictions/nope/cancel', { method: 'POST' })).status).toBe(404);
  });
});

describe('Prefer: wait', () => {
  test('Prefer: wait holds the request until the prediction finishes', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'sync' } },
      headers: { prefer: 'wait' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toBe('wait');
    expect(((await res.json()) as { status: string }).status).toBe('succeeded');
  });

  test('when wait=N ends first, the prediction comes back starting', async () => {
    await using emu = await start(SLOW);
    const pending = api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'slow sync' } },
      headers: { prefer: 'wait=5' },
    });
    await eventually(() => expect(emu.stats().predictionsCreated).toBe(1));
    emu.advanceClock(5_000);
    const res = await pending;
    expect(res.headers.get('preference-applied')).toBe('wait=5');
    expect(((await res.json()) as { status: string }).status).toBe('starting');
  });

  test('when the wait ends mid-run, the prediction comes back processing', async () => {
    await using emu = await start(SLOW);
    const pending = api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'slow sync' } },
      headers: { prefer: 'wait=15' },
    });
    await eventually(() => expect(emu.stats().predictionsCreated).toBe(1));
    emu.advanceClock(14_999);
    emu.advanceClock(1);
    const body = (await (await pending).json()) as { status: string };
    expect(body.status).toBe('processing');
  });

  test('a wait that the prediction beats returns as soon as it is done', async () => {
    await using emu = await start(SLOW);
    const pending = api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
      headers: { prefer: 'wait=60' },
    });
    await eventually(() => expect(emu.stats().predictionsCreated).toBe(1));
    emu.advanceClock(30_000);
    expect(((await (await pending).json()) as { status: string }).status).toBe('succeeded');
  });

  test('wait=0 and wait=61 are rejected', async () => {
    await using emu = await start();
    for (const prefer of ['wait=0', 'wait=61', 'wait=abc']) {
      const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
        json: { input: { prompt: 'x' } },
        headers: { prefer },
      });
      expect(res.status).toBe(422);
    }
  });
});

describe('Cancel-After', () => {
  test('a deadline reached before the prediction starts aborts it', async () => {
    await using emu = await start(SLOW);
    const created = await createFlux(emu, { prompt: 'x' }, { 'cancel-after': '5s' });
    expect(Date.parse(created.deadline!) - Date.parse(created.created_at)).toBe(5_000);
    emu.advanceClock(5_000);
    const aborted = await getPrediction(emu, created.id);
    expect(aborted.status).toBe('aborted');
    expect(aborted.started_at).toBeUndefined();
    expect(aborted.metrics.predict_time).toBeUndefined();
    expect(validateAgainstOpenApi('GET', '/predictions/{prediction_id}', 200, aborted)).toEqual([]);
  });

  test('a deadline reached while running cancels it', async () => {
    await using emu = await start(SLOW);
    const created = await createFlux(emu, { prompt: 'x' }, { 'cancel-after': '15' });
    emu.advanceClock(15_000);
    const canceled = await getPrediction(emu, created.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.metrics.predict_time).toBe(5);
  });

  test('durations parse as 30s, 5m, 1h30m and bare seconds; under 5 s is rejected', async () => {
    await using emu = await start(SLOW);
    const cases: Array<[string, number]> = [
      ['30s', 30_000],
      ['5m', 300_000],
      ['1h30m', 5_400_000],
      ['1h30m45s', 5_445_000],
      ['90', 90_000],
    ];
    for (const [header, ms] of cases) {
      const p = await createFlux(emu, { prompt: 'x' }, { 'cancel-after': header });
      expect(Date.parse(p.deadline!) - Date.parse(p.created_at)).toBe(ms);
    }
    for (const header of ['4s', '2', 'soon']) {
      const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
        json: { input: { prompt: 'x' } },
        headers: { 'cancel-after': header },
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { detail: string }).detail).toContain('Cancel-After');
    }
  });
});

describe('output retention', () => {
  test('after the retention, output is null, data_removed true and the file URL 404s', async () => {
    await using emu = await start({ ...SLOW, outputRetentionMs: 60_000 });
    const created = await createFlux(emu, { prompt: 'ephemeral', output_format: 'png' });
    emu.advanceClock(30_000);
    const done = await getPrediction(emu, created.id);
    expect(done.status).toBe('succeeded');
    const file = await fetch(done.output![0]!);
    expect(file.status).toBe(200);
    expect(sniff(new Uint8Array(await file.arrayBuffer()))).toBe('png');
    emu.advanceClock(59_999);
    expect((await getPrediction(emu, done.id)).data_removed).toBe(false);
    emu.advanceClock(1);
    const expired = await getPrediction(emu, done.id);
    expect(expired.output).toBeNull();
    expect(expired.data_removed).toBe(true);
    expect(expired.status).toBe('succeeded');
    expect((await fetch(done.output![0]!)).status).toBe(404);
  });

  test('the default retention is one hour', async () => {
    await using emu = await start(SLOW);
    const created = await createFlux(emu);
    emu.advanceClock(30_000);
    expect((await getPrediction(emu, created.id)).status).toBe('succeeded');
    emu.advanceClock(3_599_999);
    expect((await getPrediction(emu, created.id)).data_removed).toBe(false);
    emu.advanceClock(1);
    expect((await getPrediction(emu, created.id)).data_removed).toBe(true);
  });
});

describe('scenarios and prompt directives', () => {
  test('a scenario makes the next matching prediction fail, once', async () => {
    await using emu = await start(SLOW);
    emu.addScenario({ model: 'black-forest-labs/flux-schnell', promptIncludes: 'doomed', fail: 'CUDA out of memory' });
    const spared = await createFlux(emu, { prompt: 'fine' });
    const doomed = await createFlux(emu, { prompt: 'a doomed ship' });
    const second = await createFlux(emu, { prompt: 'another doomed ship' });
    emu.advanceClock(30_000);
    expect((await getPrediction(emu, spared.id)).status).toBe('succeeded');
    const failed = await getPrediction(emu, doomed.id);
    expect(failed).toMatchObject({ status: 'failed', error: 'CUDA out of memory', output: null });
    expect(failed.logs).toContain('CUDA out of memory');
    expect((await getPrediction(emu, second.id)).status).toBe('succeeded');
  });

  test('a scenario sets the timings of a prediction', async () => {
    await using emu = await start(SLOW);
    emu.addScenario({ startMs: 1_000, predictMs: 2_000, count: 2 });
    const a = await createFlux(emu);
    const b = await createFlux(emu);
    const c = await createFlux(emu);
    emu.advanceClock(3_000);
    expect((await getPrediction(emu, a.id)).status).toBe('succeeded');
    expect((await getPrediction(emu, b.id)).status).toBe('succeeded');
    expect((await getPrediction(emu, c.id)).status).toBe('starting');
  });

  test('[emulator:fail=…] and [emulator:fail] in a prompt fail that prediction', async () => {
    await using emu = await start();
    const wait = { prefer: 'wait' };
    const a = (await (
      await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
        json: { input: { prompt: 'x [emulator:fail=NSFW content detected]' } },
        headers: wait,
      })
    ).json()) as PredictionJson;
    expect(a).toMatchObject({ status: 'failed', error: 'NSFW content detected' });
    const b = (await (
      await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
        json: { input: { prompt: '[emulator:fail] y' } },
        headers: wait,
      })
    ).json()) as PredictionJson;
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/emulated failure/);
  });

  test("[emulator:start_ms=N] and [emulator:predict_ms=N] set that prediction's timings, scaled by speed", async () => {
    await using emu = await start({ ...SLOW, speed: 2 });
    const p = await createFlux(emu, { prompt: 'timed [emulator:start_ms=4000] [emulator:predict_ms=10000]' });
    emu.advanceClock(1_999);
    expect((await getPrediction(emu, p.id)).status).toBe('starting');
    emu.advanceClock(5_001);
    const done = await getPrediction(emu, p.id);
    expect(done.status).toBe('succeeded');
    expect(done.metrics.predict_time).toBe(5);
  });

  test('scenarios and the clock are also driven over the admin routes', async () => {
    await using emu = await start(SLOW);
    const admin = (path: string, body: unknown) =>
      fetch(`${emu.url}/_emulator${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await admin('/scenarios', { fail: 'scripted' })).status).toBe(201);
    const p = await createFlux(emu);
    const clock = await admin('/clock', { advanceMs: 30_000 });
    expect(clock.status).toBe(200);
    expect(await getPrediction(emu, p.id)).toMatchObject({ status: 'failed', error: 'scripted' });
    expect((await admin('/clock', { advanceMs: -1 })).status).toBe(422);
    expect((await admin('/scenarios', { count: 'x' })).status).toBe(422);
  });
});

describe('input validation and model resolution', () => {
  const create = (emu: Awaited<ReturnType<typeof start>>, path: string, body: unknown) =>
    api(emu, path, { json: body });

  test.each([
    ['a missing prompt', '/models/black-forest-labs/flux-schnell/predictions', { input: {} }, 'input.prompt'],
    [
      'num_outputs 9',
      '/models/black-forest-labs/flux-schnell/predictions',
      { input: { prompt: 'x', num_outputs: 9 } },
      'input.num_outputs',
    ],
    [
      'a bad aspect ratio',
      '/models/black-forest-labs/flux-schnell/predictions',
      { input: { prompt: 'x', aspect_ratio: '7:3' } },
      'input.aspect_ratio',
    ],
    [
      'a string seed',
      '/models/black-forest-labs/flux-schnell/predictions',
      { input: { prompt: 'x', seed: '42' } },
      'input.seed',
    ],
    ['empty images', '/models/fofr/skyreels-2/predictions', { input: { images: [] } }, 'input.images'],
    [
      'a non-URL image',
      '/models/fofr/skyreels-2/predictions',
      { input: { images: ['https://example.com/a.png', 'not a url'] } },
      'input.images[1]',
    ],
    [
      '17 images',
      '/models/fofr/skyreels-2/predictions',
      { input: { images: Array(17).fill('https://example.com/a.png') } },
      'input.images',
    ],
    [
      'fps 60',
      '/models/fofr/skyreels-2/predictions',
      { input: { images: ['https://example.com/a.png'], fps: 60 } },
      'input.fps',
    ],
    ['no frames', '/models/fofr/frames-to-video/predictions', { input: {} }, 'input.frames_urls'],
    [
      'a non-URL frame',
      '/models/fofr/frames-to-video/predictions',
      { input: { frames_urls: 'https://example.com/1.png\nnope' } },
      'input.frames_urls[1]',
    ],
    ['no input at all', '/models/black-forest-labs/flux-schnell/predictions', {}, 'input'],
    [
      'a webhook that is not https',
      '/models/black-forest-labs/flux-schnell/predictions',
      { input: { prompt: 'x' }, webhook: 'http://example.com/hook' },
      'webhook',
    ],
    [
      'an unknown webhook event',
      '/models/black-forest-labs/flux-schnell/predictions',
      { input: { prompt: 'x' }, webhook: 'https://example.com/hook', webhook_events_filter: ['finished'] },
      'webhook_events_filter',
    ],
  ])('%s is a 422 naming the field', async (_name, path, body, field) => {
    await using emu = await start();
    const res = await create(emu, path, body);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { detail: string; status: number; title: string };
    expect(problem.status).toBe(422);
    expect(problem.detail).toContain(`${field}:`);
  });

  test('an unknown model is a 404', async () => {
    await using emu = await start();
    const res = await create(emu, '/models/acme/nothing/predictions', { input: { prompt: 'x' } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('acme/nothing');
    expect((await api(emu, '/models/acme/nothing')).status).toBe(404);
    expect((await api(emu, '/models/acme/nothing/versions')).status).toBe(404);
  });

  test('POST /v1/predictions takes a bare 64-hex version or owner/name:version', async () => {
    await using emu = await start();
    const model = (await (await api(emu, '/models/fofr/skyreels-2')).json()) as { latest_version: { id: string } };
    const version = model.latest_version.id;
    expect(version).toMatch(/^[0-9a-f]{64}$/);
    const input = { images: ['https://example.com/a.png', 'https://example.com/b.png'] };
    const bare = (await (await create(emu, '/predictions', { version, input })).json()) as PredictionJson;
    expect(bare).toMatchObject({ model: 'fofr/skyreels-2', version });
    const named = await create(emu, '/predictions', { version: `fofr/skyreels-2:${version}`, input });
    expect(named.status).toBe(201);
    expect((await create(emu, '/predictions', { version: 'f'.repeat(64), input })).status).toBe(422);
    expect((await create(emu, '/predictions', { version: `fofr/skyreels-2:${'0'.repeat(64)}`, input })).status).toBe(
      422,
    );
    expect((await create(emu, '/predictions', { input })).status).toBe(422);
  });

  test('deployments run the model of the same name and say so', async () => {
    await using emu = await start();
    const res = await create(emu, '/deployments/acme/flux-schnell/predictions', { input: { prompt: 'deployed' } });
    expect(res.status).toBe(201);
    const p = (await res.json()) as Record<string, unknown>;
    expect(p).toMatchObject({ model: 'black-forest-labs/flux-schnell', deployment: 'acme/flux-schnell' });
    expect(
      validateAgainstOpenApi('POST', '/deployments/{deployment_owner}/{deployment_name}/predictions', 201, p),
    ).toEqual([]);
    expect((await create(emu, '/deployments/acme/unknown/predictions', { input: {} })).status).toBe(404);
  });

  test('video models return one MP4 URL that downloads as an MP4', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/fofr/skyreels-2/predictions', {
      json: { input: { images: ['https://example.com/a.png', 'https://example.com/b.png'], prompt: 'a walk', fps: 8 } },
      headers: { prefer: 'wait' },
    });
    const p = (await res.json()) as { status: string; output: string };
    expect(p.status).toBe('succeeded');
    expect(typeof p.output).toBe('string');
    expect(p.output).toMatch(/\/out-0\.mp4$/);
    const file = await fetch(p.output);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    expect(sniff(new Uint8Array(await file.arrayBuffer()))).toBe('mp4');
  });

  test('frames-to-video takes newline-separated frame URLs', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/fofr/frames-to-video/predictions', {
      json: { input: { frames_urls: 'https://example.com/1.png\nhttps://example.com/2.png', fps: 2 } },
      headers: { prefer: 'wait' },
    });
    const p = (await res.json()) as { status: string; output: string };
    expect(p.status).toBe('succeeded');
    expect(p.output).toMatch(/\.mp4$/);
  });

  test('images differ by prompt and repeat for the same prompt and seed', async () => {
    await using emu = await start();
    const render = async (prompt: string) => {
      const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
        json: { input: { prompt, seed: 7, output_format: 'png' } },
        headers: { prefer: 'wait' },
      });
      const p = (await res.json()) as { output: string[] };
      return Buffer.from(await (await fetch(p.output[0]!)).arrayBuffer());
    };
    const a = await render('a red square');
    const b = await render('a blue circle');
    const a2 = await render('a red square');
    expect(a.equals(a2)).toBe(true);
    expect(a.equals(b)).toBe(false);
  });
});

describe('extra models', () => {
  test('a model given in options is served like the built-in ones', async () => {
    const upscaler: ModelSpec = {
      owner: 'acme',
      name: 'upscaler',
      description: 'A fake upscaler',
      official: false,
      timings: { startMs: 10, predictMs: 10 },
      input: {
        required: ['image'],
        properties: {
          image: { type: 'string', format: 'uri' },
          scale: { type: 'integer', minimum: 2, maximum: 4, default: 2 },
        },
      },
      output: { type: 'string', format: 'uri' },
      plan: (input, ctx) => ({
        files: [
          {
            kind: 'image',
            ext: 'png',
            format: 'png',
            prompt: String(input.image),
            seed: ctx.seed,
            width: 32 * (input.scale as number),
            height: 32 * (input.scale as number),
            quality: 80,
          },
        ],
        shape: 'single',
        steps: 2,
      }),
    };
    await using emu = await start({ models: [upscaler] });
    const res = await api(emu, '/models/acme/upscaler/predictions', {
      json: { input: { image: 'https://example.com/a.png', scale: 3 } },
      headers: { prefer: 'wait' },
    });
    const p = (await res.json()) as { status: string; output: string; version: string };
    expect(p.status).toBe('succeeded');
    expect(p.version).toMatch(/^[0-9a-f]{64}$/);
    expect(sniff(new Uint8Array(await (await fetch(p.output)).arrayBuffer()))).toBe('png');
    expect((await api(emu, '/models/acme/upscaler/predictions', { json: { input: { image: 'x' } } })).status).toBe(422);
    const model = (await (await api(emu, '/models/acme/upscaler')).json()) as {
      latest_version: { openapi_schema: OpenApiSchemaJson };
    };
    expect(model.latest_version.openapi_schema.components.schemas.Input.required).toEqual(['image']);
    // The built-in models are still there.
    expect((await api(emu, '/models/black-forest-labs/flux-schnell')).status).toBe(200);
  });
});

describe('listing', () => {
  test('created_after and created_before filter the list, and previous links back', async () => {
    await using emu = await start(SLOW);
    const first = await createFlux(emu);
    emu.advanceClock(1_000);
    const second = await createFlux(emu);
    emu.advanceClock(1_000);
    const third = await createFlux(emu);
    const list = async (query: string) =>
      ((await (await api(emu, `/predictions${query}`)).json()) as { results: Array<{ id: string }> }).results.map(
        (p) => p.id,
      );
    expect(await list('')).toEqual([third.id, second.id, first.id]);
    expect(await list(`?created_after=${encodeURIComponent(first.created_at)}`)).toEqual([third.id, second.id]);
    expect(await list(`?created_before=${encodeURIComponent(third.created_at)}`)).toEqual([second.id, first.id]);
    expect((await api(emu, '/predictions?created_after=yesterday')).status).toBe(400);
    expect((await api(emu, '/predictions?cursor=garbage')).status).toBe(400);
  });

  test('pages link both ways with absolute URLs', async () => {
    await using emu = await start({ ...SLOW, listPageSize: 2 });
    for (let i = 0; i < 5; i++) await createFlux(emu, { prompt: `n${i}` });
    const ids = emu.stats().predictionIds;
    const page1 = (await (await api(emu, '/predictions')).json()) as {
      next: string;
      previous: string | null;
      results: Array<{ id: string }>;
    };
    expect(page1.previous).toBeNull();
    const page2 = (await (await fetch(page1.next, { headers: { authorization: 'Bearer t' } })).json()) as typeof page1;
    const page3 = (await (await fetch(page2.next, { headers: { authorization: 'Bearer t' } })).json()) as typeof page1;
    expect(page3.next).toBeNull();
    expect([...page1.results, ...page2.results, ...page3.results].map((p) => p.id)).toEqual([...ids].reverse());
    const back = (await (
      await fetch(page3.previous!, { headers: { authorization: 'Bearer t' } })
    ).json()) as typeof page1;
    expect(back.results.map((p) => p.id)).toEqual(page2.results.map((p) => p.id));
  });
});
