// `npm run bench`: replicate-media side by side with the official clients, in one run, against one
// emulator build. Every (client, scenario) pair gets a fresh emulator in a child process (its own
// counters, rate-limit buckets and fault draws) and a fresh client process (its own timings and RSS).
//
//   node bench/run.mjs            full run (~20 minutes); writes bench/results/latest.json and docs/benchmarks.md
//   node bench/run.mjs --quick    tiny sizes, everything at once (CI smoke, ~15 s); writes only --out
//   node bench/run.mjs --from bench/results/latest.json   rewrite the docs from earlier results
//   options: --out <file.json>  --docs (write the docs in --quick too)  --clients a,b
//            --scenarios latency,short,medium,long,batch,storm,footprint,multiprocess,memory,emulator,bundle
//            --stored 1000,10000   the emulator scenario's store sizes (default 1000,10000,100000): a short
//                                  emulator-vs-Prism run is `--scenarios emulator --stored 1000`

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSizes } from './bundle-size.mjs';
import { CLIENTS } from './clients.mjs';
import { coldImportMs, installedSize, runtimeDependencies } from './footprint.mjs';
import { runWorkerChild, startEmulatorChild } from './processes.mjs';
import { evaluateGoals, writeDocs } from './report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'r8_bench0000000000000000000000000000000000';

// ------------------------------------------------------------------ settings

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
if (flag('--help') || flag('-h')) {
  // The usage is the comment at the top of this file.
  const text = await (await import('node:fs/promises')).readFile(fileURLToPath(import.meta.url), 'utf8');
  process.stdout.write(`${text.split('\n\n')[0].replace(/^\/\/ ?/gm, '')}\n`);
  process.exit(0);
}
const QUICK = flag('--quick');
const OUT = resolve(
  option('--out') ??
    (QUICK ? join(os.tmpdir(), 'replicate-media-bench-quick.json') : join(ROOT, 'bench/results/latest.json')),
);
const ONLY_CLIENTS = option('--clients')?.split(',');
const ONLY_SCENARIOS = option('--scenarios')?.split(',');
const clients = CLIENTS.filter((c) => !ONLY_CLIENTS || ONLY_CLIENTS.includes(c.id));
const wants = (scenario) => !ONLY_SCENARIOS || ONLY_SCENARIOS.includes(scenario);
// A partial run (some clients or scenarios) never overwrites the docs unless asked to.
const WRITE_DOCS = flag('--docs') || (!QUICK && !ONLY_CLIENTS && !ONLY_SCENARIOS);

/**
 * Latency scenarios: each prediction's duration is drawn (seeded, the same for every client) from
 * [minMs, maxMs], so a poller's phase against completion is sampled rather than fixed by accident.
 */
const LATENCY = QUICK
  ? [
      { id: 'short', label: '~0.5 s', minMs: 150, maxMs: 250, startMs: 50, n: 2, staggerMs: 50 },
      { id: 'medium', label: '~5 s', minMs: 300, maxMs: 400, startMs: 50, n: 2, staggerMs: 50 },
      { id: 'long', label: '~70 s', minMs: 450, maxMs: 550, startMs: 50, n: 2, staggerMs: 50 },
    ]
  : [
      { id: 'short', label: '~0.5 s', minMs: 400, maxMs: 600, startMs: 100, n: 20, staggerMs: 75 },
      { id: 'medium', label: '~5 s', minMs: 4_500, maxMs: 5_500, startMs: 500, n: 20, staggerMs: 150 },
      { id: 'long', label: '~70 s', minMs: 66_000, maxMs: 74_000, startMs: 1_000, n: 20, staggerMs: 250 },
    ];

/** flux-schnell at its emulated timings (250 ms queue + 750 ms compute) under the real create limit. */
const BATCH = QUICK
  ? { n: 6, concurrency: 6, createPerMinute: 600, predictionMs: 1_000 }
  : { n: 1_000, concurrency: 50, createPerMinute: 600, predictionMs: 1_000 };

const STORM = QUICK
  ? { n: 4, concurrency: 4, probability: 0.3, retryAfterSeconds: 1 }
  : { n: 100, concurrency: 10, probability: 0.3, retryAfterSeconds: 1 };

/**
 * Many processes on one key: K client processes, each with its own client, share `n` predictions (n/K
 * each) and `concurrency` in flight (concurrency/K each) against one emulator at the real create limit.
 * replicate-media runs at every K; the other clients at `othersK`, for scale.
 */
