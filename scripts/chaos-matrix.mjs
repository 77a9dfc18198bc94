// The fault matrix: every fault the emulator can inject × every operation of the library, in seeded runs,
// with five counters that must stay at zero (predictions the caller never heard of, predictions created
// twice for one call, the API key anywhere it must not be, spend past the budget by the emulator's own
// account, calls that outlived their deadline by more than a second). Shared by `npm run chaos`
// (scripts/chaos.mjs, against dist/) and the slice in `npm test` (test/reliability/fault-matrix.test.ts,
// against src/).
//
// The modules are passed in, so the same code checks the built package and the sources.

import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** A distinctive fake key: not shaped like an `r8_` token, so only exact-key redaction can hide it. */
export const CHAOS_API_KEY = 'chaos-key-3f9a7c1e5b2d48e6a0c4f7d9b1e3a5c7';

/** Client timings: short retry waits, fast polling, so a run takes milliseconds, not minutes. */
export const CHAOS_RETRY = { delaysMs: [5, 10, 20], maxRetries: 3, jitterRatio: 0.1, minDelayMs: 5 };
const INTERVAL_MS = 10;
const CALL_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 2_000;
const DOWNLOAD_RETRY_DELAYS_MS = [5, 10, 20];
const CREATE_SETTLE_MS = 500;
/** A call past its deadline by more than this is counted (the bound: deadline plus a small margin). */
export const DEADLINE_MARGIN_MS = 1_000;
/** A call still running this long past its deadline is abandoned (counted past its deadline) so the matrix ends. */
const HUNG_AFTER_MS = 5_000;
/** How long the emulator's predictions get to settle before the spend is counted. */
const SETTLE_MS = 2_000;
/** Prices of the emulator's models, as the library's default table has them. */
const PRICES = {
  'black-forest-labs/flux-schnell': { unit: 'image', usd: 0.003 },
  'fofr/skyreels-2': { unit: 'second', usd: 0.1 },
};
/** Hostile ids a server might send (issue 10, case 8), one per run in turn. */
export const HOSTILE_IDS = ['../escaped', 'a/b', 'bell\u0007and\r\nnewline', '..\\..\\windows', '/abs'];
/** The operations every classic fault meets; the newer ones meet the rows that name them. */
const BASE_OPS = ['generateImage', 'generateVideo', 'pollPrediction', 'createPrediction', 'download'];

