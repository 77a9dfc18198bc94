// generateVideo on a first-last-frame catalogue model (kwaivgi/kling-v2.1) against the emulator: the
// transitions a -> b -> c -> d are made, fetched and joined into one MP4 that an independent parser
// (mp4box.js) reads and an independent H.264 decoder decodes frame by frame; a failed transition
// leaves the others kept and is the only one made again; the budget is held before anything is made.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { foldJournal, readJournal } from '../../src/entries/journal.js';
import { describeMp4 } from '../../src/index.js';
import { clientFor, startFast, useEmulator } from '../client/helpers.js';
import { decodeFrames, parseWithMp4box } from '../media/mp4-helpers.js';
import { IMAGES, nearestImage } from './grey-images.js';

const MODEL = 'kwaivgi/kling-v2.1';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seq-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('generateVideo on a first-last-frame model', () => {
  test('makes a -> b, b -> c, c -> d and joins them into one MP4 that decodes, in order', async () => {
    const { client } = clientFor(emu, {
      journal: join(dir, 'journal.jsonl'),
      prices: { [MODEL]: { unit: 'second', usd: 0.05 } },
    });
    const transitions: number[] = [];
    const result = await client.generateVideo(IMAGES, {
      model: MODEL,
      prompt: 'a slow pan',
      download: { dir: join(dir, 'out') },
      intervalMs: 10,
      onTransition: (index) => transitions.push(index),
    });
    if (!result.success) throw new Error(result.error);
    expect(emu.stats().predictionsCreated).toBe(3);
    expect(new Set(transitions)).toEqual(new Set([0, 1, 2]));

    // Each transition is its own prediction: image k to image k + 1, in pro mode, 5 s (the default).
    const segments = result.segments ?? [];
    expect(segments.map((s) => s.index)).toEqual([0, 1, 2]);
    for (const segment of segments) {
      const prediction = (await client.getPrediction(segment.predictionId)) as { input: Record<string, unknown> };
      expect(prediction.input).toMatchObject({
        start_image: IMAGES[segment.index],
        end_image: IMAGES[segment.index + 1],
        mode: 'pro',
        duration: 5,
        prompt: 'a slow pan',
      });
      expect(segment.costUsd).toBe(0.25);
    }
    expect(result.costUsd).toBe(0.75);
    expect(client.spentUsd).toBe(0.75);
    expect(result.durationSeconds).toBe(15);
    expect(result.plan).toMatchObject({ runs: 3, durations: [5, 5, 5], billedSeconds: 15, costUsd: 0.75 });

    // The joined file on disk is the bytes in the result.
    const bytes = result.bytes as Uint8Array;
    expect(result.files).toHaveLength(1);
    expect(new Uint8Array(await readFile(result.files?.[0] as string))).toEqual(bytes);

    // Independent checks: mp4box parses it; every frame decodes; durations and frames add up.
    const parts = await Promise.all(segments.map(async (s) => new Uint8Array(await readFile(s.file as string))));
    const parsed = parseWithMp4box(bytes);
    const partFrames = parts.map((p) => decodeFrames(parseWithMp4box(p)).luma.length);
    const frames = decodeFrames(parsed).luma;
    expect(frames.length).toBe(partFrames.reduce((n, f) => n + f, 0));
    expect(frames.length).toBe(3 * 5 * 24);
    const partSeconds = parts.map((p) => describeMp4(p).durationSeconds);
    expect(describeMp4(bytes).durationSeconds).toBeCloseTo(
      partSeconds.reduce((n, s) => n + s, 0),
      6,
    );
    expect(parsed.info.duration / parsed.info.timescale).toBeCloseTo(15, 3);

    // What it shows: starts on image a, ends on image d, and passes b and c in order.
    expect(nearestImage(frames[0] as Uint8Array)).toBe(0);
    expect(nearestImage(frames.at(-1) as Uint8Array)).toBe(3);
    const shown = frames.map(nearestImage).filter((v, i, all) => i === 0 || all[i - 1] !== v);
    expect(shown).toEqual([0, 1, 2, 3]);
  }, 60_000);

  test('one failed transition leaves the others kept; retrying creates only that one', async () => {
    const journal = join(dir, 'journal.jsonl');
    const { client } = clientFor(emu, { journal });
    emu.addScenario({ model: MODEL, count: 1, fail: 'the GPU caught fire' });
    const first = await client.generateVideo(IMAGES.slice(0, 3), {
      model: MODEL,
      download: { dir: join(dir, 'out') },
      intervalMs: 10,
    });
    expect(first.success).toBe(false);
    if (first.success) throw new Error('expected a failure');
    const failedId = (await emu.stats()).predictionIds.find(
      (id) => !first.segments?.some((s) => s.predictionId === id),
    );
    expect(first.segments).toHaveLength(1);
    expect(first.retry).toHaveLength(1);
    expect(first.predictionId).toBe(failedId);
    expect(first.error).toContain('the GPU caught fire');
    expect(first.error).toContain(first.sequenceId as string);
    expect(first.errorCode).toBe('prediction_failed');
    // The kept transition's file is on disk already: its URL would expire within the hour.
    expect(first.segments?.[0]?.file).toMatch(/\.mp4$/);

    const again = await client.generateVideo(IMAGES.slice(0, 3), {
      model: MODEL,
      sequenceId: first.sequenceId as string,
      download: { dir: join(dir, 'out') },
      intervalMs: 10,
    });
    if (!again.success) throw new Error(again.error);
    // Two at first, then only the failed one again.
    expect(emu.stats().predictionsCreated).toBe(3);
    expect(again.segments?.map((s) => s.index)).toEqual([0, 1]);
    expect(again.segments?.find((s) => s.index !== first.retry?.[0])?.predictionId).toBe(
      first.segments?.[0]?.predictionId,
    );
    const frames = decodeFrames(parseWithMp4box(again.bytes as Uint8Array)).luma;
    expect(frames.length).toBe(2 * 5 * 24);
    const records = (await readJournal(journal)).records;
    expect(records.filter((r) => r.event === 'sequence')).toHaveLength(1);
    expect(records.filter((r) => r.event === 'sequence_joined')).toHaveLength(1);
    const entries = foldJournal(records).entries;
    expect(entries.every((e) => e.sequenceId === first.sequenceId)).toBe(true);
  }, 60_000);

  test('the transitions run in parallel: every create is sent before any transition is seen again', async () => {
    const { client } = clientFor(emu);
    const events: Array<[number, string]> = [];
    const result = await client.generateVideo(IMAGES, {
      model: MODEL,
      onTransition: (index, update) => events.push([index, update.status]),
    });
    if (!result.success) throw new Error(result.error);
    const firstAnswer = events.findIndex(([, status]) => status !== 'creating');
    expect(new Set(events.slice(0, firstAnswer).map(([index]) => index))).toEqual(new Set([0, 1, 2]));
  });

  test('the budget holds every transition before anything is created', async () => {
    const { client } = clientFor(emu, {
      budgetUsd: 1,
      prices: { [MODEL]: { unit: 'second', usd: 0.1 } },
    });
    // 3 transitions x 5 s x $0.10 = $1.50 > $1: refused whole, nothing created.
    const result = await client.generateVideo(IMAGES, { model: MODEL });
    expect(result).toMatchObject({ success: false, errorCode: 'budget_exceeded' });
    expect(emu.stats().predictionsCreated).toBe(0);
    expect(client.spentUsd).toBe(0);
  });

  test('the duration asked for is split across the transitions within the values the model allows', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo(IMAGES.slice(0, 3), { model: MODEL, durationSeconds: 14 });
    if (!result.success) throw new Error(result.error);
    // kling makes 5 or 10 s: 14 s over two transitions is 10 + 5 (the nearest), and that is billed.
    expect(result.plan?.durations.slice().sort()).toEqual([10, 5]);
    expect(result.durationSeconds).toBe(15);
    expect(describeMp4(result.bytes as Uint8Array).durationSeconds).toBeCloseTo(15, 3);
  }, 60_000);

  test.each([
    ['minimax/hailuo-02', 'first_frame_image', 'last_frame_image', 6],
    ['pixverse/pixverse-v4', 'image', 'last_frame_image', 5],
    ['bytedance/seedance-2.0', 'image', 'last_frame_image', 5],
  ])('works the same on %s (%s -> %s, %i s a transition by default)', async (model, start, end, seconds) => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo(IMAGES.slice(1, 3), { model });
    if (!result.success) throw new Error(result.error);
    const prediction = (await client.getPrediction(result.predictionId)) as { input: Record<string, unknown> };
    expect(prediction.input).toMatchObject({ [start]: IMAGES[1], [end]: IMAGES[2], duration: seconds });
    const frames = decodeFrames(parseWithMp4box(result.bytes as Uint8Array)).luma;
    expect([nearestImage(frames[0] as Uint8Array), nearestImage(frames.at(-1) as Uint8Array)]).toEqual([1, 2]);
  });

  test('one image is not a sequence: invalid_input, nothing created', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateVideo(IMAGES.slice(0, 1), { model: MODEL });
    expect(result).toMatchObject({ success: false, errorCode: 'invalid_input' });
    expect(result.error).toContain('at least 2 images');
    expect(emu.stats().predictionsCreated).toBe(0);
  });
});