const MULTI = QUICK
  ? { n: 8, concurrency: 4, ks: [2], othersK: [2], createPerMinute: 600, predictionMs: 1_000 }
  : { n: 1_000, concurrency: 50, ks: [2, 4, 8], othersK: [4], createPerMinute: 600, predictionMs: 1_000 };

/**
 * Runs of the batch per side for the memory comparison (replicate-media against bare fetch), the first
 * being the batch's own: one run's peak RSS moves by ±5 MB with when V8 happens to collect (bare fetch's
 * between about 102 and 124 MB), so the goal compares medians of runs taken in turn.
 */
const RSS_RUNS = QUICK ? 1 : 5;

/** Memory per in-flight prediction: replicate-media and bare fetch at two concurrencies, 2 × concurrency creates each. */
const SLOPE = QUICK ? { concurrencies: [4, 8] } : { concurrencies: [50, 500] };

/** The emulator as a product, against Prism mocking the same OpenAPI schema. */
const EMULATOR = QUICK
  ? { requests: 100, concurrency: 10, stored: [50, 150], listSamples: 10, prism: flag('--prism') }
  : { requests: 5_000, concurrency: 50, stored: [1_000, 10_000, 100_000], listSamples: 200, prism: true };
if (option('--stored')) EMULATOR.stored = (option('--stored') ?? '').split(',').map(Number);
if (EMULATOR.stored.some((n, i) => !Number.isInteger(n) || n < 1 || n <= (EMULATOR.stored[i - 1] ?? 0)))
  throw new Error('--stored: ascending whole numbers, comma-separated (e.g. 1000,10000)');
const PRISM_VERSION = '5.8';

const latencyScenarios = LATENCY.filter((l) => wants('latency') || wants(l.id));

const IMPORT_RUNS = QUICK ? 1 : 9;

// ------------------------------------------------------------------ processes

/**
 * The build under test, copied once at the start: the working tree's dist/ can be rebuilt while the
 * bench runs, and every case must measure the same code.
 */
const SNAPSHOT = await mkdtemp(join(os.tmpdir(), 'replicate-media-bench-'));
await cp(join(ROOT, 'dist'), join(SNAPSHOT, 'dist'), { recursive: true });
await writeFile(join(SNAPSHOT, 'package.json'), '{"type":"module"}\n');
const CHILD_ENV = { ...process.env, BENCH_DIST: join(SNAPSHOT, 'dist') };

function log(line) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** Starts an emulator child process on the snapshot; resolves with its URLs and a stop function. */
const startEmulatorProcess = (options) => startEmulatorChild(options, CHILD_ENV);

/** Runs one worker (one client, one scenario) on the snapshot; resolves with its JSON report. */
const runWorker = (task) => runWorkerChild(task, CHILD_ENV);

/** GET a JSON answer on a fresh connection (emulator ports get reused between cases; a pooled socket would not). */
function getJson(url, token) {
  return new Promise((res, rej) => {
    const req = http.get(
      url,
      { agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (d) => (body += d));
        response.on('end', () => {
          if (response.statusCode !== 200) rej(new Error(`GET ${url} → ${response.statusCode}: ${body.slice(0, 200)}`));
          else res(JSON.parse(body));
        });
      },
    );
    req.on('error', rej);
  });
}

/**
 * One client in one scenario against its own emulator: runs the worker, then reads the emulator's
 * counters (before any request of ours) and, when asked, each prediction's completed_at.
 */
async function runCase({ client, emulatorOptions, jobs, concurrency, watchdogMs, completions, clientOptions }) {
  const emulator = await startEmulatorProcess(emulatorOptions);
  const loadBefore = os.loadavg()[0];
  try {
    const report = await runWorker({
      client,
      apiUrl: emulator.apiUrl,
      token: TOKEN,
      jobs,
      concurrency,
      watchdogMs,
      clientOptions,
    });
    const stats = await getJson(`${emulator.url}/_emulator/stats`);
    const predictions = new Map();
    if (completions) {
      for (const r of report.records) {
        if (r.predictionId && !predictions.has(r.predictionId)) {
          predictions.set(r.predictionId, await getJson(`${emulator.apiUrl}/predictions/${r.predictionId}`, TOKEN));
        }
      }
    }
    report.loadAverage = [round(loadBefore, 2), round(os.loadavg()[0], 2)];
    return { report, stats, predictions };
  } finally {
    await emulator.stop();
  }
}