/** An image the video model can take as a frame (a 1×1 PNG as a data URL). */
const FRAME =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/**
 * The faults. `rules(run)` gives the emulator fault rules of one run (added after the run's setup, so
 * they hit only the operation under test); `expect` is what a correct client does: `success` (the
 * fault is transient and must be ridden out), `failed` / `canceled` (the prediction really ended so and
 * the call must say so, with the prediction id), `refused` (the last call must be refused with
 * `budget_exceeded`), or `either` (the client may give up; counters still 0).
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
  // Issue 10: the server is hostile or unlucky in ways the classic faults above cannot show.
  {
    name: 'deep listing: create answer lost under 250 newer predictions',
    expect: 'success',
    ops: ['generateImage', 'generateVideo', 'createPrediction', 'batch'],
    scenarios: (tag) => [{ promptIncludes: tag, newerPredictions: 250, count: 1 }],
    rules: () => [{ route: 'predictions.create', type: 'reset-after-create', count: 1 }],
  },
  {
    name: 'late create: answer lost, prediction appears 150 ms later',
    expect: 'success',
    ops: ['generateImage', 'generateVideo', 'createPrediction', 'batch'],
    rules: () => [{ route: 'predictions.create', type: 'late-create', ms: 150, count: 1 }],
  },
  {
    name: 'identical calls at once, one answer lost',
    expect: 'success',
    ops: ['batch'],
    // Held creates (300 ms of work): the other call's answer is still on its way when the lost one looks.
    scenarios: (tag) => [{ promptIncludes: tag, predictMs: 300, count: 2 }],
    rules: () => [{ route: 'predictions.create', type: 'reset-after-create', count: 1 }],
  },
  {
    name: 'cancel answers processing, then succeeds (2 calls, budget for 1.5)',
    // The first call's prediction is still running (then billed): the second does not fit the budget.
    expect: 'refused',
    ops: ['generateImage', 'generateVideo'],
    // The first call gives up at 300 ms; its cancel is accepted but ignored, so it is billed at 800 ms.
    calls: [{ timeoutMs: 300 }, {}],
    budgetCalls: 1.5,
    scenarios: (tag) => [{ promptIncludes: `${tag}-call0`, predictMs: 800, cancel: 'ignore' }],
    rules: () => [],
  },
  {
    name: 'cancel answers processing, then cancels 200 ms later (2 calls)',
    expect: 'either',
    ops: ['generateImage', 'generateVideo'],
    calls: [{ timeoutMs: 300 }, {}],
    budgetCalls: 1.5,
    scenarios: (tag) => [{ promptIncludes: `${tag}-call0`, predictMs: 800, cancel: 'late', cancelDelayMs: 200 }],
    rules: () => [],
  },
  {
    name: 'server clock 60 s behind, 429 Retry-After as a date (1 s)',
    expect: 'success',
    ops: ['generateImage', 'pollPrediction', 'createPrediction'],
    maxRuns: 10,
    emulator: { clockOffsetMs: -60_000 },
    // The server asked for at least 1 s by its own clock (the date is rounded up): coming back sooner is hammering.
    minMs: 900,
    rules: () => [{ route: '*', type: 'status', status: 429, retryAfterSeconds: 1, retryAfterDate: true, count: 1 }],
  },
  {
    name: 'Retry-After: 0, three times',
    expect: 'success',
    ops: ['generateImage', 'pollPrediction', 'createPrediction'],
    // Three retries, each at least the policy's minimum delay.
    minMs: 3 * CHAOS_RETRY.minDelayMs,
    rules: () => [{ route: '*', type: 'status', status: 429, retryAfterSeconds: 0, count: 3 }],
  },
  {
    name: 'stream sends `: 408` and closes, every time',
    expect: 'success',
    ops: ['generateImage', 'pollPrediction'],
    maxRuns: 30,
    scenarios: (tag) => [{ promptIncludes: tag, predictMs: 500 }],
    rules: () => [{ route: 'stream', type: 'stream-408', count: Infinity }],
    // Reconnects back off and are bounded: half a second of running allows a handful, not hundreds.
    check: ({ stats }) =>
      (stats.requests.stream ?? 0) > MAX_STREAM_CONNECTS ? `${stats.requests.stream} stream connections` : null,
  },
  {
    name: 'newline-free stream (16 MB)',
    expect: 'success',
    ops: ['generateImage', 'pollPrediction'],
    maxRuns: 20,
    scenarios: (tag) => [{ promptIncludes: tag, predictMs: 500 }],
    rules: () => [{ route: 'stream', type: 'stream-no-newlines', bytes: 16 * 1024 * 1024, count: Infinity }],
    check: ({ stats }) =>
      (stats.requests.stream ?? 0) > MAX_STREAM_CONNECTS ? `${stats.requests.stream} stream connections` : null,
  },
  {
    name: 'huge logs (48 MB in every answer)',
    expect: 'either',
    ops: ['generateImage', 'pollPrediction', 'createPrediction'],
    maxRuns: 10,
    scenarios: (tag) => [{ promptIncludes: tag, predictMs: 100, logsBytes: 48 * 1024 * 1024 }],
    rules: () => [],
  },
  {
    name: 'key echoed in logs and error',
    expect: 'either',
    ops: ['generateImage', 'generateVideo', 'pollPrediction', 'createPrediction'],
    // Odd runs fail, so the key is in `error` too.
    scenarios: (tag, run) => [{ promptIncludes: tag, echoKey: true, ...(run % 2 ? { fail: 'out of memory' } : {}) }],
    rules: () => [],
  },
  {
    name: 'two outputs sharing a base name (a/out-0.png, b/out-0.png)',
    expect: 'success',
    ops: ['generateImage → files', 'client.download'],
    input: { num_outputs: 2 },
    scenarios: (tag) => [{ promptIncludes: tag, sharedBaseName: true }],
    rules: () => [],
  },
  {
    name: 'hostile prediction id (../escaped, a/b, control characters, ...)',
    expect: 'either',
    ops: ['generateImage → files', 'client.download', 'pollPrediction'],
    scenarios: (tag, run) => [{ promptIncludes: tag, id: HOSTILE_IDS[run % HOSTILE_IDS.length] }],
    rules: () => [],
  },
  {
    name: 'video of 30 s asked through input, budget $0.50',
    expect: 'refused',
    ops: ['generateVideo'],
    videoInput: { duration: 30 },
    budgetUsd: 0.5,
    rules: () => [],
  },
  {
    name: 'output host stalls, call deadline 1.5 s',
    expect: 'either',
    ops: ['generateImage → files'],
    maxRuns: 10,
    calls: [{ timeoutMs: 1_500 }],
    rules: () => [{ route: 'outputs.get', type: 'stall', count: Infinity }],
  },
];

/** Stream connections one call may open in the broken-stream rows before it counts as hammering. */
const MAX_STREAM_CONNECTS = 20;

