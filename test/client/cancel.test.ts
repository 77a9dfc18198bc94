// Giving up costs nothing more: a generate* call that times out, is aborted, or whose client is closed
// cancels the prediction it started on the server (unless told to keep it), and says so with its id.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { ReplicateClient } from '../../src/index.js';
import { API_KEY, clientFor, useEmulator } from './helpers.js';

let emu: Emulator;
useEmulator((started) => {
  emu = started;
});

const LONG = '[emulator:predict_ms=600000]';

/** A create by someone else (plain fetch, no client): the API key is the same, the process is not. */
async function otherProcessCreates(input: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${emu.apiUrl}/models/black-forest-labs/flux-schnell/predictions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ input }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function statusOnServer(id: string): Promise<string> {
  const { client } = clientFor(emu);
  return (await client.getPrediction(id)).status;
}

/** Resolves once the emulator has created `n` predictions. */
async function created(n = 1): Promise<string> {
  while (emu.stats().predictionsCreated < n) await new Promise((r) => setTimeout(r, 5));
  return emu.stats().predictionIds[n - 1]!;
}

describe('timeout', () => {
  test('a timed-out call cancels its prediction and reports timeout with its id', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 0 });
    const result = await client.generateImage(`a slow one ${LONG}`, { timeoutMs: 30_000, intervalMs: 5_000 });
    expect(result).toMatchObject({ success: false, errorCode: 'timeout', canceledOnServer: true });
    if (result.success) throw new Error('expected failure');
    expect(result.error).toContain('timeout');
    expect(result.error).toContain('canceled on the server');
    expect(result.predictionId).toBe(emu.stats().predictionIds[0]);
    expect(await statusOnServer(result.predictionId!)).toBe('canceled');
  });

  test('the deadline is sent as Cancel-After, so the server stops the prediction even if we die', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 0, keepRunning: true });
    const result = await client.generateImage(`queued [emulator:start_ms=600000]`, {
      timeoutMs: 20_000,
      intervalMs: 5_000,
    });
    expect(result).toMatchObject({ success: false, errorCode: 'timeout', canceledOnServer: false });
    expect(result.prediction?.deadline ?? null).not.toBeNull();
    emu.advanceClock(21_000);
    expect(await statusOnServer(result.predictionId!)).toBe('aborted');
  });

  test('keepRunning leaves the prediction running and says so', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 0 });
    const result = await client.generateImage(`slow ${LONG}`, { timeoutMs: 10_000, keepRunning: true });
    expect(result).toMatchObject({ success: false, errorCode: 'timeout', canceledOnServer: false });
    if (result.success) throw new Error('expected failure');
    expect(result.error).toContain('may still be running');
    expect(await statusOnServer(result.predictionId!)).toBe('processing');
  });

  test('a timed-out video call cancels its prediction too', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 0 });
    emu.addScenario({ model: 'fofr/skyreels-2', predictMs: 600_000 });
    const result = await client.generateVideo(['https://example.com/a.png'], { timeoutMs: 10_000 });
    expect(result).toMatchObject({ success: false, errorCode: 'timeout', canceledOnServer: true, durationSeconds: 1 });
    expect(await statusOnServer(result.predictionId!)).toBe('canceled');
  });
});

