// The fault matrix: every fault the emulator can inject × every operation of the library, in seeded runs,
// with three counters that must stay at zero (predictions the caller never heard of, predictions created
// twice for one call, the API key anywhere it must not be). Shared by `npm run chaos` (scripts/chaos.mjs,
// against dist/) and the slice in `npm test` (test/reliability/fault-matrix.test.ts, against src/).
//
// The modules are passed in, so the same code checks the built package and the sources.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A distinctive fake key: not shaped like an `r8_` token, so only exact-key redaction can hide it. */
export const CHAOS_API_KEY = 'chaos-key-3f9a7c1e5b2d48e6a0c4f7d9b1e3a5c7';

/** Client timings: short retry waits, fast polling, so a run takes milliseconds, not minutes. */
export const CHAOS_RETRY = { delaysMs: [5, 10, 20], maxRetries: 3, jitterRatio: 0.1, minDelayMs: 5 };
const INTERVAL_MS = 10;
const CALL_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 2_000;
const DOWNLOAD_RETRY_DELAYS_MS = [5, 10, 20];

/** An image the video model can take as a frame (a 1×1 PNG as a data URL). */
const FRAME =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/**
 * The faults. `rules(run)` gives the emulator fault rules of one run (added after the run's setup, so
 * they hit only the operation under test); `expect` is what a correct client does: `success` (the
 * fault is transient and must be ridden out), `failed` / `canceled` (the prediction really ended so and
 * the call must say so, with the prediction id), or `either` (the client may give up; counters still 0).
 * `ops` limits the fault to the operations it can affect.
 */
export const FAULTS = [
  {
    name: '429 burst, Retry-After',
    expect: 'success',
    rules: () => [{ route: '*', type: 'status', status: 429, retryAfterSeconds: 0.02, count: 3, probability: 0.6 }],
  },
  {
    name: '429 burst, no Retry-After',
    expect: 'success',
    rules: () => [{ route: '*', type: 'status', status: 429, retryAfterSeconds: null, count: 3, probability: 0.6 }],
  },
  {
    name: '500',
    expect: 'either',
    rules: () => [{ route: '*', type: 'status', status: 500, count: 1, probability: 0.5 }],
  },
  {
    name: '502',
    expect: 'success',
    rules: () => [{ route: '*', type: 'status', status: 502, count: 2, probability: 0.5 }],
  },
  {
    name: '503',
    expect: 'success',
    rules: () => [{ route: '*', type: 'status', status: 503, count: 2, probability: 0.5 }],
  },
  {
    name: '504',
    expect: 'success',
    rules: () => [{ route: '*', type: 'status', status: 504, count: 2, probability: 0.5 }],
  },
  {
    name: 'reset before handling',
    expect: 'success',
    rules: () => [{ route: '*', type: 'reset-before', count: 2, probability: 0.5 }],
  },
  {
    name: 'reset after create',
    expect: 'success',
    ops: ['generateImage', 'generateVideo', 'createPrediction'],
    rules: () => [{ route: 'predictions.create', type: 'reset-after-create', count: 1 }],
  },
  {
    name: 'stalled response (100 ms, then reset)',
    expect: 'success',
    rules: () => [{ route: '*', type: 'stall', ms: 100, count: 1, probability: 0.5 }],
  },
  {
    name: 'stalled until the client times out (300 ms)',
    expect: 'success',
    requestTimeoutMs: 300,
    rules: () => [{ route: '*', type: 'stall', count: 1, probability: 0.5 }],
  },
  {
    name: 'truncated body (then reset)',
    expect: 'success',
    rules: () => [{ route: '*', type: 'truncate', count: 2, probability: 0.5 }],
  },
  {
    name: 'malformed JSON',
    expect: 'success',
    rules: () => [{ route: '*', type: 'malformed-json', count: 2, probability: 0.5 }],
  },
  {
    name: 'latency (30 ms)',
    expect: 'success',
    rules: () => [{ route: '*', type: 'latency', ms: 30, count: Infinity, probability: 0.5 }],
  },
  {
    name: 'prediction failed',
    expect: 'failed',
    ops: ['generateImage', 'generateVideo', 'pollPrediction', 'createPrediction'],
    rules: () => [],
  },
  {
    name: 'prediction canceled',
    expect: 'canceled',
    ops: ['generateImage', 'generateVideo', 'pollPrediction', 'createPrediction'],
    rules: () => [],
  },
];

