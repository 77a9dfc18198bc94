// The emulator serves GET and list answers from each prediction's cached JSON (src/emulator/predictions.ts).
// These tests prove a client can never tell: an emulator that has answered at every step along a
// prediction's life (so its caches are warm) answers byte for byte what a fresh emulator, taken through the
// same steps and asked only at one of them (so nothing was cached before), answers at that step.

import { describe, expect, test } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import { api, start, T0 } from './helpers.js';

const RETENTION_MS = 60_000;

/** What a client reads at one step: every list page (following `next`), then every prediction by id. */
interface Snapshot {
  pages: string[];
  gets: string[];
}

/** Answers with the origin (its port differs between emulators) replaced, so two runs compare equal. */
async function text(emu: Emulator, res: Response): Promise<string> {
  expect(res.status).toBe(200);
  return (await res.text()).replaceAll(emu.url, 'ORIGIN');
}

async function snapshot(emu: Emulator): Promise<Snapshot> {
  const pages: string[] = [];
  const ids: string[] = [];
  let url: string | null = `${emu.apiUrl}/predictions`;
  while (url !== null) {
    const res: Response = await fetch(url, { headers: { authorization: 'Bearer test-token' } });
    const body = await text(emu, res);
    pages.push(body);
    const page = JSON.parse(body) as { next: string | null; results: Array<{ id: string }> };
    ids.push(...page.results.map((r) => r.id));
    url = page.next === null ? null : page.next.replace('ORIGIN', emu.url);
  }
  const gets: string[] = [];
  for (const id of ids) gets.push(await text(emu, await api(emu, `/predictions/${id}`)));
  return { pages, gets };
}

