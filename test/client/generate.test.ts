// generateImage / generateVideo against the emulator: result shapes, inputs, and each way they fail.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import type { ImageResult, StatusUpdate } from '../../src/index.js';
import { clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

async function predictionOnServer(id: string): Promise<Record<string, unknown>> {
  const { client } = clientFor(emu);
  return (await client.getPrediction(id)) as Record<string, unknown>;
}

describe('generateImage', () => {
  test('returns the image URL, every URL, and the prediction id on success', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a red sports car');
    expect(result).toMatchObject({ success: true, error: null });
    if (!result.success) throw new Error('expected success');
    expect(result.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/delivery\/.+\.webp$/);
    expect(result.imageUrls).toEqual([result.imageUrl]);
    expect(result.predictionId).toBe(emu.stats().predictionIds[0]);
    expect(result.prediction.model).toBe('black-forest-labs/flux-schnell');
    const image = await fetch(result.imageUrl);
    expect(image.status).toBe(200);
  });

  test('passes extra inputs through and returns every output image', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('three cats', {
      input: { num_outputs: 3, output_format: 'png', seed: 7 },
    });
    if (!result.success) throw new Error(result.error);
    expect(result.imageUrls).toHaveLength(3);
    expect(result.imageUrls.every((u) => u.endsWith('.png'))).toBe(true);
    expect(result.prediction.input).toMatchObject({ prompt: 'three cats', num_outputs: 3, seed: 7 });
  });

  test('a failed prediction gives prediction_failed with the prediction id and the model error', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a cat [emulator:fail=NSFW content detected]');
    expect(result).toMatchObject({ success: false, imageUrl: null, errorCode: 'prediction_failed' });
    if (result.success) throw new Error('expected failure');
    expect(result.predictionId).toBe(emu.stats().predictionIds[0]);
    expect(result.error).toContain('NSFW content detected');
  });

  test('an empty prompt is invalid_input and creates nothing', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('   ');
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input', predictionId: null, imageUrl: null });
    expect(emu.stats().predictionsCreated).toBe(0);
  });

  test("an input the API rejects (422) is invalid_input with the API's detail", async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a dog', { input: { num_outputs: 9 } });
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input', predictionId: null });
    if (result.success) throw new Error('expected failure');
    expect(result.error).toContain('num_outputs');
  });

  test('an unknown model is an http error (404)', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a dog', { model: 'nobody/nothing' });
    expect(result).toMatchObject({ success: false, errorCode: 'http', httpStatus: 404, predictionId: null });
  });

  test('failure results carry the HTTP status of the answer that caused them, null when there was none', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 402 });
    expect(await client.generateImage('a dog')).toMatchObject({ success: false, errorCode: 'http', httpStatus: 402 });
    expect(await client.generateImage('a dog', { input: { num_outputs: 99 } })).toMatchObject({
      success: false,
      errorCode: 'invalid_input',
      httpStatus: 422,
    });
    expect(await client.generateImage('x [emulator:fail=boom]')).toMatchObject({
      success: false,
      errorCode: 'prediction_failed',
      httpStatus: null,
    });
    emu.addFault({ route: 'predictions.create', type: 'status', status: 404 });
    expect(await client.generateVideo(['https://example.com/a.png'])).toMatchObject({
      success: false,
      httpStatus: 404,
    });
  });

  test('a malformed model name is invalid_input', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a dog', { model: 'not a model' });
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
  });

  test('nonsense options are invalid_input, not exceptions', async () => {
    const { client } = clientFor(emu);
    for (const options of [{ timeoutMs: -1 }, { timeoutMs: Number.NaN }, { intervalMs: 0 }]) {
      const result = await client.generateImage('a dog', options);
      expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
    }
    const untyped = client.generateImage.bind(client) as unknown as (p: unknown, o?: unknown) => Promise<ImageResult>;
    expect(await untyped(42)).toMatchObject({ success: false, errorCode: 'invalid_input' });
    expect(await untyped('a dog', { input: 'nope' })).toMatchObject({ success: false, errorCode: 'invalid_input' });
  });

  test('a wrong API key is auth', async () => {
    const { client } = clientFor(emu, { apiKey: 'r8_WrongKey000000000000000000000000000000' });
    const result = await client.generateImage('a dog');
    expect(result).toMatchObject({ success: false, errorCode: 'auth', predictionId: null });
  });

  test('a fast model answers within the create (Prefer: wait), so nothing is polled', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('quick');
    expect(result.success).toBe(true);
    expect(emu.stats().requests['predictions.get'] ?? 0).toBe(0);
  });

  test('a processing answer to the create is not taken as done: the client keeps polling', async () => {
    // Real time here: the create is held for 1 s at most and comes back 'processing'; polling then sees it succeed.
    const { client } = clientFor(emu, { preferWaitSeconds: 1, now: Date.now, sleep: undefined });
    const result = await client.generateImage('slow [emulator:predict_ms=1300]', { intervalMs: 50 });
    expect(result.success).toBe(true);
    expect(emu.stats().requests['predictions.get']).toBeGreaterThan(0);
  });

  test('onStatus reports creating, then each status seen, with elapsed time and retries', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 0 });
    const updates: StatusUpdate[] = [];
    const result = await client.generateImage('a dog [emulator:predict_ms=50]', {
      intervalMs: 20,
      onStatus: (u) => updates.push(u),
    });
    expect(result.success).toBe(true);
    expect(updates[0]).toMatchObject({ predictionId: null, status: 'creating', retries: 0 });
    expect(updates.at(-1)).toMatchObject({ predictionId: result.predictionId, status: 'succeeded' });
    expect(updates.some((u) => u.status === 'starting' || u.status === 'processing')).toBe(true);
    expect(updates.every((u, i) => i === 0 || u.elapsedMs >= updates[i - 1]!.elapsedMs)).toBe(true);
  });

  test('a listener that throws does not break the call', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a dog', {
      onStatus: () => {
        throw new Error('broken status line');
      },
    });
    expect(result.success).toBe(true);
  });
});