export const OPERATIONS = ['generateImage', 'generateVideo', 'pollPrediction', 'createPrediction', 'download'];

function expectationFor(fault) {
  return fault.expect;
}

/**
 * Runs every cell of `faults` × `ops`, `runs` times each, and returns one row per cell.
 * @param {{ lib: any, emulatorLib: any, downloadsLib: any, runs: number, faults?: string[], ops?: string[],
 *   concurrency?: number, onCell?: (row: any) => void }} options
 */
export async function runMatrix(options) {
  const faults = FAULTS.filter((f) => !options.faults || options.faults.includes(f.name));
  const ops = OPERATIONS.filter((o) => !options.ops || options.ops.includes(o));
  const cells = [];
  faults.forEach((fault, fi) => {
    for (const op of ops)
      if (!fault.ops || fault.ops.includes(op))
        cells.push({ fault, op, seed: 1000 + fi * 16 + OPERATIONS.indexOf(op) });
  });
  const rows = new Array(cells.length);
  let next = 0;
  const worker = async () => {
    while (next < cells.length) {
      const index = next++;
      rows[index] = await runCell({ ...options, ...cells[index] });
      options.onCell?.(rows[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  return rows;
}

/** Runs one cell: one emulator (seeded), reset before each run. */
export async function runCell({ lib, emulatorLib, downloadsLib, fault, op, seed, runs }) {
  const expect = expectationFor(fault);
  const emu = await emulatorLib.startEmulator({
    token: CHAOS_API_KEY,
    seed,
    rateLimits: false,
    timings: { '*': { startMs: 5, predictMs: 30 } },
  });
  const dir = await mkdtemp(join(tmpdir(), 'chaos-'));
  const row = {
    fault: fault.name,
    op,
    expect,
    runs,
    ok: 0,
    failures: {},
    retries: 0,
    timesMs: [],
    unknown: 0,
    duplicates: 0,
    keyLeaks: 0,
  };
  try {
    for (let run = 0; run < runs; run += 1) {
      emu.reset();
      const outcome = await runOnce({ lib, downloadsLib, emu, fault, op, run, seed, dir, expect });
      if (outcome.ok) row.ok += 1;
      else row.failures[outcome.why] = (row.failures[outcome.why] ?? 0) + 1;
      row.retries += outcome.retries;
      row.timesMs.push(outcome.ms);
      row.unknown += outcome.unknown;
      row.duplicates += outcome.duplicates;
      row.keyLeaks += outcome.keyLeaks;
    }
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
  return row;
}

/** A seeded generator (mulberry32), for jitter and the run's choices. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function raw(emu, path, init = {}) {
  const response = await fetch(`${emu.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${CHAOS_API_KEY}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`setup ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates a flux prediction outside the client (no faults yet) and waits for it to succeed when asked. */
async function precreate(emu, prompt, { waitSucceeded }) {
  let p = await raw(emu, '/models/black-forest-labs/flux-schnell/predictions', {
    method: 'POST',
    body: JSON.stringify({ input: { prompt, output_format: 'png' } }),
  });
  while (waitSucceeded && p.status !== 'succeeded') {
    if (['failed', 'canceled', 'aborted'].includes(p.status)) throw new Error(`setup prediction ended ${p.status}`);
    await sleep(5);
    p = await raw(emu, `/predictions/${p.id}`);
  }
  return p;
}

/** Cancels, from outside the client, the first prediction created after now (like a user in the web UI). */
function cancelFromOutside(emu) {
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const [id] = emu.stats().predictionIds;
      if (id) {
        await sleep(20);
        await raw(emu, `/predictions/${id}/cancel`, { method: 'POST' }).catch(() => undefined);
        return;
      }
      await sleep(2);
    }
  })();
  return async () => {
    stopped = true;
    await done;
  };
}

async function runOnce({ lib, downloadsLib, emu, fault, op, run, seed, dir, expect }) {
  const random = seeded(seed * 1_000_003 + run);
  const tag = `chaos-${seed}-${run}`;
  const prompt = `a lighthouse in a storm ${tag}`;
  const logs = [];
  const capture = (line) => logs.push(String(line));
  // Half the runs hold the create (Prefer: wait), half poll from the start: both paths meet the faults.
  const preferWaitSeconds = run % 2 === 0 ? 1 : 0;
  const client = new lib.ReplicateClient({
    apiKey: CHAOS_API_KEY,
    baseUrl: emu.apiUrl,
    retry: CHAOS_RETRY,
    random,
    requestTimeoutMs: fault.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    preferWaitSeconds,
    logger: { debug: capture, info: capture, warn: capture, error: capture },
  });
  const known = new Set();
  const learn = (id) => {
    if (typeof id === 'string') known.add(id);
  };
  // Long enough that the outside cancel (about 20 ms in) always lands first, even on a loaded machine.
  const longer = { startMs: 5, predictMs: 2_000 };
  if (fault.expect === 'failed') emu.addScenario({ promptIncludes: tag, fail: `chaos: injected failure ${tag}` });
  if (fault.expect === 'canceled') emu.addScenario({ promptIncludes: tag, ...longer });

  // Setup that must not meet the faults.
  let setup = null;
  if (op === 'pollPrediction') {
    setup = await precreate(emu, prompt, { waitSucceeded: false });
    learn(setup.id);
  } else if (op === 'download') {
    setup = await precreate(emu, prompt, { waitSucceeded: true });
    learn(setup.id);
  }
  for (const rule of fault.rules(run)) emu.addFault(rule);
  const stopCanceler = fault.expect === 'canceled' && op !== 'pollPrediction' ? cancelFromOutside(emu) : null;
  if (fault.expect === 'canceled' && op === 'pollPrediction') {
    setTimeout(() => void raw(emu, `/predictions/${setup.id}/cancel`, { method: 'POST' }).catch(() => undefined), 10);
  }

  const started = performance.now();
  let value;
  let thrown = null;
  let retries = 0;
  try {
    const wait = { intervalMs: INTERVAL_MS, timeoutMs: CALL_TIMEOUT_MS };
    switch (op) {
      case 'generateImage':
        value = await client.generateImage(prompt, { ...wait, input: { output_format: 'png' } });
        break;
      case 'generateVideo':
        value = await client.generateVideo([FRAME, FRAME], { ...wait, prompt });
        break;
      case 'pollPrediction':
        value = await client.pollPrediction(setup.id, wait);
        break;
      case 'createPrediction':
        value = await client.createPrediction({
          model: 'black-forest-labs/flux-schnell',
          input: { prompt },
          wait: 1,
          timeoutMs: CALL_TIMEOUT_MS,
        });
        break;
      case 'download': {
        const url = setup.output[0];
        value = await downloadsLib.downloadOutput(url, {
          dir,
          fileName: `${tag}.png`,
          expect: 'image',
          retryDelaysMs: DOWNLOAD_RETRY_DELAYS_MS,
          attemptTimeoutMs: fault.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
        });
        retries = value.attempts - 1;
        break;
      }
      default:
        throw new Error(`unknown operation ${op}`);
    }
  } catch (error) {
    thrown = error;
    if (op === 'download' && typeof error?.attempts === 'number') retries = error.attempts - 1;
  }
  const ms = performance.now() - started;
  await stopCanceler?.();
  await client.close();
  if (op !== 'download') retries = logs.filter((line) => /; retry \d+ in /.test(line)).length;

  // What the caller learned.
  learn(value?.predictionId);
  learn(value?.prediction?.id);
  learn(value?.id);
  learn(thrown?.predictionId);
  const { ok, why } = judge(op, expect, value, thrown);

  // What the server did. Faults off first: the checks must not meet them.
  emu.clearFaults();
  const stats = emu.stats();
  const unknown = stats.predictionIds.filter((id) => !known.has(id)).length;
  const list = await raw(emu, '/predictions');
  const mine = list.results.filter((p) => typeof p.input?.prompt === 'string' && p.input.prompt.includes(tag));
  const duplicates = Math.max(0, mine.length - 1);
  const keyLeaks = countKey([logs.join('\n'), safeJson(value), describeThrown(thrown)]) + stats.authOnPublicRoutes;
  if (process.env.CHAOS_DEBUG && (!ok || unknown || duplicates || keyLeaks)) {
    console.error(
      JSON.stringify(
        {
          fault: fault.name,
          op,
          run,
          why,
          unknown,
          duplicates,
          keyLeaks,
          value,
          thrown: describeThrown(thrown),
          server: stats.predictionIds,
          known: [...known],
          logs,
        },
        null,
        1,
      ),
    );
  }
  return { ok, why, retries, ms, unknown, duplicates, keyLeaks };
}

function judge(op, expect, value, thrown) {
  const code = thrown ? (thrown.code ?? thrown.name ?? 'threw') : null;
  let got;
  if (op === 'createPrediction')
    got = thrown ? `threw ${code}` : value?.status === 'succeeded' ? 'success' : value?.status;
  else if (op === 'download') got = thrown ? `threw ${code}` : 'success';
  else if (op === 'pollPrediction')
    got = thrown ? `threw ${code}` : value.status === 'succeeded' ? 'success' : `${value.status} ${value.errorCode}`;
  else got = thrown ? `threw ${code}` : value.success ? 'success' : value.errorCode;
  const wellFormed =
    op === 'download' ||
    op === 'createPrediction' ||
    thrown ||
    typeof value?.error === 'string' ||
    value?.error === null;
  if (!wellFormed) return { ok: false, why: 'malformed result' };
  const ok =
    expect === 'success'
      ? got === 'success'
      : expect === 'failed'
        ? got === 'prediction_failed' || got === 'failed prediction_failed' || got === 'failed'
        : expect === 'canceled'
          ? got === 'canceled' || got === 'canceled canceled'
          : got === 'success';
  // `either`: giving up is allowed (it is listed, not counted as correct).
  return { ok, why: ok ? null : String(got) };
}

function safeJson(value) {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

function describeThrown(error) {
  if (!error) return '';
  return [error.message, error.stack, error.detail, safeJson(error), String(error.cause?.message ?? '')].join('\n');
}

function countKey(texts) {
  return texts.reduce((n, text) => n + (String(text).split(CHAOS_API_KEY).length - 1), 0);
}

/** Median and 95th percentile of a list of times. */
export function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

/** The markdown table of the rows. */
export function toMarkdown(rows) {
  const lines = [
    '| fault | operation | expected | correct | retries/run | p50 ms | p95 ms | unknown | created twice | key leaks | other outcomes |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const { p50, p95 } = percentiles(r.timesMs);
    const other = Object.entries(r.failures)
      .map(([why, n]) => `${why} ×${n}`)
      .join(', ');
    lines.push(
      `| ${r.fault} | ${r.op} | ${r.expect} | ${((100 * r.ok) / r.runs).toFixed(0)}% (${r.ok}/${r.runs}) | ${(r.retries / r.runs).toFixed(2)} | ${p50.toFixed(0)} | ${p95.toFixed(0)} | ${r.unknown} | ${r.duplicates} | ${r.keyLeaks} | ${other || '—'} |`,
    );
  }
  return lines.join('\n');
}