async function create(emu: Emulator, path: string, input: Record<string, unknown>, headers = {}): Promise<string> {
  const res = await api(emu, path, { json: { input }, headers });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

const FLUX = '/models/black-forest-labs/flux-schnell/predictions';

async function cancel(emu: Emulator, id: string): Promise<void> {
  expect((await api(emu, `/predictions/${id}/cancel`, { method: 'POST' })).status).toBe(200);
}

/**
 * One prediction of each kind taken through its life on a frozen clock (start at 10 s, done at 30 s, data
 * removed 60 s after it ends). `readAt(step)` says at which steps the client reads everything.
 */
async function walk(options: EmulatorOptions, readAt: (step: number) => boolean): Promise<Map<number, Snapshot>> {
  const seen = new Map<number, Snapshot>();
  const emu = await start({
    ...options,
    seed: 7,
    now: () => T0,
    timings: { '*': { startMs: 10_000, predictMs: 20_000 } },
    outputRetentionMs: RETENTION_MS,
    listPageSize: 3,
  });
  let step = 0;
  const checkpoint = async () => {
    if (readAt(step)) seen.set(step, await snapshot(emu));
    step += 1;
  };
  try {
    await create(emu, FLUX, { prompt: 'a red fox' });
    const canceledWhileStarting = await create(emu, FLUX, { prompt: 'canceled before it starts' });
    const canceledWhileRunning = await create(emu, FLUX, { prompt: 'canceled while it runs' });
    await create(emu, FLUX, { prompt: 'fails [emulator:fail=out of memory]' });
    await create(emu, FLUX, { prompt: 'aborted by its deadline' }, { 'cancel-after': '5s' });
    await create(emu, FLUX, { prompt: 'official [emulator:quirk=internal-model]' });
    await create(emu, '/deployments/acme/flux-schnell/predictions', { prompt: 'renard roux ü 🦊 \u2028 "quoted"' });
    await cancel(emu, canceledWhileStarting);
    await checkpoint(); // 0: starting, one canceled before it started

    emu.advanceClock(12_000);
    await checkpoint(); // 1: processing, two progress lines in

    await cancel(emu, canceledWhileRunning);
    await checkpoint(); // 2: the same instant, one just canceled: its cached answer must not survive

    emu.advanceClock(2_000);
    await checkpoint(); // 3: more log lines

    emu.advanceClock(20_000);
    await checkpoint(); // 4: all finished: succeeded, canceled, failed, aborted

    const form = new FormData();
    form.set('content', new Blob(['input bytes'], { type: 'text/plain' }), 'input.txt');
    const file = (await (await api(emu, '/files', { method: 'POST', body: form })).json()) as {
      id: string;
      urls: { get: string };
    };
    await create(emu, FLUX, { prompt: `from ${file.urls.get}` });
    await checkpoint(); // 5: a new prediction on top shifts every page boundary

    expect((await api(emu, `/files/${file.id}`, { method: 'DELETE' })).status).toBe(204);
    emu.advanceClock(30_000);
    await checkpoint(); // 6: the file it names deleted; the early cancels' data removed, the rest kept

    emu.advanceClock(60_000);
    await checkpoint(); // 7: everything's data removed, the newest exactly at its retention's end
  } finally {
    await emu.close();
  }
  return seen;
}

const STEPS = 8;

describe.each([
  ['by default', {}],
  ['with keepInputAndLogs', { keepInputAndLogs: true }],
])('cached answers equal fresh ones (%s)', (_label, options: EmulatorOptions) => {
  test('at every step of a prediction’s life, list pages and GETs are what an emulator asked only then answers', async () => {
    const warm = await walk(options, () => true);
    expect(warm.size).toBe(STEPS);
    for (let step = 0; step < STEPS; step++) {
      const fresh = (await walk(options, (s) => s === step)).get(step);
      expect(warm.get(step), `step ${step}`).toEqual(fresh);
    }
    // The steps really differ (the walk would prove nothing if the answers never changed).
    const pages = [...warm.values()].map((s) => s.pages.join('\n'));
    expect(new Set(pages).size).toBe(STEPS);
  });
});

test('a list page is exactly JSON.stringify of what it holds: same fields, same order, no spacing', async () => {
  const snapshots = await walk({}, () => true);
  for (const { pages, gets } of snapshots.values()) {
    for (const page of pages) expect(JSON.stringify(JSON.parse(page))).toBe(page);
    for (const get of gets) expect(JSON.stringify(JSON.parse(get))).toBe(get);
    // Each prediction on a page is the same bytes as its GET.
    const onPages = pages.flatMap((p) =>
      (JSON.parse(p) as { results: unknown[] }).results.map((r) => JSON.stringify(r)),
    );
    expect(onPages).toEqual(gets);
  }
});

test('a model’s run_count counts the predictions run on it, by name, deployment or version, and resets', async () => {
  const emu = await start();
  try {
    const runCount = async (model: string) =>
      ((await (await api(emu, `/models/${model}`)).json()) as { run_count: number }).run_count;
    expect(await runCount('black-forest-labs/flux-schnell')).toBe(0);
    await create(emu, FLUX, { prompt: 'one' });
    await create(emu, FLUX, { prompt: 'two' });
    await create(emu, '/deployments/acme/flux-schnell/predictions', { prompt: 'three' });
    const { latest_version } = (await (await api(emu, '/models/black-forest-labs/flux-schnell')).json()) as {
      latest_version: { id: string };
    };
    expect(
      (await api(emu, '/predictions', { json: { version: latest_version.id, input: { prompt: 'four' } } })).status,
    ).toBe(201);
    expect(await runCount('black-forest-labs/flux-schnell')).toBe(4);
    const models = (await (await api(emu, '/models')).json()) as {
      results: Array<{ owner: string; name: string; run_count: number }>;
    };
    for (const m of models.results)
      expect(m.run_count, `${m.owner}/${m.name}`).toBe(
        m.name === 'flux-schnell' && m.owner === 'black-forest-labs' ? 4 : 0,
      );
    emu.reset();
    expect(await runCount('black-forest-labs/flux-schnell')).toBe(0);
  } finally {
    await emu.close();
  }
});
