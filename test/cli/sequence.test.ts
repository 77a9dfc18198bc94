// The CLI on first-last-frame models: `models` lists the catalogue, `video a b c --model
// kwaivgi/kling-v2.1` shows each transition and saves one joined MP4 (and redoes only a failed
// transition with --sequence), `estimate` splits the seconds across transitions and says when the price is unknown.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { decodeFrames, parseWithMp4box } from '../media/mp4-helpers.js';
import { IMAGES, nearestImage } from '../sequence/grey-images.js';
import { assertBuilt, cleanEnv, fileType, parseJson, runCli } from './helpers.js';

const TOKEN = 'test';
const MODEL = 'kwaivgi/kling-v2.1';
let emu: Emulator;
let dir: string;
let env: NodeJS.ProcessEnv;
let frames: string[];

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({ port: 0, token: TOKEN, timings: { '*': { startMs: 5, predictMs: 20 } } });
});
afterAll(() => emu?.close());
beforeEach(async () => {
  emu.reset();
  dir = await mkdtemp(join(tmpdir(), 'cli-seq-'));
  env = cleanEnv({
    REPLICATE_API_KEY: TOKEN,
    REPLICATE_BASE_URL: emu.apiUrl,
    REPLICATE_MEDIA_JOURNAL: join(dir, 'journal.jsonl'),
  });
  frames = await Promise.all(
    IMAGES.slice(0, 3).map(async (url, i) => {
      const path = join(dir, `frame${i}.png`);
      await writeFile(path, Buffer.from(url.split(',')[1] as string, 'base64'));
      return path;
    }),
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('models', () => {
  it('lists the catalogue: what each does, how it takes frames, its price and when it was read', async () => {
    const table = await runCli(['models']);
    expect(table.code, table.stderr).toBe(0);
    const kling = table.stdout.split('\n').find((line) => line.startsWith(MODEL));
    expect(kling).toContain('first-last: start_image -> end_image (mode=pro)');
    expect(kling).toContain('unknown');
    expect(kling).toContain('2026-12-02');
    expect(table.stdout).toMatch(/black-forest-labs\/flux-schnell\s+image\s+none\s+\$0\.003\/image/);

    const json = await runCli(['models', '--kind', 'video', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const models = parseJson(json.stdout).models as Array<{ model: string; kind: string; frames: { kind: string } }>;
    expect(models.every((m) => m.kind === 'video')).toBe(true);
    expect(models.filter((m) => m.frames.kind === 'first-last').map((m) => m.model)).toEqual([
      MODEL,
      'minimax/hailuo-02',
      'pixverse/pixverse-v4',
      'bytedance/seedance-2.0',
    ]);
    expect((await runCli(['models', '--kind', 'audio'])).code).toBe(2);
  });
});

describe('video on a first-last-frame model', () => {
  it('shows each transition and saves one joined video', async () => {
    const result = await runCli(['video', ...frames, '--model', MODEL, '--out', dir, '--interval', '0.02', '--json'], {
      env,
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('2 transitions (1 -> 2 -> 3), 5 + 5 s = 10 s billed');
    expect(result.stderr).toMatch(/transition 1\/2 \(frame 1 -> 2\) \S+: succeeded/);
    expect(result.stderr).toMatch(/transition 2\/2 \(frame 2 -> 3\) \S+: succeeded/);
    const doc = parseJson(result.stdout);
    expect(doc).toMatchObject({ success: true, command: 'video', model: MODEL, durationSeconds: 10 });
    expect(doc.segments).toHaveLength(2);
    const [file] = doc.files as Array<{ path: string }>;
    expect(file?.path).toBe(join(dir, `${doc.sequenceId}.mp4`));
    expect(await fileType(file?.path as string)).toBe('mp4');
    expect(emu.stats().predictionsCreated).toBe(2);
  });

  it('names the failed transition and the command that redoes only it', async () => {
    emu.addScenario({ model: MODEL, count: 1, fail: 'out of GPUs' });
    const failed = await runCli(['video', ...frames, '--model', MODEL, '--out', dir, '--interval', '0.02'], {
      env,
      cwd: dir,
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('out of GPUs');
    const redo = /replicate-media (video .+ --sequence (\S+) --out \S+)/.exec(failed.stderr);
    expect(redo, failed.stderr).not.toBeNull();
    const again = await runCli([...redo![1]!.split(' '), '--interval', '0.02', '--json'], {
      env,
      cwd: dir,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson(again.stdout).sequenceId).toBe(redo![2]);
    // One transition kept, one made again: three creates in all, never both again.
    expect(emu.stats().predictionsCreated).toBe(3);
    const [file] = parseJson(again.stdout).files as Array<{ path: string }>;
    const luma = decodeFrames(parseWithMp4box(new Uint8Array(await readFile(file?.path as string)))).luma;
    expect(luma.map(nearestImage).filter((v, i, all) => i === 0 || all[i - 1] !== v)).toEqual([0, 1, 2]);
  });
});

describe('estimate on a first-last-frame model', () => {
  it('splits the seconds across the transitions and says when the price is unknown', async () => {
    const unknown = await runCli(['estimate', '--video-model', MODEL, '--video-seconds', '14', '--frames', '3']);
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(unknown.stdout).toContain('3 frames make 2 transitions of 5 + 10 s = 15 s billed (asked for 14 s)');
    expect(unknown.stdout).toContain('Estimated cost: unknown (no price is known for kwaivgi/kling-v2.1');

    const priced = await runCli([
      'estimate',
      '--video-model',
      MODEL,
      '--video-seconds',
      '14',
      '--frames',
      '3',
      '--video-price',
      '0.09',
      '--json',
    ]);
    expect(priced.code, priced.stderr).toBe(0);
    expect(parseJson(priced.stdout)).toMatchObject({
      transitions: 2,
      billedSeconds: 15,
      costUsd: 1.35,
      priceKnown: true,
    });
  });
});