// ------------------------------------------------------------------ figures

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : round((sorted[mid - 1] + sorted[mid]) / 2);
}

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : null;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? null,
    mean,
    min: sorted[0] ?? null,
  };
}

const pct = (ratio) => (ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)}%`);
const totalRequests = (stats) => Object.values(stats.requests).reduce((s, v) => s + v, 0);
const round = (v, digits = 1) => (v === null || v === undefined ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Distinct error messages with counts, for the JSON (the why of every failure). */
function errorSummary(records) {
  const counts = new Map();
  for (const r of records) if (!r.ok) counts.set(r.error, (counts.get(r.error) ?? 0) + 1);
  return [...counts].map(([error, count]) => ({ count, error }));
}

/**
 * The shortest time `n` predictions of `predictionMs` can take with `concurrency` in flight and a
 * token bucket of `perMinute` tokens (full at the start, as the emulator's and Replicate's are)
 * refilling at `perMinute` per minute.
 */
function minimumBatchMs({ n, concurrency, createPerMinute, predictionMs }) {
  const perMs = createPerMinute / 60_000;
  const slots = new Array(concurrency).fill(0);
  let end = 0;
  for (let k = 0; k < n; k++) {
    const tokenAt = k < createPerMinute ? 0 : (k - createPerMinute + 1) / perMs;
    slots.sort((a, b) => a - b);
    const start = Math.max(slots[0], tokenAt);
    slots[0] = start + predictionMs;
    end = Math.max(end, slots[0]);
  }
  return end;
}

// ------------------------------------------------------------------ scenarios

async function latencyScenario(scenario, runFor) {
  const random = mulberry32(1000 + scenario.minMs);
  const jobs = Array.from({ length: scenario.n }, (_, i) => {
    const totalMs = Math.round(scenario.minMs + random() * (scenario.maxMs - scenario.minMs));
    return {
      prompt: `bench ${scenario.id} #${i} [emulator:start_ms=${scenario.startMs}] [emulator:predict_ms=${totalMs - scenario.startMs}]`,
      startAtOffsetMs: i * scenario.staggerMs,
      durationMs: totalMs,
    };
  });
  const results = {};
  await runFor(async (client) => {
    const { report, stats, predictions } = await runCase({
      client: client.id,
      emulatorOptions: { seed: 7 },
      jobs,
      concurrency: jobs.length,
      watchdogMs: scenario.maxMs + 120_000,
      completions: true,
    });
    const added = [];
    for (const r of report.records) {
      const p = r.predictionId ? predictions.get(r.predictionId) : undefined;
      if (r.ok && p?.completed_at) added.push(r.resultAtMs - Date.parse(p.completed_at));
    }
    const failures = report.records.filter((r) => !r.ok).length;
    results[client.id] = {
      predictions: jobs.length,
      succeeded: jobs.length - failures,
      failures,
      addedLatencyMs: summarize(added),
      requestsPerPrediction: round(totalRequests(stats) / jobs.length, 2),
      requestsByRoute: stats.requests,
      responsesByStatus: stats.responsesByStatus,
      predictionsCreated: stats.predictionsCreated,
      errors: errorSummary(report.records),
      loadAverage1m: report.loadAverage,
      warnings: report.warnings,
    };
    log(
      `latency ${scenario.id} ${client.id}: p50 ${results[client.id].addedLatencyMs.p50} ms, ${results[client.id].requestsPerPrediction} req/prediction, ${failures} failed`,
    );
  });
  return {
    label: scenario.label,
    durationRangeMs: [scenario.minMs, scenario.maxMs],
    predictions: scenario.n,
    startedEveryMs: scenario.staggerMs,
    clients: results,
  };
}