describe('a 404 for a catalogue model', () => {
  test('names the catalogue models that do the same job', async () => {
    const publicOnly = await startFast({ publicCatalogueOnly: true });
    try {
      const { client } = clientFor(publicOnly);
      const result = await client.generateVideo(IMAGES, { model: 'fofr/skyreels-2' });
      expect(result).toMatchObject({ success: false, httpStatus: 404 });
      expect(result.error).toContain('kwaivgi/kling-v2.1');
      expect(result.error).toContain('fofr/frames-to-video');
    } finally {
      await publicOnly.close();
    }
  });

  test('for an image model too', async () => {
    const { client } = clientFor(emu);
    emu.addFault({ route: 'predictions.create', type: 'status', status: 404 });
    const result = await client.generateImage('a fox', { model: 'black-forest-labs/flux-dev' });
    expect(result).toMatchObject({ success: false, httpStatus: 404 });
    expect(result.error).toContain('catalogue models that do the same job: black-forest-labs/flux-schnell');
  });
});

describe('estimateCost on a first-last-frame model', () => {
  test('estimates what the planned transitions bill, and asks for a price when none is known', async () => {
    const { estimateCost } = await import('../../src/index.js');
    const prices = { [MODEL]: { unit: 'second' as const, usd: 0.09 } };
    // 14 s over 2 transitions of 5 or 10 s: 15 s are billed.
    expect(estimateCost(0, 14, { videoModel: MODEL, videoImages: 3, prices })).toBe(1.35);
    expect(estimateCost(2, 10, { videoModel: MODEL, videoImages: 3, prices })).toBe(0.906);
    expect(() => estimateCost(0, 10, { videoModel: MODEL, videoImages: 3 })).toThrow(/pass one in the "prices" option/);
    expect(() => estimateCost(0, 10, { videoModel: MODEL, videoImages: 1, prices })).toThrow(RangeError);
  });
});