describe('generateVideo', () => {
  const frames = ['https://example.com/1.png', 'https://example.com/2.png', 'https://example.com/3.png'];

  test('returns the video URL and the duration asked for (one second per image by default)', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo(frames, { prompt: 'a slow pan' });
    if (!result.success) throw new Error(result.error);
    expect(result).toMatchObject({ error: null, durationSeconds: 3 });
    expect(result.videoUrl).toMatch(/\.mp4$/);
    expect(result.prediction.model).toBe('fofr/skyreels-2');
    expect(result.prediction.input).toMatchObject({ images: frames, prompt: 'a slow pan', duration: 3 });
    const video = new Uint8Array(await (await fetch(result.videoUrl)).arrayBuffer());
    expect(new TextDecoder().decode(video.subarray(4, 8))).toBe('ftyp');
  });

  test('an explicit duration is sent and reported', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo(frames, { durationSeconds: 5 });
    if (!result.success) throw new Error(result.error);
    expect(result.durationSeconds).toBe(5);
    expect(result.prediction.input).toMatchObject({ duration: 5 });
  });

  test('frames-to-video gets its frames as one newline-separated string', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo(frames, { model: 'fofr/frames-to-video', fps: 2 });
    if (!result.success) throw new Error(result.error);
    expect(result.prediction.input).toMatchObject({ frames_urls: frames.join('\n'), fps: 2 });
  });

  test("[] fails with 'No image URLs provided' (invalid_input)", async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo([]);
    expect(result).toEqual(
      expect.objectContaining({
        success: false,
        videoUrl: null,
        error: 'No image URLs provided',
        errorCode: 'invalid_input',
        predictionId: null,
      }),
    );
    expect(emu.stats().predictionsCreated).toBe(0);
  });

  test('a URL that is not http(s) or data is invalid_input naming it', async () => {
    const { client } = clientFor(emu);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'ftp://example.com/x.png']) {
      const result = await client.generateVideo(['https://example.com/ok.png', bad]);
      expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
      if (result.success) throw new Error('expected failure');
      expect(result.error).toContain(bad);
      expect(result.error).toContain('Image 2');
    }
    expect(emu.stats().predictionsCreated).toBe(0);
  });

  test('small image bytes are sent as a data URL', async () => {
    const { client } = clientFor(emu);
    const png = await pngBytes();
    const result = await client.generateVideo([png, new Blob([new Uint8Array(png)], { type: 'image/png' })]);
    if (!result.success) throw new Error(result.error);
    const images = result.prediction.input.images as string[];
    expect(images).toHaveLength(2);
    expect(images[0]).toMatch(/^data:image\/png;base64,/);
    expect(emu.stats().requests['files.create'] ?? 0).toBe(0);
  });

  test('image bytes over 256 KB are uploaded through the files API', async () => {
    const { client } = clientFor(emu);
    const png = await pngBytes();
    const big = new Uint8Array(300 * 1024);
    big.set(png);
    const result = await client.generateVideo([big]);
    expect(emu.stats().requests['files.create']).toBe(1);
    if (!result.success) throw new Error(result.error);
    const [image] = result.prediction.input.images as string[];
    expect(image).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/files\//);
  });

  test('a video model without an adapter is invalid_input that names the option', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo(frames, { model: 'someone/other-video' });
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
    if (result.success) throw new Error('expected failure');
    expect(result.error).toContain('videoAdapters');
  });

  test('callers can add a video adapter', async () => {
    const { client } = clientFor(emu, {
      videoAdapters: {
        'fofr/frames-to-video': { toInput: ({ images }) => ({ frames_urls: images.join('\n'), fps: 8 }) },
      },
    });
    const result = await client.generateVideo(frames, { model: 'fofr/frames-to-video' });
    if (!result.success) throw new Error(result.error);
    expect(result.prediction.input).toMatchObject({ fps: 8 });
  });

  test('a bad duration is invalid_input', async () => {
    const { client } = clientFor(emu);
    for (const durationSeconds of [0, -2, Number.NaN]) {
      expect(await client.generateVideo(frames, { durationSeconds })).toMatchObject({
        success: false,
        errorCode: 'invalid_input',
      });
    }
  });

  test('a failed video prediction is prediction_failed with its id', async () => {
    const { client } = clientFor(emu);
    emu.addScenario({ model: 'fofr/skyreels-2', fail: 'CUDA out of memory' });
    const result = await client.generateVideo(frames);
    expect(result).toMatchObject({ success: false, errorCode: 'prediction_failed', durationSeconds: 3 });
    if (result.success) throw new Error('expected failure');
    expect(result.predictionId).toBe(emu.stats().predictionIds[0]);
    expect(result.error).toContain('CUDA out of memory');
  });
});