async function batchScenario(runFor) {
  const jobs = Array.from({ length: BATCH.n }, (_, i) => ({ prompt: `bench batch #${i}` }));
  const minimumMs = minimumBatchMs(BATCH);
  const results = {};
  await runFor(async (client) => {
    const { report, stats } = await runCase({
      client: client.id,
      emulatorOptions: { seed: 7, rateLimits: { createPerMinute: BATCH.createPerMinute } },
      jobs,
      concurrency: BATCH.concurrency,
      watchdogMs: 600_000,
      completions: false,
    });
    const failures = report.records.filter((r) => !r.ok).length;
    const totalMs = report.lastResultMs - report.firstStartMs;
    results[client.id] = {
      predictions: BATCH.n,
      succeeded: BATCH.n - failures,
      failures,
      totalMs,
      minimumMs,
      // Against the minimum for what it delivered: a client that gives up early is not "faster".
      minimumForSucceededMs: minimumBatchMs({ ...BATCH, n: BATCH.n - failures }),
      rateOfAllowed: round(minimumBatchMs({ ...BATCH, n: BATCH.n - failures }) / totalMs, 3),
      responses429: stats.responsesByStatus['429'] ?? 0,
      predictionsCreated: stats.predictionsCreated,
      requestsPerPrediction: round(totalRequests(stats) / BATCH.n, 2),
      requestsByRoute: stats.requests,
      responsesByStatus: stats.responsesByStatus,
      peakRssMb: round(report.peakRssBytes / 2 ** 20),
      rssAtStartMb: round(report.rssAtStartBytes / 2 ** 20),
      cpuMs: Math.round(report.cpuUserMs + report.cpuSystemMs),
      errors: errorSummary(report.records),
      loadAverage1m: report.loadAverage,
      warnings: report.warnings,
    };
    const r = results[client.id];
    log(
      `batch ${client.id}: ${(totalMs / 1000).toFixed(1)} s (min ${(minimumMs / 1000).toFixed(1)} s), ${r.responses429} × 429, ${failures} failed, RSS ${r.peakRssMb} MB`,
    );
  });
  // The floor under every client's RSS: bare fetch() doing the same creates (Prefer: wait, no limit to wait out).
  const { report } = await runCase({
    client: 'bare-fetch',
    emulatorOptions: { seed: 7, rateLimits: false },
    jobs,
    concurrency: BATCH.concurrency,
    watchdogMs: 600_000,
    completions: false,
  });
  const bareFetch = {
    peakRssMb: round(report.peakRssBytes / 2 ** 20),
    rssAtStartMb: round(report.rssAtStartBytes / 2 ** 20),
    failures: report.records.filter((r) => !r.ok).length,
  };
  log(`batch baseline bare fetch (no rate limit): RSS ${bareFetch.peakRssMb} MB`);
  // More runs of replicate-media's batch and of bare fetch, taken in turn, for the medians of their peaks.
  const ours = results['replicate-media'];
  const runs = { 'bare-fetch': [bareFetch.peakRssMb], ...(ours ? { 'replicate-media': [ours.peakRssMb] } : {}) };
  for (let i = 1; i < RSS_RUNS; i++) {
    for (const id of Object.keys(runs)) {
      const rateLimits = id === 'bare-fetch' ? false : { createPerMinute: BATCH.createPerMinute };
      const { report: again } = await runCase({
        client: id,
        emulatorOptions: { seed: 7, rateLimits },
        jobs,
        concurrency: BATCH.concurrency,
        watchdogMs: 600_000,
        completions: false,
      });
      runs[id].push(round(again.peakRssBytes / 2 ** 20));
      log(`batch memory run ${i + 1}/${RSS_RUNS} ${id}: RSS ${runs[id].at(-1)} MB`);
    }
  }
  bareFetch.peakRssMbRuns = runs['bare-fetch'];
  bareFetch.medianPeakRssMb = median(runs['bare-fetch']);
  if (ours) {
    ours.peakRssMbRuns = runs['replicate-media'];
    ours.medianPeakRssMb = median(runs['replicate-media']);
  }
  return { ...BATCH, minimumMs, bareFetch, rssRuns: RSS_RUNS, clients: results };
}

async function stormScenario(runFor) {
  const jobs = Array.from({ length: STORM.n }, (_, i) => ({ prompt: `bench storm #${i}` }));
  const results = {};
  await runFor(async (client) => {
    const { report, stats } = await runCase({
      client: client.id,
      emulatorOptions: {
        seed: 7,
        faults: [
          {
            route: 'predictions.create',
            type: 'status',
            status: 429,
            probability: STORM.probability,
            retryAfterSeconds: STORM.retryAfterSeconds,
            count: null,
          },
        ],
      },
      jobs,
      concurrency: STORM.concurrency,
      watchdogMs: 300_000,
      completions: false,
    });
    const failures = report.records.filter((r) => !r.ok).length;
    results[client.id] = {
      predictions: STORM.n,
      succeeded: STORM.n - failures,
      failures,
      successRate: round((STORM.n - failures) / STORM.n, 3),
      totalMs: report.lastResultMs - report.firstStartMs,
      responses429: stats.responsesByStatus['429'] ?? 0,
      predictionsCreated: stats.predictionsCreated,
      requestsPerPrediction: round(totalRequests(stats) / STORM.n, 2),
      requestsByRoute: stats.requests,
      errors: errorSummary(report.records),
      loadAverage1m: report.loadAverage,
      warnings: report.warnings,
    };
    log(
      `storm ${client.id}: ${results[client.id].successRate * 100}% in ${(results[client.id].totalMs / 1000).toFixed(1)} s, ${failures} failed`,
    );
  });
  return { ...STORM, clients: results };
}