describe('abort', () => {
  test('aborting through the signal while polling cancels the prediction', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 0, now: Date.now, sleep: undefined });
    const controller = new AbortController();
    const pending = client.generateImage(`slow ${LONG}`, { signal: controller.signal, intervalMs: 20 });
    await created();
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ success: false, errorCode: 'canceled', canceledOnServer: true });
    expect(result.predictionId).toBe(emu.stats().predictionIds[0]);
    expect(await statusOnServer(result.predictionId!)).toBe('canceled');
  });

  test('aborting during a held create finds the prediction the create made, and cancels it', async () => {
    // The create is held (Prefer: wait), so no id has come back yet when the caller aborts.
    const { client } = clientFor(emu, { now: Date.now, sleep: undefined });
    const controller = new AbortController();
    const pending = client.generateImage(`slow ${LONG}`, { signal: controller.signal });
    const id = await created();
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ success: false, errorCode: 'canceled', canceledOnServer: true, predictionId: id });
    expect(await statusOnServer(id)).toBe('canceled');
    expect(emu.stats().predictionsCreated).toBe(1);
  });

  test("aborting during a held create cancels this call's prediction, never another process's identical one", async () => {
    // Another process made an identical prediction just before this call: the lookup must take ours.
    const input = { prompt: `same prompt ${LONG}` };
    const other = await otherProcessCreates(input);
    const { client } = clientFor(emu, { now: Date.now, sleep: undefined });
    const controller = new AbortController();
    const pending = client.generateImage(input.prompt, { signal: controller.signal });
    const ours = await created(2);
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ success: false, errorCode: 'canceled', canceledOnServer: true, predictionId: ours });
    expect(await statusOnServer(ours)).toBe('canceled');
    expect(await statusOnServer(other)).toBe('processing');
  });

  test("the API's clock is learned from Date: an identical prediction made 10 s (server time) before the call is left alone", async () => {
    const input = { prompt: `same prompt ${LONG}` };
    const other = await otherProcessCreates(input);
    emu.advanceClock(10_000); // the server's clock now runs 10 s ahead of ours: a local 30 s window would include it
    // Our create is held and never reaches the model: after the abort there is nothing of ours to find.
    emu.addFault({ route: 'predictions.create', type: 'stall' });
    const { client } = clientFor(emu, { now: Date.now, sleep: undefined });
    const controller = new AbortController();
    const pending = client.generateImage(input.prompt, { signal: controller.signal });
    while ((emu.stats().requests['predictions.create'] ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({
      success: false,
      errorCode: 'canceled',
      canceledOnServer: false,
      predictionId: null,
    });
    expect(emu.stats().requests['predictions.list']).toBe(1);
    expect(await statusOnServer(other)).toBe('processing');
  });

  test('an already aborted signal creates nothing', async () => {
    const { client } = clientFor(emu);
    const result = await client.generateImage('a dog', { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ success: false, errorCode: 'canceled', predictionId: null });
    expect(emu.stats().predictionsCreated).toBe(0);
  });

  test('aborting pollPrediction returns an error result and leaves the prediction alone', async () => {
    const { client } = clientFor(emu, { now: Date.now, sleep: undefined });
    const p = await client.createPrediction({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: `x ${LONG}` },
    });
    const controller = new AbortController();
    const pending = client.pollPrediction(p.id, { signal: controller.signal, intervalMs: 20 });
    setTimeout(() => controller.abort(), 30);
    expect(await pending).toMatchObject({ status: 'error', errorCode: 'canceled', predictionId: p.id });
    expect(await statusOnServer(p.id)).toBe('processing');
  });
});

describe('close', () => {
  test('close() aborts in-flight calls, cancels their predictions, and waits for them', async () => {
    const { client } = clientFor(emu, { preferWaitSeconds: 0, now: Date.now, sleep: undefined });
    const pending = client.generateImage(`slow ${LONG}`, { intervalMs: 20 });
    const id = await created();
    await client.close();
    const result = await pending;
    expect(result).toMatchObject({ success: false, errorCode: 'closed', canceledOnServer: true, predictionId: id });
    expect(await statusOnServer(id)).toBe('canceled');
  });

  test('after close, calls fail with closed and nothing is sent', async () => {
    const { client } = clientFor(emu);
    await client.close();
    expect(client.closed).toBe(true);
    expect(await client.generateImage('a dog')).toMatchObject({
      success: false,
      errorCode: 'closed',
      predictionId: null,
    });
    expect(await client.generateVideo(['https://example.com/a.png'])).toMatchObject({
      success: false,
      errorCode: 'closed',
    });
    expect(await client.pollPrediction('abc')).toMatchObject({ status: 'error', errorCode: 'closed' });
    await expect(client.getPrediction('abc')).rejects.toMatchObject({ code: 'closed' });
    expect(emu.stats().requests['predictions.create'] ?? 0).toBe(0);
  });

  test('await using closes the client at the end of the scope', async () => {
    let outer: ReplicateClient;
    let pending: Promise<unknown>;
    {
      await using client = new ReplicateClient({ apiKey: API_KEY, baseUrl: emu.apiUrl, preferWaitSeconds: 0 });
      outer = client;
      pending = client.generateImage(`slow ${LONG}`, { intervalMs: 20 });
      await created();
    }
    expect(outer.closed).toBe(true);
    expect(await pending).toMatchObject({ success: false, errorCode: 'closed', canceledOnServer: true });
  });
});
