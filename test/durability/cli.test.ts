// `replicate-media history` and `resume` as a user runs them (the built CLI in a subprocess).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal.js';
import { scratch } from './helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.REPLICATE_API_KEY;
  delete env.REPLICATE_API_TOKEN;
  delete env.REPLICATE_BASE_URL;
  delete env.REPLICATE_MEDIA_JOURNAL;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` before the durability tests.');
});
beforeEach(async () => {
  ({ dir, cleanup } = await scratch());
});
afterEach(() => cleanup());

async function sampleJournal(path: string): Promise<void> {
  const journal = new Journal(path);
  const created = (predictionId: string, prompt: string) => ({
    event: 'created' as const,
    predictionId,
    requestId: null,
    model: 'black-forest-labs/flux-schnell',
    version: 'hidden',
    input: { prompt },
    createdAt: '2026-11-25T10:00:00.000Z',
    kind: 'image' as const,
    downloadDir: 'out',
    durationSeconds: null,
    status: 'starting' as const,
  });
  await journal.append(created('pdone', 'a finished cat'));
  await journal.append({
    event: 'finished',
    predictionId: 'pdone',
    status: 'succeeded',
    outputUrls: ['https://x/out-0.webp'],
    error: null,
    costUsd: 0.003,
    dataRemoved: false,
  });
  await journal.append({
    event: 'file',
    predictionId: 'pdone',
    index: 0,
    url: 'https://x/out-0.webp',
    path: 'out/pdone-0.webp',
    bytes: 2048,
    contentType: 'image/webp',
  });
  await journal.append(created('pfail', 'a failed dog'));
  await journal.append({
    event: 'finished',
    predictionId: 'pfail',
    status: 'failed',
    outputUrls: [],
    error: 'boom',
    costUsd: 0,
    dataRemoved: false,
  });
  await journal.append(created('prun', 'a running bird'));
  await journal.close();
}

describe('history', () => {
  it('shows one row per prediction, marks the unfinished ones, and adds it all up', async () => {
    await sampleJournal(join(dir, 'replicate-output', 'journal.jsonl'));
    const { code, stdout } = await cli(['history'], dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/ID\s+STATUS\s+MODEL\s+CREATED\s+FILES\s+COST\s+PROMPT/);
    expect(stdout).toMatch(/pdone\s+succeeded\s+black-forest-labs\/flux-schnell/);
    expect(stdout).toMatch(/prun\s+starting\*/);
    expect(stdout).toContain('3 predictions: 1 succeeded, 1 failed, 1 unfinished (*); 1 file (2.0 KB); cost $0.003');
    expect(stdout).toContain('replicate-media resume --journal replicate-output/journal.jsonl');
  });

  it('prints the totals as JSON with --json', async () => {
    const path = join(dir, 'j.jsonl');
    await sampleJournal(path);
    const { code, stdout } = await cli(['history', '--journal', path, '--json'], dir);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.totals).toEqual({
      predictions: 3,
      succeeded: 1,
      failed: 1,
      unfinished: 1,
      files: 1,
      bytes: 2048,
      costUsd: 0.003,
    });
    expect(doc.predictions.map((p: { predictionId: string }) => p.predictionId)).toEqual(['pdone', 'pfail', 'prun']);
  });

  it('says so when there is no journal yet', async () => {
    const { code, stdout } = await cli(['history'], dir);
    expect(code).toBe(0);
    expect(stdout).toContain('No predictions in replicate-output/journal.jsonl yet.');
  });
});

describe('resume', () => {
  it('refuses the embedded emulator, which cannot know the predictions', async () => {
    const { code, stderr } = await cli(['resume', '--emulator'], dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--base-url/);
  });

  it('needs an API key like every command that talks to the API', async () => {
    const { code, stderr } = await cli(['resume'], dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/API key not provided/);
  });
});