async function multiProcessScenario(runFor) {
  const results = {};
  for (const k of MULTI.ks) {
    const perProcess = { n: MULTI.n / k, concurrency: Math.max(1, Math.round(MULTI.concurrency / k)) };
    const totalConcurrency = perProcess.concurrency * k;
    const byClient = {};
    await runFor(async (client) => {
      if (client.id !== 'replicate-media' && !MULTI.othersK.includes(k)) return;
      const emulator = await startEmulatorProcess({
        seed: 7,
        rateLimits: { createPerMinute: MULTI.createPerMinute },
        countingProxies: k,
      });
      const loadBefore = os.loadavg()[0];
      try {
        const reports = await Promise.all(
          emulator.proxies.map((proxy, p) =>
            runWorker({
              client: client.id,
              apiUrl: proxy.apiUrl,
              token: TOKEN,
              jobs: Array.from({ length: perProcess.n }, (_, i) => ({ prompt: `bench multi k${k} p${p} #${i}` })),
              concurrency: perProcess.concurrency,
              watchdogMs: 600_000,
            }),
          ),
        );
        const stats = await getJson(`${emulator.url}/_emulator/stats`);
        const perProxy = await Promise.all(emulator.proxies.map((proxy) => getJson(`${proxy.url}/_proxy/stats`)));
        const records = reports.flatMap((r) => r.records);
        const failures = records.filter((r) => !r.ok).length;
        const totalMs =
          Math.max(...reports.map((r) => r.lastResultMs)) - Math.min(...reports.map((r) => r.firstStartMs));
        const minimumForSucceededMs = minimumBatchMs({
          n: MULTI.n - failures,
          concurrency: totalConcurrency,
          createPerMinute: MULTI.createPerMinute,
          predictionMs: MULTI.predictionMs,
        });
        const responses429PerProcess = perProxy.map((p) => p.responsesByStatus['429'] ?? 0);
        byClient[client.id] = {
          processes: k,
          predictions: MULTI.n,
          succeeded: MULTI.n - failures,
          failures,
          totalMs,
          minimumMs: minimumBatchMs({ ...MULTI, concurrency: totalConcurrency }),
          minimumForSucceededMs,
          rateOfAllowed: round(minimumForSucceededMs / totalMs, 3),
          responses429: stats.responsesByStatus['429'] ?? 0,
          responses429PerProcess,
          max429PerProcess: Math.max(...responses429PerProcess),
          predictionsCreated: stats.predictionsCreated,
          peakRssMbPerProcess: reports.map((r) => round(r.peakRssBytes / 2 ** 20)),
          errors: errorSummary(records),
          loadAverage1m: [round(loadBefore, 2), round(os.loadavg()[0], 2)],
          warnings: reports.flatMap((r) => r.warnings),
        };
        const r = byClient[client.id];
        log(
          `multi-process K=${k} ${client.id}: ${(totalMs / 1000).toFixed(1)} s (${pct(r.rateOfAllowed)} of allowed), 429s per process ${responses429PerProcess.join('/')}, ${failures} failed`,
        );
      } finally {
        await emulator.stop();
      }
    });
    results[k] = { ...perProcess, totalConcurrency, clients: byClient };
  }
  return { n: MULTI.n, concurrency: MULTI.concurrency, createPerMinute: MULTI.createPerMinute, byProcesses: results };
}

