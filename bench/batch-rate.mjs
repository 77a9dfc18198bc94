// Benchmark: how close a batch comes to the pace Replicate's rate limit allows, against the emulator's
// default limits (600 creates a minute, a bucket of a minute's worth), in real time.
//
//   npm run build && node bench/batch-rate.mjs [--concurrency 16] [--predict-ms 0] [--dilation 1]
//
// A 300-prompt batch on a fresh bucket fits the 600-create burst: the limit allows it at once. So a
// 600-prompt batch spends the burst first and the 300-prompt batch right after it is measured. Over
// both, the emulator accepts at most 600 + 10/s × (time since the first create) creates, so the
// second can end no sooner than 30 s after the first began: its minimum is 30 s minus the first's
// duration. Predictions finish at once by default (--predict-ms 0), so that the limit, not the
// model, is what the batch waits for; downloads are on, as in the CLI.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../dist/emulator/index.js';
import { DEFAULT_RATE_LIMIT, ReplicateClient } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    'predict-ms': { type: 'string', default: '0' },
    dilation: { type: 'string', default: '1' },
    'no-download': { type: 'boolean', default: false },
  },
});
const concurrency = Number(values.concurrency);
const predictMs = Number(values['predict-ms']);
const dilation = Number(values.dilation);

// One clock for both sides; with --dilation K it runs K times faster than real time.
const origin = performance.now();
const epoch = Date.now();
const now = () => epoch + Math.floor((performance.now() - origin) * dilation);
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms / dilation);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

const apiKey = 'r8_BenchKey0123456789abcdefghijklmnopqrs';
const emu = await startEmulator({ token: apiKey, now, timings: { '*': { startMs: 0, predictMs } }, imageMaxSide: 64 });
const dir = await mkdtemp(join(tmpdir(), 'batch-rate-bench-'));
const client = new ReplicateClient({ apiKey, baseUrl: emu.apiUrl, now, sleep, preferWaitSeconds: 60 });
const prompts = (n, tag) => Array.from({ length: n }, (_, i) => `${tag} ${i}`);
const options = { concurrency, ...(values['no-download'] ? {} : { download: { dir } }) };
try {
  const firstStart = now();
  const first = await client.generateImages(prompts(600, 'first'), options);
  const secondStart = now();
  const second = await client.generateImages(prompts(300, 'second'), options);
  const secondEnd = now();
  const stats = emu.stats();
  const failed = [...first, ...second].filter((r) => !r.success).length;
  const perMs = DEFAULT_RATE_LIMIT.createsPerMinute / 60_000;
  const firstMs = secondStart - firstStart;
  const secondMs = secondEnd - secondStart;
  const minimumMs = Math.max(0, 300 / perMs - firstMs);
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `concurrency ${concurrency}, predict ${predictMs} ms, downloads ${options.download ? 'on' : 'off'}, clock x${dilation}`,
  );
  console.log(`first batch (600 prompts, spends the burst): ${s(firstMs)}`);
  console.log(`second batch (300 prompts):                  ${s(secondMs)}`);
  console.log(`minimum the limit allows for the second:     ${s(minimumMs)}`);
  console.log(
    `ratio:                                       ${minimumMs > 0 ? (secondMs / minimumMs).toFixed(3) : 'n/a (the limit never bound)'}`,
  );
  console.log(
    `429 responses: ${stats.responsesByStatus['429'] ?? 0}; predictions created: ${stats.predictionsCreated}; failed: ${failed}`,
  );
} finally {
  await client.close();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
}
