// The complete server of docs/service.md, run as written (from the page) in a child process against the
// emulator's real signed deliveries: three images are handed over, three more are submitted, the
// process is SIGKILLed before they finish, their deliveries fail while it is down, it is restarted on
// the same port and journal, and the emulator's retries reach it: six results, each exactly once,
// each saved and journaled once, six predictions created.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { readJournal } from '../../src/entries/journal.js';
import { API_KEY } from '../client/helpers.js';
import { exampleProject, root } from '../runtimes/runtimes.js';

const PREDICT_MS = 60_000;
const DIST = join(root, 'dist/index.js');

/** The first ```js block under "## A complete server" in docs/service.md, exactly as written. */
function serverExample(): string {
  const page = readFileSync(join(root, 'docs/service.md'), 'utf8');
  const section = page.slice(page.indexOf('## A complete server'));
  const match = /^```js\n([\s\S]*?)^```$/m.exec(section);
  if (!match?.[1]) throw new Error('docs/service.md has no ```js block under "## A complete server"');
  return match[1];
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

let emu: Emulator;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before this test.');
  emu = await startEmulator({
    token: API_KEY,
    timings: { '*': { startMs: 0, predictMs: PREDICT_MS } },
    webhookRetryDelaysMs: [1_000, 1_000, 1_000, 1_000],
  });
  dir = mkdtempSync(join(tmpdir(), 'replicate-media-server-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the webhook server of docs/service.md', () => {
  test('survives a SIGKILL and a restart with every result handed over exactly once', async () => {
    const script = exampleProject(dir, serverExample());
    const port = await freePort();
    const results = join(dir, 'results.jsonl');
    const journal = join(dir, 'journal.jsonl');
    const env = {
      ...process.env,
      PORT: String(port),
      REPLICATE_API_KEY: API_KEY,
      REPLICATE_BASE_URL: emu.apiUrl,
      REPLICATE_MEDIA_JOURNAL: journal,
      RESULTS_FILE: results,
      OUT_DIR: join(dir, 'out'),
      BUDGET_USD: '1',
    };
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('listening on')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
      });
      return child;
    };
    const handedOver = (): Array<{ predictionId: string; success: boolean; file: string | null }> =>
      existsSync(results)
        ? readFileSync(results, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line))
        : [];
    const waitFor = async (what: () => boolean): Promise<void> => {
      while (!what()) await new Promise((r) => setTimeout(r, 20));
    };
    const submit = async (prompt: string): Promise<string> => {
      const answer = await fetch(`http://127.0.0.1:${port}/images`, {
        method: 'POST',
        body: JSON.stringify({ prompt }),
      });
      expect(answer.status).toBe(202);
      return ((await answer.json()) as { predictionId: string }).predictionId;
    };

    let server = await start();
    const first = [];
    for (const prompt of ['a heron', 'a lighthouse', 'a fox']) first.push(await submit(prompt));
    emu.advanceClock(PREDICT_MS);
    await waitFor(() => handedOver().length === 3);

    const second = [];
    for (const prompt of ['a kettle', 'a comet', 'a violin']) second.push(await submit(prompt));
    const deliveriesBefore = emu.stats().webhookDeliveries;
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    // They finish while nobody listens: each delivery fails and is scheduled for a retry.
    emu.advanceClock(PREDICT_MS);
    await waitFor(() => emu.stats().webhookDeliveries >= deliveriesBefore + 3);
    expect(handedOver()).toHaveLength(3);

    server = await start();
    emu.advanceClock(1_000); // the retries
    await waitFor(() => handedOver().length >= 6);
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));

    const got = handedOver();
    expect(got.map((r) => r.predictionId).sort()).toEqual([...first, ...second].sort());
    expect(got.every((r) => r.success && r.file !== null && existsSync(r.file))).toBe(true);
    const { records } = await readJournal(journal);
    const finished = records.filter((r) => r.event === 'finished');
    expect(finished.map((r) => (r as { predictionId: string }).predictionId).sort()).toEqual(
      [...first, ...second].sort(),
    );
    expect(emu.stats().predictionsCreated).toBe(6);
  }, 60_000);
});
