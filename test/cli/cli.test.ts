// The built CLI, run as a subprocess against an emulator started in this test process.

import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { assertBuilt, CLI, cleanEnv, fileType, parseJson, runCli, runProgram, startCli } from './helpers.js';

// The key the tests use. Short keys are redacted wherever they appear, so no temporary path may contain it.
const TOKEN = 'test';
let emu: Emulator;
let dir: string;
let env: NodeJS.ProcessEnv;
let journalDir: string;
let journal: string;

beforeAll(async () => {
  assertBuilt();
  emu = await startEmulator({
    port: 0,
    token: TOKEN,
    timings: { '*': { startMs: 20, predictMs: 80 } },
  });
  // Against a real API the CLI journals every prediction; keep that journal out of the output dirs.
  journalDir = await mkdtemp(join(tmpdir(), 'cli-journal-'));
  journal = join(journalDir, 'journal.jsonl');
  env = cleanEnv({ REPLICATE_API_KEY: TOKEN, REPLICATE_BASE_URL: emu.apiUrl, REPLICATE_MEDIA_JOURNAL: journal });
});

afterAll(async () => {
  await emu?.close();
  if (journalDir) await rm(journalDir, { recursive: true, force: true });
});

async function journalRecords(): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(journal, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-out-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function api(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${emu.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  return (await response.json()) as Record<string, unknown>;
}

async function createPrediction(prompt: string): Promise<string> {
  const prediction = await api('/models/black-forest-labs/flux-schnell/predictions', {
    method: 'POST',
    body: JSON.stringify({ input: { prompt } }),
  });
  return prediction.id as string;
}

describe('estimate', () => {
  it('prints the cost of 10 images and 30 s of video', async () => {
    const result = await runCli(['estimate', '--images', '10', '--video-seconds', '30']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Estimated cost: $3.03\n');
  });

  it('prints one JSON document with --json', async () => {
    const result = await runCli(['estimate', '--images', '1', '--json']);
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ success: true, costUsd: 0.003, images: 1, videoSeconds: 0 });
  });

  it('exits 2 for a negative count', async () => {
    const result = await runCli(['estimate', '--images', '-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--images must be a whole number of at least 0/);
  });
});

describe('no API key', () => {
  it.each([
    ['image', ['image', 'a red sports car']],
    ['video', ['video', 'https://example.com/a.png']],
  ])('%s exits 2 with "API key not provided" and points at --emulator and demo', async (_name, args) => {
    const result = await runCli(args, { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/API key not provided/);
    expect(result.stderr).toMatch(/--emulator/);
    expect(result.stderr).toMatch(/replicate-media demo/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('puts the message in the JSON document with --json', async () => {
    const result = await runCli(['image', 'x', '--json'], { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout)).toMatchObject({ success: false, exitCode: 2 });
    expect(String(parseJson(result.stdout).error)).toMatch(/API key not provided/);
  });
});

describe('image', () => {
  it('downloads PNG outputs and prints one JSON document with the fields', async () => {
    const result = await runCli(
      ['image', 'a red sports car', '--num-outputs', '2', '--format', 'png', '--out', dir, '--json'],
      { env, cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    const doc = parseJson(result.stdout);
    expect(doc).toMatchObject({ success: true, command: 'image', status: 'succeeded', costUsd: 0.006 });
    expect(typeof doc.predictionId).toBe('string');
    const files = doc.files as Array<{ path: string; bytes: number }>;
    expect(files).toHaveLength(2);
    for (const [i, file] of files.entries()) {
      expect(file.path).toBe(join(dir, `${doc.predictionId}-${i}.png`));
      expect(await fileType(file.path)).toBe('png');
    }
    expect(emu.stats().predictionIds).toContain(doc.predictionId);
    // Saved through the client, so the journal knows the files (and `resume` could finish a crash).
    const saved = (await journalRecords()).filter((r) => r.event === 'file' && r.predictionId === doc.predictionId);
    expect(saved.map((r) => r.path).sort()).toEqual(files.map((f) => f.path).sort());
  });

  it('saves WebP by default and JPEG on request, and says where they went', async () => {
    const webp = await runCli(['image', 'a lighthouse', '--out', dir], { env, cwd: dir });
    expect(webp.code, webp.stderr).toBe(0);
    expect(webp.stdout).toMatch(/^Prediction \S+ succeeded in .*\nSaved .*-0\.webp \(.*\)\nCost: \$0\.003\n$/);
    const jpg = await runCli(['image', 'a lighthouse', '--format', 'jpg', '--out', dir, '--json'], { env, cwd: dir });
    expect(jpg.code, jpg.stderr).toBe(0);
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    const types = await Promise.all(files.map((f) => fileType(join(dir, f))));
    expect(types.sort()).toEqual(['jpg', 'webp']);
  });

  it('exits 1 when the prediction fails, with the reason on stderr', async () => {
    const result = await runCli(['image', 'a car [emulator:fail=GPU melted]', '--out', dir], { env, cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Error: The image generation failed: Prediction \S+ failed: .*GPU melted/m);
    expect(await readdir(dir)).toEqual([]);
  });

  it('exits 1 on timeout and cancels the prediction on the server', async () => {
    const result = await runCli(
      ['image', 'slow [emulator:predict_ms=60000]', '--timeout', '0.5', '--interval', '0.1', '--out', dir, '--json'],
      { env, cwd: dir },
    );
    expect(result.code).toBe(1);
    const doc = parseJson(result.stdout);
    expect(doc).toMatchObject({ success: false, errorCode: 'timeout', exitCode: 1, status: 'canceled' });
    expect(result.stderr).toMatch(
      /^Error: The image generation timed out \(prediction \S+\); it was canceled on the server\. Try again with a longer --timeout\.$/m,
    );
    const prediction = await api(`/predictions/${doc.predictionId}`);
    expect(prediction.status).toBe('canceled');
  });

  it('exits 2 on usage errors', async () => {
    const cases = [
      ['image'],
      ['image', 'x', '--num-outputs', '9'],
      ['image', 'x', '--aspect-ratio', '7:1'],
      ['image', 'x', '--bogus'],
      ['image', 'x', '--model', 'nobody/nothing', '--out', dir],
      ['imagine', 'x'],
    ];
    for (const args of cases) {
      const result = await runCli(args, { env, cwd: dir });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/(^|\n)Error: [^\n]+\n$/);
    }
  });

  it('exits 1 with the output URLs when the prediction succeeds but saving fails', async () => {
    emu.addFault({ route: 'outputs.get', type: 'status', status: 404, count: 1 });
    try {
      const result = await runCli(['image', 'saved later', '--out', dir, '--json'], { env, cwd: dir });
      expect(result.code, result.stderr).toBe(1);
      const doc = parseJson(result.stdout);
      expect(doc).toMatchObject({ success: false, status: 'succeeded', errorCode: 'data_removed', exitCode: 1 });
      const urls = doc.unsavedUrls as string[];
      expect(urls).toHaveLength(1);
      expect(result.stderr).toMatch(/^Error: Prediction \S+ succeeded but its outputs are gone: .*data_removed/m);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      emu.clearFaults();
    }
  });

  it('exits 2 before creating anything when --out cannot be written', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const before = emu.stats().predictionsCreated;
    const result = await runCli(['image', 'x', '--out', file], { env, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^Error: Cannot save into ".*not-a-dir" \(a file is in the way\): choose another directory with --out\.\n$/,
    );
    expect(emu.stats().predictionsCreated).toBe(before);
  });

  it('exits 2 when the API rejects the key, and never prints the key', async () => {
    const secret = 'r8_thisIsASecretKeyThatMustNeverBePrinted';
    const result = await runCli(['image', 'x', '--json', '--verbose'], {
      env: { ...env, REPLICATE_API_KEY: secret },
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rejected the API key/);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain(secret.slice(3, 20));
  });

  it('Ctrl-C (SIGINT) cancels the running prediction on the server, then exits 130', async () => {
    const cli = startCli(
      ['image', 'slow [emulator:predict_ms=60000]', '--wait', '0', '--interval', '0.2', '--out', dir],
      { env, cwd: dir },
    );
    const match = await cli.waitFor(/image (\S+) (starting|processing)/);
    const predictionId = match[1]!;
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(new RegExp(`Interrupted: prediction ${predictionId} was canceled on the server`));
    const prediction = await api(`/predictions/${predictionId}`);
    expect(prediction.status).toBe('canceled');
  });

  it('Ctrl-C while the create is still held open (Prefer: wait) finds the prediction and cancels it', async () => {
    const before = emu.stats().predictionsCreated;
    // A prompt no other test uses: the client finds its lost prediction by model and input.
    const cli = startCli(['image', `held ${Date.now()} [emulator:predict_ms=60000]`, '--out', dir], { env, cwd: dir });
    await cli.waitFor(/image: creating the prediction/);
    while (emu.stats().predictionsCreated === before) await new Promise((r) => setTimeout(r, 20));
    const predictionId = emu.stats().predictionIds.at(-1)!;
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^Error: Interrupted/m);
    const prediction = await api(`/predictions/${predictionId}`);
    expect(prediction.status, result.stderr).toBe('canceled');
  });

  it('prints plain progress lines, without escape codes, when stderr is not a terminal', async () => {
    const result = await runCli(
      ['image', 'plain [emulator:predict_ms=300]', '--wait', '0', '--interval', '0.1', '--out', dir],
      { env, cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^\[ *\d+\.\ds\] image: creating the prediction\n/);
    expect(result.stderr).toMatch(/\] image \S+ succeeded in .*, cost \$0\.003\n/);
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr).not.toContain('\u001b');
  });

  it.skipIf(!existsSync('/usr/bin/script'))('draws a live status line in place on a terminal', async () => {
    // `script` runs the CLI on a pseudo-terminal, as a user's shell would.
    const command = [
      process.execPath,
      CLI,
      'image',
      "'live [emulator:predict_ms=800]'",
      '--wait',
      '0',
      '--interval',
      '0.2',
      '--out',
      dir,
    ].join(' ');
    const result = await runProgram('script', ['-qec', command, '/dev/null'], {
      env: { ...env, NO_COLOR: '1' },
      cwd: dir,
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('\r\x1b[2K');
    expect(result.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] image · \S+ · (starting|processing) · /);
    expect(result.stdout).toMatch(/✓ image \S+ succeeded in /);
  });

  it('runs on an embedded emulator with --emulator and no key', async () => {
    const result = await runCli(['image', 'a red sports car', '--emulator', '--out', dir, '--json'], {
      env: cleanEnv(),
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    const doc = parseJson(result.stdout);
    const files = doc.files as Array<{ path: string }>;
    expect(await fileType(files[0]!.path)).toBe('webp');
  });
});

describe('video', () => {
  it('uploads local frames, passes URLs through and downloads a valid MP4', async () => {
    const images = await runCli(['image', 'frames', '--num-outputs', '2', '--format', 'png', '--out', dir, '--json'], {
      env,
      cwd: dir,
    });
    expect(images.code, images.stderr).toBe(0);
    const doc = parseJson(images.stdout);
    const [first, second] = doc.files as Array<{ path: string }>;
    const [, secondUrl] = doc.imageUrls as string[];
    expect(second).toBeDefined();
    const result = await runCli(['video', first!.path, secondUrl!, '--prompt', 'a slow pan', '--out', dir, '--json'], {
      env,
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    const video = parseJson(result.stdout);
    expect(video).toMatchObject({ success: true, command: 'video', durationSeconds: 2, costUsd: 0.2 });
    const files = video.files as Array<{ path: string }>;
    expect(files).toHaveLength(1);
    expect(files[0]!.path).toMatch(/\.mp4$/);
    expect(await fileType(files[0]!.path)).toBe('mp4');
    const prediction = await api(`/predictions/${video.predictionId}`);
    const input = prediction.input as { images: string[] };
    expect(input.images[0]).toMatch(/^(data:image\/png;base64,|https?:)/);
    expect(input.images[1]).toBe(secondUrl);
  });

  it('uploads a frame larger than 256 KB through the files API', async () => {
    const images = await runCli(['image', 'big frame', '--format', 'png', '--out', dir, '--json'], { env, cwd: dir });
    expect(images.code, images.stderr).toBe(0);
    const [frame] = parseJson(images.stdout).files as Array<{ path: string }>;
    const big = join(dir, 'big.png');
    await writeFile(big, Buffer.concat([await readFile(frame!.path), Buffer.alloc(300 * 1024)]));
    const result = await runCli(['video', big, '--out', dir, '--json'], { env, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const video = parseJson(result.stdout);
    const prediction = await api(`/predictions/${video.predictionId}`);
    expect((prediction.input as { images: string[] }).images[0]).toMatch(/\/v1\/files\//);
    expect(await fileType((video.files as Array<{ path: string }>)[0]!.path)).toBe('mp4');
  });

  it('Ctrl-C cancels a running video prediction on the server (exit 130)', async () => {
    const images = await runCli(['image', 'frame for ctrl-c', '--format', 'png', '--out', dir, '--json'], {
      env,
      cwd: dir,
    });
    const [frame] = parseJson(images.stdout).files as Array<{ path: string }>;
    const cli = startCli(
      [
        'video',
        frame!.path,
        '--prompt',
        'slow [emulator:predict_ms=60000]',
        '--wait',
        '0',
        '--interval',
        '0.2',
        '--out',
        dir,
      ],
      {
        env,
        cwd: dir,
      },
    );
    const [, predictionId] = await cli.waitFor(/video (\S+) (?:starting|processing)/);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect((await api(`/predictions/${predictionId}`)).status).toBe('canceled');
  });

  it('exits 2 for a frame that is not an image, whatever its name', async () => {
    const fake = join(dir, 'frame.png');
    await writeFile(fake, '<html>not an image</html>');
    const result = await runCli(['video', fake], { env, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/frame\.png" is not an image/);
  });

  it('exits 2 for a missing frame file', async () => {
    const result = await runCli(['video', join(dir, 'nope.png')], { env, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Cannot read frame .*nope\.png": no such file/);
  });
});

describe('poll, cancel and predictions', () => {
  it('poll waits for a prediction and downloads its outputs', async () => {
    const id = await createPrediction('polled');
    const result = await runCli(['poll', id, '--interval', '0.05', '--out', dir, '--json'], { env, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const doc = parseJson(result.stdout);
    expect(doc).toMatchObject({ success: true, predictionId: id, status: 'succeeded' });
    const files = doc.files as Array<{ path: string }>;
    expect(await fileType(files[0]!.path)).toBe('webp');
  });

  it('poll exits 1 for a failed prediction', async () => {
    const id = await createPrediction('x [emulator:fail=nope]');
    const result = await runCli(['poll', id, '--interval', '0.05', '--out', dir], { env, cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^Error: Prediction ${id} failed: .*nope`, 'm'));
  });

  it('poll and cancel exit 2 for an id that does not exist, pointing at `predictions`', async () => {
    for (const command of ['poll', 'cancel']) {
      const result = await runCli(
        [command, 'nosuchprediction', '--interval', '0.05', '--out', dir].slice(0, command === 'poll' ? 6 : 2),
        {
          env,
          cwd: dir,
        },
      );
      expect(result.code, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/nosuchprediction.*Check the id with `replicate-media predictions`/);
    }
  });

  it('cancel stops a running prediction', async () => {
    const id = await createPrediction('slow [emulator:predict_ms=60000]');
    const result = await runCli(['cancel', id], { env, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Prediction ${id} is canceled.\n`);
    expect((await api(`/predictions/${id}`)).status).toBe('canceled');
  });

  it('predictions lists recent predictions as a table', async () => {
    const id = await createPrediction('listed');
    const result = await runCli(['predictions', '--limit', '5'], { env, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+MODEL\s+CREATED\s+RUN TIME$/);
    expect(lines[1]).toContain(id);
    expect(lines.length).toBeLessThanOrEqual(6);
  });
});

describe('demo', () => {
  it('makes images and a video on its own emulator and prints a JSON summary', async () => {
    const result = await runCli(['demo', '--out', dir, '--json'], { env: cleanEnv(), cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const doc = parseJson(result.stdout);
    expect(doc).toMatchObject({ success: true, command: 'demo', totalCostUsd: 0.309 });
    const image = doc.image as { predictionId: string; files: Array<{ path: string }> };
    const video = doc.video as { predictionId: string; files: Array<{ path: string }> };
    expect(image.files).toHaveLength(3);
    for (const file of image.files) expect(await fileType(file.path)).toBe('png');
    expect(await fileType(video.files[0]!.path)).toBe('mp4');
  });

  it('prints a human summary by default', async () => {
    const result = await runCli(['demo', '--out', dir], { env: cleanEnv(), cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Demo finished in .* on the embedded emulator/);
    expect(result.stdout).toMatch(/On Replicate this would have cost \$0\.309/);
  });
});

describe('emulator', () => {
  it('prints exactly the listening line and stops cleanly on SIGINT', async () => {
    const cli = startCli(['emulator', '--port', '0', '--token', 'T'], { env: cleanEnv(), cwd: dir });
    const [line, url] = await cli.waitFor(/^Replicate emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n$/, 'stdout');
    expect(line).toBeDefined();
    const response = await fetch(`${url}/v1/predictions`, { headers: { authorization: 'Bearer T' } });
    expect(response.status).toBe(200);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    await expect(fetch(`${url}/v1/predictions`)).rejects.toThrow();
  });

  it('exits 2 when the port is taken', async () => {
    const port = new URL(emu.url).port;
    const result = await runCli(['emulator', '--port', port], { env: cleanEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/already in use/);
  });
});

describe('--emulator --no-download', () => {
  it('says the outputs are gone with the embedded emulator, instead of printing dead URLs', async () => {
    const result = await runCli(['image', 'a fox', '--emulator', '--no-download'], { env: cleanEnv(), cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    // No output URL (the emulator serving it stopped with the command) and no advice to use it.
    expect(result.stdout).not.toMatch(/^Output |\/delivery\//m);
    expect(result.stdout).not.toMatch(/within the hour|expire an hour/);
    expect(result.stdout).toMatch(/embedded emulator that served them lived only as long as this command/);
    expect(result.stdout).toMatch(/drop --no-download/);
    expect(result.stdout).toMatch(/`replicate-media emulator` in another terminal and pass\s+--base-url/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('says the same for a video', async () => {
    const images = await runCli(['image', 'a frame', '--emulator', '--format', 'png', '--out', dir, '--json'], {
      env: cleanEnv(),
      cwd: dir,
    });
    const [frame] = parseJson(images.stdout).files as Array<{ path: string }>;
    const result = await runCli(['video', frame!.path, '--emulator', '--no-download'], { env: cleanEnv(), cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/^Output |\/delivery\/|expire an hour/m);
    expect(result.stdout).toMatch(/^The video was not saved \(--no-download\) and is gone: the embedded emulator/m);
  });

  it('says so in the JSON document too', async () => {
    const result = await runCli(['image', 'a fox', '--emulator', '--no-download', '--json'], {
      env: cleanEnv(),
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ success: true, outputsGone: true });
  });

  it('still prints the URLs, valid for an hour, against a server that outlives the command', async () => {
    const result = await runCli(['image', 'a fox', '--no-download'], { env, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const [, url] = /^Output (\S+)$/m.exec(result.stdout) ?? [];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/delivery\//);
    expect((await fetch(url!)).status).toBe(200);
    expect(result.stdout).toMatch(/expire an hour after the prediction/);
  });
});

describe('unknown commands and options: exit 2, with a suggestion when one is close', () => {
  it.each([
    ['imgae', 'image'],
    ['vidoe', 'video'],
    ['imag', 'image'],
    ['predictons', 'predictions'],
    ['histroy', 'history'],
  ])('%s -> did you mean "%s"?', async (typed, meant) => {
    const result = await runCli([typed, 'x'], { env, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `Error: Unknown command "${typed}" (did you mean "${meant}"?): run \`replicate-media --help\` for the list.\n`,
    );
  });

  it('help with an unknown command is that error, not the top-level help', async () => {
    const result = await runCli(['help', 'imgae'], { env, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Error: Unknown command "imgae" \(did you mean "image"\?\)/);
  });

  it('no suggestion when nothing is close, still exit 2', async () => {
    const result = await runCli(['zzzzzz'], { env, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('Error: Unknown command "zzzzzz": run `replicate-media --help` for the list.\n');
  });

  it('an option prefix or typo gets the option meant', async () => {
    const aspect = await runCli(['image', 'x', '--aspect', '16:9'], { env, cwd: dir });
    expect(aspect.code).toBe(2);
    expect(aspect.stderr).toMatch(/Unknown option --aspect for image \(did you mean --aspect-ratio\?\)/);
    const json = await runCli(['image', 'x', '--josn'], { env, cwd: dir });
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/\(did you mean --json\?\)/);
  });

  it.each([
    ['estimate', '--emulator'],
    ['estimate', '--base-url'],
    ['history', '--emulator'],
    ['emulator', '--emulator'],
    ['demo', '--base-url'],
  ])('%s refuses %s (exit 2) and says why', async (command, option) => {
    const args = [command, option, ...(option === '--base-url' ? ['http://127.0.0.1:1/v1'] : [])];
    const before = emu.stats().predictionsCreated;
    const result = await runCli(args, { env, cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^Error: ${command} does not take ${option}: .+\\n$`));
    expect(emu.stats().predictionsCreated).toBe(before);
  });
});

describe('help', () => {
  it("help COMMAND prints that command's page and exits 0", async () => {
    const result = await runCli(['help', 'image']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: replicate-media image PROMPT/);
  });

  it('a page ends its options with one line of global options', async () => {
    for (const command of ['image', 'estimate', 'emulator', 'demo']) {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout.match(/^Global options: .*$/gm), command).toHaveLength(1);
      expect(result.stdout).not.toContain('REPLICATE_API_KEY (or REPLICATE_API_TOKEN)');
    }
  });

  it('lists the commands and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['image', 'video', 'demo', 'estimate', 'poll', 'cancel', 'predictions', 'emulator']) {
      expect(result.stdout).toContain(`  ${name} `);
    }
  });

  it('has help for each command', async () => {
    const result = await runCli(['video', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: replicate-media video FRAME/);
  });
});
