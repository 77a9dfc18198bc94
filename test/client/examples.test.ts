// The usage examples of docs/client.md (and the README), compiled by `npm run typecheck` and run here
// against the emulator, so they cannot rot. Keep them in step with the docs.

import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { type PollResult, ReplicateClient, verifyWebhook } from '../../src/index.js';
import { API_KEY, startFast } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startFast();
  vi.stubEnv('REPLICATE_API_KEY', API_KEY);
  vi.stubEnv('REPLICATE_BASE_URL', emu.apiUrl);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emu.close();
});

// ---- The ten-line example -------------------------------------------------------------------
async function tenLineExample(log: (...args: unknown[]) => void): Promise<void> {
  await using client = new ReplicateClient(); // key from REPLICATE_API_KEY (or REPLICATE_API_TOKEN)
  const image = await client.generateImage('a red sports car at dusk', { input: { aspect_ratio: '16:9' } });
  if (!image.success) throw new Error(`${image.errorCode}: ${image.error}`); // never throws itself
  log(image.imageUrl, image.predictionId);

  const video = await client.generateVideo([image.imageUrl], { prompt: 'a slow pan', durationSeconds: 3 });
  if (video.success) log(video.videoUrl);
  else log(`video failed (${video.errorCode}): ${video.error}`);
  log(`Estimated cost: $${client.estimateCost(1, video.durationSeconds)}`); // $0.303
}

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

test('the ten-line example runs as written', async () => {
  const lines: unknown[][] = [];
  await tenLineExample((...args) => lines.push(args));
  expect(lines).toHaveLength(3);
  expect(String(lines[0]?.[0])).toMatch(/^http/);
  expect(String(lines[1]?.[0])).toMatch(/\.mp4$/);
  expect(lines[2]).toEqual(['Estimated cost: $0.303']);
});

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