export const OPERATIONS = [...BASE_OPS, 'generateImage → files', 'client.download', 'batch'];

function expectationFor(fault) {
  return fault.expect;
}

/**
 * Runs every cell of `faults` × `ops` (or only the `[fault, op]` pairs of `cells`), `runs` times each, and
 * returns one row per cell.
 * @param {{ lib: any, emulatorLib: any, downloadsLib: any, runs: number, faults?: string[], ops?: string[],
 *   cells?: Array<[string, string]>, concurrency?: number, onCell?: (row: any) => void }} options
 */
export async function runMatrix(options) {
  const faults = FAULTS.filter((f) => !options.faults || options.faults.includes(f.name));
  const ops = OPERATIONS.filter((o) => !options.ops || options.ops.includes(o));
  const cells = [];
  faults.forEach((fault, fi) => {
    for (const op of ops)
      if (
        (fault.ops ?? BASE_OPS).includes(op) &&
        (!options.cells || options.cells.some(([f, o]) => f === fault.name && o === op))
      )
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
export async function runCell({ lib, emulatorLib, downloadsLib, fault, op, seed, runs: wanted }) {
  const expect = expectationFor(fault);
  const runs = Math.min(wanted, fault.maxRuns ?? wanted);
  const emu = await emulatorLib.startEmulator({
    token: CHAOS_API_KEY,
    seed,
    rateLimits: false,
    timings: { '*': { startMs: 5, predictMs: 30 } },
    ...fault.emulator,
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
    overrunUsd: 0,
    pastDeadline: 0,
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
      row.overrunUsd += outcome.overrunUsd;
      row.pastDeadline += outcome.pastDeadline;
    }
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
  row.overrunUsd = Math.round(row.overrunUsd * 1e6) / 1e6;
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

/** The emulator's own account of the predictions it made (late ones included), from its admin API. */
async function account(emu) {
  const response = await fetch(`${emu.url}/_emulator/predictions`);
  return (await response.json()).predictions;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'aborted']);

/** What one prediction costs by the emulator's account: what it made, at the model's price. */
export function billedUsd(prediction) {
  const price = PRICES[prediction.model];
  if (!price) return 0;
  // Replicate bills these models for what they produce: nothing for a failed, canceled or aborted run.
  // A run still going at the end is counted as the success it is heading for.
  if (TERMINAL.has(prediction.status) && prediction.status !== 'succeeded') return 0;
  return price.unit === 'image' ? prediction.units.images * price.usd : prediction.units.videoSeconds * price.usd;
}

/** What one call of `op` costs at the default input, for its budget. */
function callCostUsd(op, fault) {
  if (op === 'generateVideo') return 0.1 * (fault.videoInput?.duration ?? 2);
  if (['generateImage', 'createPrediction', 'generateImage → files', 'batch'].includes(op))
    return 0.003 * (fault.input?.num_outputs ?? 1);
  return 0.003;
}

/** Creates a flux prediction outside the client (no faults yet) and waits for it to succeed when asked. */
async function precreate(emu, prompt, { waitSucceeded, input = {} }) {
  let p = await raw(emu, '/models/black-forest-labs/flux-schnell/predictions', {
    method: 'POST',
    body: JSON.stringify({ input: { prompt, output_format: 'png', ...input } }),
  });
  while (waitSucceeded && p.status !== 'succeeded') {
    if (['failed', 'canceled', 'aborted'].includes(p.status)) throw new Error(`setup prediction ended ${p.status}`);
    await sleep(5);
    p = await raw(emu, `/predictions/${encodeURIComponent(p.id)}`);
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
        await raw(emu, `/predictions/${encodeURIComponent(id)}/cancel`, { method: 'POST' }).catch(() => undefined);
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

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

/**
 * Runs `work` with the call's deadline. A call still running `HUNG_AFTER_MS` past it is abandoned (its
 * signal aborted, then left behind) so the matrix always ends; it counts as past its deadline.
 */
async function withDeadline(timeoutMs, work) {
  const controller = new AbortController();
  let timer;
  const hung = new Promise((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ hung: true });
    }, timeoutMs + HUNG_AFTER_MS);
  });
  const started = performance.now();
  try {
    const settled = await Promise.race([
      work(controller.signal).then(
        (value) => ({ value }),
        (thrown) => ({ thrown: thrown ?? new Error('rejected') }),
      ),
      hung,
    ]);
    return { ...settled, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

async function runOnce({ lib, downloadsLib, emu, fault, op, run, seed, dir, expect }) {
  const random = seeded(seed * 1_000_003 + run);
  const tag = `chaos-${seed}-${run}`;
  const prompt = `a lighthouse in a storm ${tag}`;
  const runDir = join(dir, `run-${run}`);
  await mkdir(runDir, { recursive: true });
  const logs = [];
  const capture = (line) => logs.push(String(line));
  const calls = fault.calls ?? [{}];
  const callsPerRun = op === 'batch' ? 2 : calls.length;
  const budgetUsd = fault.budgetUsd ?? (fault.budgetCalls ?? callsPerRun + 0.5) * callCostUsd(op, fault);
  // Half the runs hold the create (Prefer: wait), half poll from the start: both paths meet the faults.
  const preferWaitSeconds = run % 2 === 0 ? 1 : 0;
  const client = new lib.ReplicateClient({
    apiKey: CHAOS_API_KEY,
    baseUrl: emu.apiUrl,
    retry: CHAOS_RETRY,
    random,
    requestTimeoutMs: fault.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    preferWaitSeconds,
    // How long a lost create is looked for before it is sent again (default 5 s), compressed like the
    // retry waits; still over three times the late-create row's 150 ms. Older clients ignore it.
    createSettleMs: CREATE_SETTLE_MS,
    budgetUsd,
    logger: { debug: capture, info: capture, warn: capture, error: capture },
  });
  const setupIds = new Set();
  // Long enough that the outside cancel (about 20 ms in) always lands first, even on a loaded machine.
  const longer = { startMs: 5, predictMs: 2_000 };
  if (fault.expect === 'failed') emu.addScenario({ promptIncludes: tag, fail: `chaos: injected failure ${tag}` });
  if (fault.expect === 'canceled') emu.addScenario({ promptIncludes: tag, ...longer });
  for (const scenario of fault.scenarios?.(tag, run) ?? []) emu.addScenario(scenario);

  // Setup that must not meet the faults.
  let setup = null;
  if (op === 'pollPrediction') {
    setup = await precreate(emu, prompt, { waitSucceeded: false, input: fault.input });
    setupIds.add(setup.id);
  } else if (op === 'download' || op === 'client.download') {
    setup = await precreate(emu, prompt, { waitSucceeded: true, input: fault.input });
    setupIds.add(setup.id);
  }
  for (const rule of fault.rules(run)) emu.addFault(rule);
  const stopCanceler = fault.expect === 'canceled' && op !== 'pollPrediction' ? cancelFromOutside(emu) : null;
  if (fault.expect === 'canceled' && op === 'pollPrediction') {
    setTimeout(() => void raw(emu, `/predictions/${setup.id}/cancel`, { method: 'POST' }).catch(() => undefined), 10);
  }

  const results = [];
  let retries = 0;
  for (const [i, perCall] of calls.entries()) {
    const timeoutMs = perCall.timeoutMs ?? CALL_TIMEOUT_MS;
    const callPrompt = calls.length > 1 ? `${prompt}-call${i}` : prompt;
    const input = { output_format: 'png', ...fault.input };
    const outcome = await withDeadline(timeoutMs, async (signal) => {
      const wait = { intervalMs: INTERVAL_MS, timeoutMs, signal };
      switch (op) {
        case 'generateImage':
          return client.generateImage(callPrompt, { ...wait, input });
        case 'generateImage → files':
          return client.generateImage(callPrompt, { ...wait, input, download: { dir: runDir } });
        case 'batch':
          // The same prompt twice: two identical calls at once.
          return client.generateImages([callPrompt, callPrompt], { ...wait, input, concurrency: 2 });
        case 'generateVideo':
          return client.generateVideo([FRAME, FRAME], {
            ...wait,
            prompt: callPrompt,
            ...(fault.videoInput ? { input: fault.videoInput } : {}),
          });
        case 'pollPrediction':
          return client.pollPrediction(setup.id, wait);
        case 'createPrediction':
          return client.createPrediction({
            model: 'black-forest-labs/flux-schnell',
            input: { prompt: callPrompt, ...fault.input },
            wait: 1,
            timeoutMs,
            signal,
          });
        case 'client.download':
          return client.download(setup, { dir: runDir, signal });
        case 'download': {
          const value = await downloadsLib.downloadOutput(setup.output[0], {
            dir: runDir,
            fileName: `${tag}.png`,
            expect: 'image',
            retryDelaysMs: DOWNLOAD_RETRY_DELAYS_MS,
            attemptTimeoutMs: fault.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
            timeoutMs,
            signal,
          });
          retries += value.attempts - 1;
          return value;
        }
        default:
          throw new Error(`unknown operation ${op}`);
      }
    });
    if (op === 'download' && typeof outcome.thrown?.attempts === 'number') retries += outcome.thrown.attempts - 1;
    results.push({ ...outcome, timeoutMs });
  }
  const ms = results.reduce((sum, r) => sum + r.ms, 0);
  await stopCanceler?.();
  await client.close();
  if (op !== 'download') retries = logs.filter((line) => /; retry \d+ in /.test(line)).length;

  // What the caller learned: every id in a result or an error it was given (nested ones included).
  const told = results.map((r) => `${safeJson(r.value)}\n${describeThrown(r.thrown)}`).join('\n');
  const heard = (id) => setupIds.has(id) || told.includes(id) || told.includes(JSON.stringify(id).slice(1, -1));
  const last = results[results.length - 1];
  let { ok, why } = last.hung
    ? { ok: false, why: 'hung past its deadline' }
    : judge(op, expect, last.value, last.thrown);

  // What the server did. Faults off first: the checks must not meet them.
  emu.clearFaults();
  const stats = emu.stats();
  // Let what the calls left running end (bounded), then take the emulator's account.
  let predictions = await account(emu);
  for (const until = performance.now() + SETTLE_MS; performance.now() < until; ) {
    if (predictions.every((p) => setupIds.has(p.id) || TERMINAL.has(p.status))) break;
    await sleep(20);
    predictions = await account(emu);
  }
  const made = predictions.filter((p) => !setupIds.has(p.id));
  const unknown = made.filter((p) => !heard(p.id)).length;
  const mine = made.filter((p) => typeof p.input?.prompt === 'string' && p.input.prompt.includes(tag));
  const duplicates = Math.max(0, mine.length - callsPerRun);
  const spentUsd = made.reduce((sum, p) => sum + billedUsd(p), 0);
  const overrunUsd = Math.max(0, Math.round((spentUsd - budgetUsd) * 1e6) / 1e6);
  const pastDeadline = results.filter((r) => r.hung || r.ms > r.timeoutMs + DEADLINE_MARGIN_MS).length;
  // This run's files: its folder's, and anything that escaped to the cell's folder (removed after, so the next run starts clean).
  const files = (await filesUnder(dir)).filter((f) => f.startsWith(`run-${run}/`) || !/^run-\d+\//.test(f));
  const keyLeaks =
    countKey([logs.join('\n'), told, ...(await Promise.all(files.map((f) => readText(join(dir, f)))))]) +
    stats.authOnPublicRoutes;

  if (ok) {
    const problem =
      (fault.minMs !== undefined && ms < fault.minMs ? `came back after ${ms.toFixed(0)} ms < ${fault.minMs}` : null) ??
      checkFiles(op, run, files, fault, last.value) ??
      (op === 'batch' ? checkDistinct(last.value) : null) ??
      fault.check?.({ stats, value: last.value });
    if (problem) ({ ok, why } = { ok: false, why: problem });
  } else if (files.some((f) => !f.startsWith(`run-${run}/`))) {
    why = `${why}; wrote outside its folder`;
  }
  for (const f of files) if (!f.startsWith(`run-${run}/`)) await rm(join(dir, f), { force: true });
  if (process.env.CHAOS_DEBUG && (!ok || unknown || duplicates || keyLeaks || overrunUsd || pastDeadline)) {
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
          overrunUsd,
          pastDeadline,
          results: results.map((r) => ({ ms: r.ms, value: r.value, thrown: describeThrown(r.thrown) })),
          server: made.map((p) => [p.id, p.status, p.input?.prompt]),
          logs,
        },
        null,
        1,
      ).slice(0, 20_000),
    );
  }
  return { ok, why, retries, ms, unknown, duplicates, keyLeaks, overrunUsd, pastDeadline };
}

async function readText(path) {
  try {
    return (await readFile(path)).toString('latin1');
  } catch {
    return '';
  }
}

/** Files the call saved: all inside this run's folder, none lost to an overwrite. */
function checkFiles(op, run, files, fault, value) {
  const outside = files.filter((f) => !f.startsWith(`run-${run}/`) || f.slice(`run-${run}/`.length).includes('/'));
  if (outside.length) return `wrote outside its folder: ${JSON.stringify(outside)}`;
  if (op !== 'generateImage → files' && op !== 'client.download') return null;
  const saved = files.filter((f) => !/\.(tmp|part)$/.test(f) && !f.includes('.tmp-'));
  const expected = fault.input?.num_outputs ?? 1;
  if (saved.length !== expected) return `${saved.length} files for ${expected} outputs`;
  const reported = new Set(JSON.stringify(value).match(/run-\d+[/\\][^"]+/g) ?? []);
  if (reported.size > 0 && reported.size < expected)
    return `${reported.size} distinct paths reported for ${expected} outputs`;
  return null;
}

/** Two calls, two predictions: one adopting the other's is a lost paid prediction. */
function checkDistinct(results) {
  const ids = (results ?? []).map((r) => r.predictionId);
  return new Set(ids).size === ids.length ? null : `both calls returned ${ids[0]}`;
}

function judge(op, expect, value, thrown) {
  if (op === 'batch' && Array.isArray(value)) {
    // Both calls must be right; the first wrong one says why.
    for (const one of value) {
      const verdict = judge('generateImage', expect, one, null);
      if (!verdict.ok) return verdict;
    }
    return { ok: true, why: null };
  }
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
          : expect === 'refused'
            ? got === 'budget_exceeded' || got === 'threw budget_exceeded'
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
    '| fault | operation | expected | correct | retries/run | p50 ms | p95 ms | unknown | created twice | key leaks | budget overrun (USD) | past deadline > 1 s | other outcomes |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const { p50, p95 } = percentiles(r.timesMs);
    const other = Object.entries(r.failures)
      .map(([why, n]) => `${String(why).replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 160)} ×${n}`)
      .join(', ');
    lines.push(
      `| ${r.fault} | ${r.op} | ${r.expect} | ${((100 * r.ok) / r.runs).toFixed(0)}% (${r.ok}/${r.runs}) | ${(r.retries / r.runs).toFixed(2)} | ${p50.toFixed(0)} | ${p95.toFixed(0)} | ${r.unknown} | ${r.duplicates} | ${r.keyLeaks} | ${r.overrunUsd} | ${r.pastDeadline} | ${other || '—'} |`,
    );
  }
  return lines.join('\n');
}
