// The crash test: a batch in a child process (the built library) is killed with SIGKILL while some of
// its predictions are still running; `replicate-media resume` in a new process finishes it. Every
// prediction the emulator created is then in the journal, finished, with its files on disk and valid,
// and the emulator's counters show none was created twice.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { foldJournal, readJournal } from '../../src/entries/journal.js';
import { API_KEY, emulatorPredictions, mediaTypeOnDisk, scratch, startFast } from './helpers.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const BATCH = fileURLToPath(new URL('./fixtures/crash-batch.mjs', import.meta.url));

/** Long enough that these are still running when the batch is killed; the test then moves the clock. */
const SLOW_MS = 600_000;
const FAST_PROMPTS = ['a red kite', 'a yellow boat', 'a green hill', 'a grey whale'];
const SLOW_PROMPTS = [
  'a violet moth',
  'an orange cat',
  'a white owl',
  'a black swan',
  'a pink flamingo',
  'a brown bear',
].map((p) => `${p} [emulator:predict_ms=${SLOW_MS}]`);
const PROMPTS = [...FAST_PROMPTS, ...SLOW_PROMPTS];

let emu: Emulator;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (!existsSync(DIST) || !existsSync(CLI))
    throw new Error('dist/ is missing: run `npm run build` before the durability tests.');
  emu = await startFast();
});
afterAll(() => emu.close());
beforeEach(async () => {
  emu.reset();
  ({ dir, cleanup } = await scratch());
});
afterEach(() => cleanup());

interface Child {
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill: () => void;
}

function run(file: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [file, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    lines.push(...d.split('\n').filter(Boolean));
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { lines, exited, kill: () => child.kill('SIGKILL') };
}

async function until(condition: () => boolean, what: string, child: Child): Promise<void> {
  // No timed assertion: the test's own timeout bounds the wait; this only fails early if the child died.
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!condition()) {
    if (exited) throw new Error(`the batch exited before ${what}: ${JSON.stringify(await child.exited)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function crashAndResume(preferWaitSeconds: number, expectLostAnswers: boolean): Promise<void> {
  const journal = join(dir, 'journal.jsonl');
  const out = join(dir, 'out');
  const batch = run(BATCH, [], {
    BASE_URL: emu.apiUrl,
    API_KEY,
    JOURNAL: journal,
    OUT_DIR: out,
    PROMPTS: JSON.stringify(PROMPTS),
    PREFER_WAIT: String(preferWaitSeconds),
    CONCURRENCY: String(PROMPTS.length),
  });
  // Midway: every prediction exists on the server, the fast ones are saved, the slow ones still run.
  await until(
    () => emu.stats().predictionsCreated === PROMPTS.length && batch.lines.length >= FAST_PROMPTS.length,
    'the fast prompts finished',
    batch,
  );
  batch.kill();
  const killed = await batch.exited;
  expect(killed.signal).toBe('SIGKILL');
  expect(killed.stdout).not.toContain('batch finished');

  const before = foldJournal((await readJournal(journal)).records);
  expect(before.entries.filter((e) => e.finished && e.files.length > 0).length).toBeGreaterThanOrEqual(
    FAST_PROMPTS.length,
  );
  // Held creates never answered: the journal only has their intents, written before they were sent.
  if (expectLostAnswers) expect(before.openIntents).toHaveLength(SLOW_PROMPTS.length);

  // The slow predictions finish while no process is watching them.
  emu.advanceClock(SLOW_MS + 1_000);

  const resume = run(CLI, ['resume', '--journal', journal, '--base-url', emu.apiUrl, '--interval', '0.02', '--json'], {
    REPLICATE_API_KEY: API_KEY,
  });
  const resumed = await resume.exited;
  expect(resumed.code, resumed.stderr).toBe(0);
  const report = JSON.parse(resumed.stdout) as {
    success: boolean;
    resumed: number;
    results: Array<{ predictionId: string; adopted: boolean }>;
  };
  expect(report.success).toBe(true);
  expect(report.resumed).toBeGreaterThanOrEqual(SLOW_PROMPTS.length);
  if (expectLostAnswers) expect(report.results.filter((r) => r.adopted)).toHaveLength(SLOW_PROMPTS.length);

  // Accounting: every prediction the emulator created is in the journal, finished, its files on disk.
  const stats = emu.stats();
  const { entries, openIntents } = foldJournal((await readJournal(journal)).records);
  expect(openIntents).toEqual([]);
  expect(new Set(entries.map((e) => e.predictionId))).toEqual(new Set(stats.predictionIds));
  for (const entry of entries) {
    expect(entry, entry.predictionId).toMatchObject({ finished: true, status: 'succeeded', costUsd: 0.003 });
    expect(entry.files).toHaveLength(1);
    expect(await mediaTypeOnDisk(entry.files[0]!.path)).toBe('image/webp');
  }

  // None was created twice: one prediction per distinct prompt.
  expect(stats.predictionsCreated).toBe(PROMPTS.length);
  const prompts = (await emulatorPredictions(emu)).map((p) => p.input.prompt);
  expect(new Set(prompts).size).toBe(PROMPTS.length);
  expect(new Set(prompts)).toEqual(new Set(PROMPTS));

  // A second resume has nothing left to do and creates nothing.
  const again = run(CLI, ['resume', '--journal', journal, '--base-url', emu.apiUrl, '--json'], {
    REPLICATE_API_KEY: API_KEY,
  });
  const second = await again.exited;
  expect(second.code, second.stderr).toBe(0);
  expect(JSON.parse(second.stdout)).toMatchObject({ success: true, resumed: 0 });
  expect(emu.stats().predictionsCreated).toBe(PROMPTS.length);

  // history adds it all up.
  const history = run(CLI, ['history', '--journal', journal, '--json'], {});
  const shown = await history.exited;
  expect(shown.code, shown.stderr).toBe(0);
  expect(JSON.parse(shown.stdout).totals).toMatchObject({
    predictions: PROMPTS.length,
    succeeded: PROMPTS.length,
    failed: 0,
    unfinished: 0,
    files: PROMPTS.length,
    costUsd: 0.03,
  });
}

describe('crash and resume', () => {
  it('finishes a batch killed with SIGKILL midway; nothing lost, nothing created twice', async () => {
    await crashAndResume(0, false);
  }, 60_000);

  it('finds the predictions whose held creates never answered before the kill (Prefer: wait)', async () => {
    // The slow creates are still held open when the batch dies: only their intents are in the journal.
    await crashAndResume(60, true);
  }, 60_000);
});