describe('deadlines', () => {
  const serverDeadlineMs = (p: { deadline?: unknown; created_at: string } | null | undefined): number =>
    Date.parse(String(p?.deadline)) - Date.parse(String(p?.created_at));

  test('default to 10 minutes for images and 20 for videos, and reach the server as Cancel-After', async () => {
    const { client } = clientFor(emu);
    const image = await client.generateImage('a dog');
    const video = await client.generateVideo(['https://example.com/a.png']);
    expect(serverDeadlineMs(image.prediction)).toBe(600_000);
    expect(serverDeadlineMs(video.prediction)).toBe(1_200_000);
  });

  test('timeoutMs sets both', async () => {
    const { client } = clientFor(emu);
    const image = await client.generateImage('a dog', { timeoutMs: 90_000 });
    expect(serverDeadlineMs(image.prediction)).toBe(90_000);
  });
});

describe('pollPrediction', () => {
  test('waits for a running prediction and returns succeeded with its output', async () => {
    const { client } = clientFor(emu);
    const created = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'x [emulator:predict_ms=80]' },
    });
    const result = await client.pollPrediction(created.id, { intervalMs: 20 });
    expect(result).toMatchObject({ status: 'succeeded', predictionId: created.id, error: null });
    expect(Array.isArray(result.output)).toBe(true);
  });

  test('failed, canceled and aborted predictions end the wait with their status', async () => {
    const { client } = clientFor(emu);
    const failed = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'x [emulator:fail=boom]' },
    });
    expect(await client.pollPrediction(failed.id, { intervalMs: 20 })).toMatchObject({
      status: 'failed',
      errorCode: 'prediction_failed',
      error: expect.stringContaining('boom'),
    });

    const running = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'y [emulator:predict_ms=60000]' },
    });
    await client.cancelPrediction(running.id);
    expect(await client.pollPrediction(running.id, { intervalMs: 20 })).toMatchObject({
      status: 'canceled',
      errorCode: 'canceled',
    });

    // A deadline reached before the prediction starts ends it as `aborted` (the official clients hang here).
    const queued = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'z [emulator:start_ms=600000]' },
      cancelAfterMs: 5_000,
    });
    emu.advanceClock(6_000);
    const aborted = await client.pollPrediction(queued.id, { intervalMs: 20 });
    expect(aborted).toMatchObject({ status: 'aborted', errorCode: 'timeout', predictionId: queued.id });
  });

  test('gives up with timeout when the deadline passes, and leaves the prediction running', async () => {
    const { client, time } = clientFor(emu);
    const created = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'x [emulator:predict_ms=600000]' },
    });
    const result = await client.pollPrediction(created.id, { timeoutMs: 10_000, intervalMs: 2_000 });
    expect(result).toMatchObject({ status: 'timeout', errorCode: 'timeout', predictionId: created.id, output: null });
    expect(result.error).toContain('timeout');
    expect(time.sleeps).toEqual([2_000, 2_000, 2_000, 2_000, 2_000]);
    expect((await predictionOnServer(created.id)).status).not.toBe('canceled');
  });

  test('an unknown id is an error result (http 404), not an exception', async () => {
    const { client } = clientFor(emu);
    expect(await client.pollPrediction('doesnotexist')).toMatchObject({
      status: 'error',
      errorCode: 'http',
      httpStatus: 404,
    });
    expect(await client.pollPrediction('../../etc')).toMatchObject({
      status: 'error',
      errorCode: 'invalid_input',
      httpStatus: null,
    });
  });
});

