// A sequence killed mid-way: a child process (the built library) makes the three transitions of
// a -> b -> c -> d on kwaivgi/kling-v2.1 and is SIGKILLed once two have finished and the third is still
// running. `replicate-media resume` then waits for the third, saves every segment, and joins them:
// the emulator's counters show no transition was created twice, and the joined video decodes and
// shows image a first and image d last.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { foldJournal, readJournal } from '../../src/entries/journal.js';
import type { ResumedSequence } from '../../src/index.js';
import { API_KEY, clientOf, scratch, startFast } from '../durability/helpers.js';
import { decodeFrames, parseWithMp4box } from '../media/mp4-helpers.js';
import { IMAGES, nearestImage } from './grey-images.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/crash-sequence.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const MODEL = 'kwaivgi/kling-v2.1';
/** The third transition runs this long (emulator clock): still running when the child is killed. */
const SLOW_MS = 600_000;

let emu: Emulator;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before this test.');
  emu = await startFast({ timings: { [MODEL]: { startMs: 5, predictMs: SLOW_MS } } });
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  ({ dir, cleanup } = await scratch());
});
afterEach(() => cleanup());

it('resumes a sequence killed after two of three transitions finished, creating none twice', async () => {
  const journal = join(dir, 'journal.jsonl');
  const out = join(dir, 'out');
  // The first two transitions created finish at once; the third takes SLOW_MS.
  emu.addScenario({ model: MODEL, count: 2, predictMs: 20 });
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      BASE_URL: emu.apiUrl,
      API_KEY,
      JOURNAL: journal,
      OUT_DIR: out,
      IMAGES: JSON.stringify(IMAGES),
      SEQUENCE_ID: 'crash-seq',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  let gone = false;
  void exited.then(() => (gone = true));

  // No timed assertion: wait (bounded by the test's timeout) until the journal says two finished.
  const finishedInJournal = async () =>
    foldJournal((await readJournal(journal)).records).entries.filter((e) => e.finished).length;
  while (emu.stats().predictionsCreated < 3 || (await finishedInJournal()) < 2) {
    if (gone) throw new Error(`the child exited early: ${stdout}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(stdout).not.toContain('sequence finished');

  const before = foldJournal((await readJournal(journal)).records).entries;
  expect(before.map((e) => e.sequenceIndex).sort()).toEqual([0, 1, 2]);
  expect(before.every((e) => e.sequenceId === 'crash-seq')).toBe(true);

  // The third transition finishes while no process watches it; resume finishes the sequence.
  emu.advanceClock(SLOW_MS + 1_000);
  // `replicate-media resume` (the built CLI, a new process): it reports the sequence it joined.
  const resume = spawn(
    process.execPath,
    [CLI, 'resume', '--journal', journal, '--base-url', emu.apiUrl, '--interval', '0.02', '--json'],
    { env: { ...process.env, REPLICATE_API_KEY: API_KEY }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let report = '';
  resume.stdout.setEncoding('utf8').on('data', (d: string) => (report += d));
  const code = await new Promise<number | null>((resolve) => resume.on('close', resolve));
  expect(code, report).toBe(0);
  const document = JSON.parse(report) as { success: boolean; sequences: ResumedSequence[] };
  expect(document.success).toBe(true);
  expect(document.sequences).toEqual([
    { sequenceId: 'crash-seq', model: MODEL, success: true, file: join(out, 'crash-seq.mp4'), retry: [], error: null },
  ]);
  const client = clientOf(emu, { journal });

  // Nothing was created twice.
  expect(emu.stats().predictionsCreated).toBe(3);
  expect(emu.stats().requests['predictions.create']).toBe(3);

  // The joined video decodes, lasts the three transitions, and runs from image a to image d.
  const joined = new Uint8Array(await readFile(join(out, 'crash-seq.mp4')));
  const frames = decodeFrames(parseWithMp4box(joined)).luma;
  expect(frames.length).toBe(3 * 5 * 24);
  const shown = frames.map(nearestImage).filter((v, i, all) => i === 0 || all[i - 1] !== v);
  expect(shown).toEqual([0, 1, 2, 3]);

  // Asking again with the same sequence id creates nothing and returns the joined video.
  const again = await client.generateVideo(IMAGES, { model: MODEL, sequenceId: 'crash-seq', intervalMs: 20 });
  if (!again.success) throw new Error(again.error);
  expect(again.bytes).toEqual(joined);
  expect(emu.stats().predictionsCreated).toBe(3);
  // A second resume has nothing to join.
  const secondSequences: ResumedSequence[] = [];
  await client.resume({ onSequence: (s) => secondSequences.push(s) });
  expect(secondSequences).toEqual([]);
  await client.close();
}, 60_000);
