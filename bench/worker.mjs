// One client's share of one scenario, in a fresh process so its timings and its peak RSS are its own.
// Input: JSON in argv[2] { client, apiUrl, token, jobs: [{ prompt, startAtOffsetMs }], concurrency, watchdogMs,
// clientOptions? } (clientOptions: passed to replicate-media's constructor, for the memory slope only).
// Output: one JSON line on stdout with a record per job (wall-clock ms of start and of the result).

import { makeClient } from './clients.mjs';

const task = JSON.parse(process.argv[2]);
const rssAtStartBytes = process.memoryUsage().rss;
const runOne = await makeClient(task.client, task.apiUrl, task.token, task.clientOptions);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const t0 = Date.now();
const records = new Array(task.jobs.length);
let next = 0;

async function lane() {
  for (;;) {
    const index = next++;
    if (index >= task.jobs.length) return;
    const job = task.jobs[index];
    const waitMs = t0 + (job.startAtOffsetMs ?? 0) - Date.now();
    if (waitMs > 0) await sleep(waitMs);
    const startedAtMs = Date.now();
    let watchdog;
    const outcome = await Promise.race([
      runOne(job.prompt).catch((error) => ({ ok: false, predictionId: null, error: `threw: ${String(error)}` })),
      new Promise((resolve) => {
        watchdog = setTimeout(
          () =>
            resolve({ ok: false, predictionId: null, error: `bench watchdog: no answer within ${task.watchdogMs} ms` }),
          task.watchdogMs,
        );
      }),
    ]);
    clearTimeout(watchdog);
    records[index] = { prompt: job.prompt, startedAtMs, resultAtMs: Date.now(), ...outcome };
  }
}

await Promise.all(Array.from({ length: Math.min(task.concurrency, task.jobs.length) }, lane));
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    records,
    firstStartMs: Math.min(...records.map((r) => r.startedAtMs)),
    lastResultMs: Math.max(...records.map((r) => r.resultAtMs)),
    peakRssBytes: usage.maxRSS * 1024,
    rssAtStartBytes,
    cpuUserMs: usage.userCPUTime / 1000,
    cpuSystemMs: usage.systemCPUTime / 1000,
  })}\n`,
  () => process.exit(0),
);