/** Peak RSS at two concurrencies, for replicate-media (rate limiter off: this measures memory, not pace) and bare fetch. */
async function memorySlopeScenario() {
  const rows = {};
  for (const concurrency of SLOPE.concurrencies) {
    const jobs = Array.from({ length: 2 * concurrency }, (_, i) => ({ prompt: `bench memory c${concurrency} #${i}` }));
    for (const [id, clientOptions] of [
      ['replicate-media', { rateLimit: false }],
      ['bare-fetch', undefined],
    ]) {
      const { report } = await runCase({
        client: id,
        emulatorOptions: { seed: 7, rateLimits: false },
        jobs,
        concurrency,
        watchdogMs: 600_000,
        completions: false,
        clientOptions,
      });
      rows[id] ??= {};
      rows[id][concurrency] = {
        peakRssMb: round(report.peakRssBytes / 2 ** 20),
        rssAtStartMb: round(report.rssAtStartBytes / 2 ** 20),
        failures: report.records.filter((r) => !r.ok).length,
      };
      log(`memory slope ${id} at concurrency ${concurrency}: peak RSS ${rows[id][concurrency].peakRssMb} MB`);
    }
  }
  const [low, high] = SLOPE.concurrencies;
  const slopeKb = (id) => round(((rows[id][high].peakRssMb - rows[id][low].peakRssMb) * 1024) / (high - low), 1);
  return {
    concurrencies: SLOPE.concurrencies,
    clients: Object.fromEntries(
      Object.keys(rows).map((id) => [id, { byConcurrency: rows[id], kbPerInFlight: slopeKb(id) }]),
    ),
  };
}

const run = (file, args, options) =>
  new Promise((res, rej) =>
    execFile(file, args, options, (error, stdout, stderr) =>
      error ? rej(new Error(`${error.message}\n${stderr}`)) : res(stdout),
    ),
  );

/** Prism, installed on demand into a cache folder (191 packages, ~90 MB: too much for a devDependency). */
async function ensurePrism() {
  const dir = join(ROOT, 'node_modules/.cache/bench-prism');
  const bin = join(dir, 'node_modules/@stoplight/prism-cli/dist/index.js');
  if (!existsSync(bin)) {
    log(`installing @stoplight/prism-cli@${PRISM_VERSION} into ${dir} (once)`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), '{"private":true}\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    await run(npm, ['install', '--no-audit', '--no-fund', '--no-save', `@stoplight/prism-cli@${PRISM_VERSION}`], {
      cwd: dir,
      timeout: 600_000,
    });
  }
  const { version } = JSON.parse(await readFile(join(dir, 'node_modules/@stoplight/prism-cli/package.json'), 'utf8'));
  return { bin, version };
}

async function freePort() {
  const server = http.createServer();
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address();
  await new Promise((res) => server.close(res));
  return port;
}

/** Starts `prism mock` on the vendored OpenAPI schema; resolves once it listens. */
async function startPrism(bin) {
  const port = await freePort();
  const spec = join(ROOT, 'test/emulator/fixtures/replicate-openapi.json');
  const child = spawn(process.execPath, [bin, 'mock', '-h', '127.0.0.1', '-p', String(port), spec], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`prism did not start: ${output.slice(-500)}`)), 120_000);
    const onData = (d) => {
      output += d;
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => rej(new Error(`prism exited (${code}): ${output.slice(-500)}`)));
  });
  // Prism logs every request; drain its output so a full pipe never stalls it.
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((res) => child.once('close', res));
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs the load generator against one route; resolves with its report. */
function load(task) {
  return run(process.execPath, [join(ROOT, 'bench/emulator-load.mjs'), JSON.stringify({ token: TOKEN, ...task })], {
    cwd: ROOT,
    maxBuffer: 64 * 2 ** 20,
    timeout: 900_000,
  }).then((stdout) => JSON.parse(stdout.trim().split('\n').pop()));
}

/** Resident set of a process, from /proc (Linux); null elsewhere. */
async function rssMbOf(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? round(kb / 1024) : null;
  } catch {
    return null;
  }
}

/** Create, get and list at the same concurrency against one server; `apiUrl` has no trailing slash. */
async function throughput(apiUrl) {
  const n = EMULATOR.requests;
  const concurrency = EMULATOR.concurrency;
  const create = await load({
    url: `${apiUrl}/models/black-forest-labs/flux-schnell/predictions`,
    method: 'POST',
    body: { input: { prompt: 'bench emulator' } },
    n,
    concurrency,
    collectIds: true,
  });
  const get = await load({ url: `${apiUrl}/predictions/{id}`, method: 'GET', ids: create.ids, n, concurrency });
  const list = await load({ url: `${apiUrl}/predictions`, method: 'GET', n, concurrency });
  const summary = (r) => ({
    requestsPerSecond: round(r.requestsPerSecond),
    latencyMs: { p50: round(r.latencyMs.p50, 2), p95: round(r.latencyMs.p95, 2), max: round(r.latencyMs.max, 2) },
    bytesPerResponse: r.bytesPerResponse,
    ok: r.ok,
    statuses: r.statuses,
  });
  return { create: summary(create), get: summary(get), list: summary(list) };
}

