// The usage examples of the README (read from README.md and run as written) and of docs/client.md
// (copied here, compiled by `npm run typecheck`), run against the emulator so they cannot rot.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { type PollResult, ReplicateClient, verifyWebhook } from '../../src/index.js';
import { exampleProject, readmeExample, root, runScript } from '../runtimes/runtimes.js';
import { API_KEY, startFast } from './helpers.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
let emu: Emulator;
let scratch: string;
beforeAll(async () => {
  emu = await startFast();
  scratch = mkdtempSync(join(tmpdir(), 'replicate-media-examples-'));
  vi.stubEnv('REPLICATE_API_KEY', API_KEY);
  vi.stubEnv('REPLICATE_BASE_URL', emu.apiUrl);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emu.close();
  rmSync(scratch, { recursive: true, force: true });
});

// ---- Polling, the lower layer, errors and webhooks ---------------------------------------------
async function lowerLayerExample(log: (...args: unknown[]) => void): Promise<PollResult> {
  const client = new ReplicateClient({ logger: console, retry: { maxRetries: 5 } });
  try {
    const prediction = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'a fox' },
    });
    const result = await client.pollPrediction(prediction.id, { timeoutMs: 60_000, intervalMs: 1_000 });
    switch (result.status) {
      case 'succeeded':
        log('output', result.output);
        break;
      case 'timeout':
        log('still running', result.predictionId);
        break;
      default:
        log(result.status, result.errorCode, result.error);
    }
    for await (const page of client.listPredictions()) {
      for (const p of page) log(p.id, p.status);
      break; // the newest 100 are enough
    }
    return result;
  } finally {
    // A failure propagates as a ReplicateError: error.code, error.status, error.detail, error.predictionId
    await client.close();
  }
}

async function webhookHandlerExample(request: Request, secret: string): Promise<Response> {
  const body = await request.text();
  const verdict = await verifyWebhook({ headers: request.headers, body, secret });
  if (!verdict.valid) return new Response(verdict.error, { status: 400 });
  const prediction = JSON.parse(body) as { id: string; status: string };
  return new Response(`ok ${prediction.id}`);
}

// ---- The README's two library examples, taken from README.md and run as written --------------------
function expectTenLineOutput(lines: string[]): void {
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S+ \w+$/);
  expect(lines[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S+\.mp4$/);
  expect(lines[2]).toBe('Estimated cost: $0.303');
}

test("the README's JavaScript example runs as pasted in an .mjs file with `node example.mjs`", async () => {
  // `replicate-media` resolves to this repository's dist/ as after `npm link replicate-media`.
  const dir = join(scratch, 'js');
  const file = exampleProject(dir, readmeExample(readme, 'js'));
  const env = { ...process.env, REPLICATE_API_KEY: API_KEY, REPLICATE_BASE_URL: emu.apiUrl };
  const run = await runScript(process.execPath, [file], dir, env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expectTenLineOutput(run.stdout.trim().split('\n'));
}, 30_000);

test("the README's TypeScript example type-checks (strict, nodenext) and runs as written", async () => {
  const dir = join(scratch, 'ts');
  exampleProject(dir, '');
  writeFileSync(join(dir, 'example.ts'), readmeExample(readme, 'ts'));
  const compilerOptions = {
    module: 'nodenext',
    target: 'ES2022',
    strict: true,
    noEmit: true,
    lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
    types: [],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['example.ts'] }));
  expect(() =>
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8', stdio: 'pipe' }),
  ).not.toThrow();
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  try {
    await import(pathToFileURL(join(dir, 'example.ts')).href);
  } finally {
    log.mockRestore();
  }
  expectTenLineOutput(lines);
}, 30_000);

test('the lower-layer example runs as written', async () => {
  const silent = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
  try {
    const result = await lowerLayerExample(() => undefined);
    expect(result.status).toBe('succeeded');
  } finally {
    silent.mockRestore();
  }
});

test('the webhook handler example rejects an unsigned delivery', async () => {
  const response = await webhookHandlerExample(
    new Request('http://localhost/hook', { method: 'POST', body: '{}' }),
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  );
  expect(response.status).toBe(400);
});