/** A tiny valid PNG, as the emulator renders them. */
async function pngBytes(): Promise<Uint8Array> {
  const { renderImage } = await import('../../src/emulator/media/index.js');
  return renderImage({ prompt: 'frame', seed: 1, width: 16, height: 16, format: 'png' });
}

describe('hostile input from untyped callers', () => {
  type Loose = (...args: unknown[]) => Promise<unknown>;

  test('the result methods return well-formed results and never throw', async () => {
    const { client } = clientFor(emu);
    const image = client.generateImage.bind(client) as Loose;
    const video = client.generateVideo.bind(client) as Loose;
    const poll = client.pollPrediction.bind(client) as Loose;
    const cases: Array<[Loose, unknown[]]> = [
      [image, [undefined]],
      [image, [null, null]],
      [image, ['a dog', 'fast']],
      [image, ['a dog', { model: 42 }]],
      [image, ['a dog', { timeoutMs: Infinity }]],
      [video, [null]],
      [video, ['https://example.com/a.png']],
      [video, [[42]]],
      [video, [[null]]],
      [video, [['https://example.com/a.png'], { fps: -1 }]],
      [video, [['https://example.com/a.png'], { prompt: 42 }]],
      [poll, [null]],
      [poll, [{}]],
      [poll, ['abc', 'x']],
    ];
    for (const [fn, args] of cases) {
      const result = (await fn(...args)) as Record<string, unknown>;
      expect(result.success === false || result.status === 'error', JSON.stringify(args)).toBe(true);
      expect(result.errorCode).toBe('invalid_input');
      expect(typeof result.error).toBe('string');
    }
    expect(emu.stats().predictionsCreated).toBe(0);
    // null options mean "no options", as undefined does.
    expect(await video(['https://example.com/a.png'], null)).toMatchObject({ success: true });
  });

  test('the lower layer rejects with typed errors only', async () => {
    const { client } = clientFor(emu);
    const calls: Array<() => Promise<unknown>> = [
      () => (client.createPrediction as Loose).call(client, null),
      () => (client.createPrediction as Loose).call(client, { model: 'a/b', input: [] }),
      () => (client.getPrediction as Loose).call(client, 42),
      () => (client.cancelPrediction as Loose).call(client, 'abc', 'x'),
      () => client.getPrediction('abc', { timeoutMs: -1 }),
    ];
    for (const call of calls) await expect(call()).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