async function emulatorScenario() {
  const result = {
    requests: EMULATOR.requests,
    concurrency: EMULATOR.concurrency,
    listSamples: EMULATOR.listSamples,
    servers: {},
    stored: [],
  };
  // Throughput: a fresh emulator without rate limits (a test suite's would hit 600/min at once).
  const emulator = await startEmulatorProcess({ seed: 7, rateLimits: false });
  try {
    result.servers.emulator = await throughput(emulator.apiUrl);
  } finally {
    await emulator.stop();
  }
  log(
    `emulator: ${['create', 'get', 'list'].map((r) => `${r} ${result.servers.emulator[r].requestsPerSecond}/s`).join(', ')}`,
  );
  if (EMULATOR.prism) {
    try {
      const { bin, version } = await ensurePrism();
      const prism = await startPrism(bin);
      try {
        result.servers.prism = { version, ...(await throughput(prism.apiUrl)) };
      } finally {
        await prism.stop();
      }
      log(
        `prism ${version}: ${['create', 'get', 'list'].map((r) => `${r} ${result.servers.prism[r].requestsPerSecond}/s`).join(', ')}`,
      );
    } catch (error) {
      result.servers.prism = { error: String(error).slice(0, 500) };
      log(`prism: not measured (${result.servers.prism.error})`);
    }
  }
  // Memory and list-page time as predictions pile up: one emulator, filled through the API.
  const store = await startEmulatorProcess({ seed: 7, rateLimits: false });
  try {
    let stored = 0;
    for (const target of EMULATOR.stored) {
      const fill = await load({
        url: `${store.apiUrl}/models/black-forest-labs/flux-schnell/predictions`,
        method: 'POST',
        body: { input: { prompt: 'bench stored' } },
        n: target - stored,
        concurrency: EMULATOR.concurrency,
      });
      stored = target;
      // Let the predictions finish (flux-schnell: 1 s), so the memory is that of stored ones, not timers.
      await new Promise((res) => setTimeout(res, 2_000));
      const list = await load({
        url: `${store.apiUrl}/predictions`,
        method: 'GET',
        n: EMULATOR.listSamples,
        concurrency: 1,
      });
      const row = {
        stored,
        createdOk: fill.ok,
        listPageMs: { p50: round(list.latencyMs.p50, 2), p95: round(list.latencyMs.p95, 2) },
        rssMb: await rssMbOf(store.pid),
      };
      result.stored.push(row);
      log(`emulator with ${stored} stored: list page p50 ${row.listPageMs.p50} ms, RSS ${row.rssMb} MB`);
    }
  } finally {
    await store.stop();
  }
  return result;
}

async function footprintScenario() {
  const packages = [
    { id: 'replicate-media', specifier: 'replicate-media', dir: './' },
    { id: 'replicate', specifier: 'replicate', dir: './node_modules/replicate' },
    { id: 'replicate-stainless', specifier: 'replicate-stainless', dir: './node_modules/replicate-stainless' },
  ];
  const results = {};
  for (const pkg of packages) {
    const [size, deps] = await Promise.all([
      installedSize(join(ROOT, pkg.dir), { published: pkg.id === 'replicate-media' }),
      runtimeDependencies(join(ROOT, pkg.dir), { root: ROOT }),
    ]);
    const importTime = await coldImportMs(pkg.specifier, { cwd: ROOT, runs: IMPORT_RUNS });
    const { version } = JSON.parse(
      await (await import('node:fs/promises')).readFile(join(ROOT, pkg.dir, 'package.json'), 'utf8'),
    );
    results[pkg.id] = {
      version,
      coldImportMs: round(importTime.medianMs),
      coldImportSamplesMs: importTime.samplesMs.map((v) => round(v)),
      ...size,
      runtimeDependencies: deps.direct,
      runtimeDependenciesTransitive: deps.transitive,
      optionalPeerDependencies: deps.optionalPeers,
    };
    log(
      `footprint ${pkg.id}: import ${round(importTime.medianMs)} ms, ${Math.round(size.unpackedBytes / 1024)} kB unpacked, ${deps.transitive} runtime deps`,
    );
  }
  return { importRuns: IMPORT_RUNS, packages: results };
}

// ------------------------------------------------------------------ main

