// --budget on the generating commands and --journal / REPLICATE_MEDIA_JOURNAL where a journal is read,
// through the built CLI against an emulator it starts (--emulator) or one started here.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { API_KEY } from '../client/helpers.js';
import { assertBuilt, cleanEnv, runCli } from './helpers.js';

let dir: string;
let emu: Emulator;
beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'replicate-media-cli-budget-'));
  emu = await startEmulator({ token: API_KEY, timings: { '*': { startMs: 1, predictMs: 5 } } });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

const apiEnv = (extra: Record<string, string> = {}) =>
  cleanEnv({ REPLICATE_API_KEY: API_KEY, REPLICATE_BASE_URL: emu.apiUrl, ...extra });

describe('--budget', () => {
  test.each(['0', '-1', 'ten', ''])('a budget of %j is a usage error (exit 2), nothing created', async (value) => {
    const before = emu.stats().predictionsCreated;
    const result = await runCli(['image', 'a fox', '--budget', value, '--no-download'], { env: apiEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--budget must be a positive number of dollars/);
    expect(emu.stats().predictionsCreated).toBe(before);
  });

  test('image: a call estimated past its budget is refused before anything is created (exit 2)', async () => {
    const before = emu.stats().predictionsCreated;
    const result = await runCli(['image', 'a fox', '--budget', '0.001', '--json', '--no-download'], {
      env: apiEnv(),
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ success: false, errorCode: 'budget_exceeded' });
    expect(emu.stats().predictionsCreated).toBe(before);
  });

  test('image: within its budget, it runs and reports the cost', async () => {
    const result = await runCli(['image', 'a fox', '--budget', '0.003', '--json', '--no-download'], {
      env: apiEnv(),
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ success: true, costUsd: 0.003 });
  });

  test('batch: the budget is the whole run; prompts past it end budget_exceeded and are never created', async () => {
    const prompts = join(dir, 'prompts.txt');
    const out = join(dir, 'batch-out');
    writeFileSync(prompts, ['one', 'two', 'three', 'four', 'five'].join('\n'));
    const before = emu.stats().predictionsCreated;
    const result = await runCli(['batch', prompts, '--out', out, '--budget', '0.006', '--concurrency', '1', '--json'], {
      env: apiEnv(),
      cwd: dir,
    });
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout) as { results: Array<{ success: boolean; errorCode?: string }> };
    expect(document.results.filter((r) => r.success)).toHaveLength(2);
    expect(document.results.filter((r) => r.errorCode === 'budget_exceeded')).toHaveLength(3);
    expect(emu.stats().predictionsCreated - before).toBe(2);
  });
});

describe('--journal', () => {
  test('image writes the journal given, and history reads it from REPLICATE_MEDIA_JOURNAL', async () => {
    const journal = join(dir, 'chosen.jsonl');
    const made = await runCli(['image', 'a heron', '--journal', journal, '--json', '--no-download'], {
      env: apiEnv(),
      cwd: dir,
    });
    expect(made.code).toBe(0);
    const { predictionId } = JSON.parse(made.stdout) as { predictionId: string };
    expect(readFileSync(journal, 'utf8')).toContain(predictionId);
    const history = await runCli(['history', '--json'], {
      env: cleanEnv({ REPLICATE_MEDIA_JOURNAL: journal }),
      cwd: dir,
    });
    expect(history.code).toBe(0);
    const document = JSON.parse(history.stdout) as { journal: string; predictions: Array<{ predictionId: string }> };
    expect(document.journal).toBe(journal);
    expect(document.predictions.map((p) => p.predictionId)).toEqual([predictionId]);
  });
});
