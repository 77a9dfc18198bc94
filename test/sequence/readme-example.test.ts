// The README's sequence example (the ```js block under "A video from a sequence of images"), taken from
// README.md and run as written with `node example.mjs` against the emulator: three images, two kling
// transitions, one joined MP4 on disk that decodes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { API_KEY, startFast } from '../client/helpers.js';
import { decodeFrames, parseWithMp4box } from '../media/mp4-helpers.js';
import { exampleProject, root, runScript } from '../runtimes/runtimes.js';

const HEADING = '### A video from a sequence of images';

function sequenceExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(HEADING));
  const match = /^```js\n([\s\S]*?)^```$/m.exec(section);
  if (readme.indexOf(HEADING) < 0 || !match?.[1]) throw new Error(`README.md has no \`\`\`js block under "${HEADING}"`);
  return match[1];
}

let emu: Emulator;
let scratch: string;
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first.');
  emu = await startFast();
  scratch = mkdtempSync(join(tmpdir(), 'replicate-media-sequence-example-'));
});
afterAll(async () => {
  await emu.close();
  rmSync(scratch, { recursive: true, force: true });
});

test("the README's sequence example runs as written and saves one joined MP4", async () => {
  const file = exampleProject(scratch, sequenceExample());
  const env = { ...process.env, REPLICATE_API_KEY: API_KEY, REPLICATE_BASE_URL: emu.apiUrl };
  const run = await runScript(process.execPath, [file], scratch, env);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toContain('transition 0: succeeded');
  expect(run.stderr).toContain('transition 1: succeeded');
  const [path, seconds, unit, ...ids] = run.stdout.trim().split(' ');
  expect(path).toMatch(/^sequence\/seq-[\w-]+\.mp4$/);
  expect(`${seconds} ${unit}`).toBe('10 s');
  expect(ids).toHaveLength(2);
  // 3 images and 2 transitions, nothing else.
  expect(emu.stats().predictionsCreated).toBe(5);
  const frames = decodeFrames(parseWithMp4box(new Uint8Array(readFileSync(join(scratch, path as string))))).luma;
  expect(frames.length).toBe(2 * 5 * 24);
}, 60_000);