const sequential = async (work) => {
  for (const client of clients) await work(client);
};
const concurrent = async (work) => {
  await Promise.all(clients.map((client) => work(client)));
};

/** At most `limit` cases at once (the quick run's cases share a small machine). */
function limited(limit) {
  let active = 0;
  const waiting = [];
  const acquire = () => {
    if (active < limit) {
      active++;
      return Promise.resolve();
    }
    return new Promise((res) => waiting.push(res));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async (work) => {
    await Promise.all(
      clients.map(async (client) => {
        await acquire();
        try {
          await work(client);
        } finally {
          release();
        }
      }),
    );
  };
}

const FROM = option('--from');
if (FROM) {
  // Only the docs, from a results file written earlier: `node bench/run.mjs --from bench/results/latest.json`.
  const earlier = JSON.parse(await (await import('node:fs/promises')).readFile(resolve(FROM), 'utf8'));
  earlier.goals = evaluateGoals(earlier);
  for (const path of await writeDocs(earlier, ROOT)) log(`wrote ${path}`);
  await rm(SNAPSHOT, { recursive: true, force: true });
  process.exit(0);
}

const startedAt = new Date();
log(`${QUICK ? 'quick' : 'full'} run, clients: ${clients.map((c) => c.id).join(', ')}`);
const cpus = os.cpus();
const results = {
  schemaVersion: 1,
  quick: QUICK,
  startedAt: startedAt.toISOString(),
  finishedAt: null,
  machine: {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  },
  clients: clients.map(({ id, label, package: pkg, how }) => ({ id, label, package: pkg, how })),
  scenarios: {},
};

if (QUICK) {
  // Nothing here is a measurement: run every case at once so the smoke run stays short.
  const tasks = [];
  const quickly = limited(8);
  if (wants('footprint')) tasks.push(footprintScenario().then((r) => (results.scenarios.footprint = r)));
  if (latencyScenarios.length > 0) {
    results.scenarios.latency = {};
    for (const s of latencyScenarios)
      tasks.push(latencyScenario(s, quickly).then((r) => (results.scenarios.latency[s.id] = r)));
  }
  if (wants('batch')) tasks.push(batchScenario(quickly).then((r) => (results.scenarios.batch = r)));
  if (wants('storm')) tasks.push(stormScenario(quickly).then((r) => (results.scenarios.storm = r)));
  if (wants('multiprocess'))
    tasks.push(multiProcessScenario(quickly).then((r) => (results.scenarios.multiProcess = r)));
  if (wants('memory')) tasks.push(memorySlopeScenario().then((r) => (results.scenarios.memorySlope = r)));
  if (wants('emulator')) tasks.push(emulatorScenario().then((r) => (results.scenarios.emulator = r)));
  if (wants('bundle')) tasks.push(bundleSizes(ROOT).then((r) => (results.scenarios.bundle = r)));
  await Promise.all(tasks);
  if (results.scenarios.latency)
    results.scenarios.latency = Object.fromEntries(
      latencyScenarios.map((s) => [s.id, results.scenarios.latency[s.id]]),
    );
} else {
  // Footprint first, on a quiet machine.
  if (wants('footprint')) results.scenarios.footprint = await footprintScenario();
  if (latencyScenarios.length > 0) {
    results.scenarios.latency = {};
    for (const s of latencyScenarios) {
      // The long scenario is 70 s of idle waiting per client: the clients wait side by side (each with
      // its own emulator process); the short ones run one client at a time.
      results.scenarios.latency[s.id] = await latencyScenario(s, s.id === 'long' ? concurrent : sequential);
    }
  }
  if (wants('batch')) results.scenarios.batch = await batchScenario(sequential);
  if (wants('storm')) results.scenarios.storm = await stormScenario(sequential);
  if (wants('multiprocess')) results.scenarios.multiProcess = await multiProcessScenario(sequential);
  if (wants('memory')) results.scenarios.memorySlope = await memorySlopeScenario();
  if (wants('emulator')) results.scenarios.emulator = await emulatorScenario();
  if (wants('bundle')) results.scenarios.bundle = await bundleSizes(ROOT);
}

results.finishedAt = new Date().toISOString();
results.goals = evaluateGoals(results);
await mkdir(dirname(OUT), { recursive: true });
await writeFile(OUT, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${OUT}`);
if (WRITE_DOCS) {
  const written = await writeDocs(results, ROOT);
  for (const path of written) log(`wrote ${path}`);
}
await rm(SNAPSHOT, { recursive: true, force: true });
