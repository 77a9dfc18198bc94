// What one prediction in flight costs in memory, for replicate-media and for bare fetch(): the steady
// figures behind the noisy peak-RSS goal. A batch's peak RSS is mostly V8 heap that grows between
// major collections, and it grows with what each request in flight keeps alive (it is promoted to the
// old generation when a scavenge finds it still waiting): those two numbers move with every change
// to the request path, where one run's peak RSS moves ±10 MB with when V8 happens to collect.
//
//   npm run build && node --expose-gc bench/in-flight-memory.mjs [--concurrency 50] [--calls 500]
//
// For each client (ours with its defaults, as in the batch), against an emulator in a child process
// without rate limits:
// - live per in-flight: heap after a full GC with `concurrency` predictions held by the server (8 s),
//   minus the heap after a full GC with none in flight, ÷ concurrency;
// - allocated per call: V8's sampling heap profiler over `calls` predictions of 1 s at `concurrency`,
//   every sampled allocation counted (collected or not), ÷ calls; and the share of it in our bundle.
// Client code is warmed first (a round of predictions), so neither figure counts first-use work.
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { makeClient } from './clients.mjs';
import { startEmulatorChild } from './processes.mjs';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const { values } = parseArgs({
  options: { concurrency: { type: 'string', default: '50' }, calls: { type: 'string', default: '500' } },
});
const concurrency = Number(values.concurrency);
const calls = Number(values.calls);
const TOKEN = 'r8_InFlightBenchKey0123456789abcdefghijk';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function heapAfterGc() {
  await sleep(100); // let finished promise reactions and finalizers go first
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function withEmulator(predictMs, work) {
  const emulator = await startEmulatorChild({
    token: TOKEN,
    seed: 7,
    rateLimits: false,
    timings: { '*': { startMs: 0, predictMs } },
  });
  try {
    return await work(emulator.apiUrl);
  } finally {
    await emulator.stop();
  }
}

async function liveKbPerInFlight(id) {
  return withEmulator(8_000, async (apiUrl) => {
    const runOne = await makeClient(id, apiUrl, TOKEN);
    // Two rounds: the second one's code is compiled and its caches filled, as in a long batch.
    for (const round of [1, 2]) {
      await Promise.all(Array.from({ length: concurrency }, (_, i) => runOne(`warm-up ${round}-${i}`)));
    }
    const idle = await heapAfterGc();
    const running = Array.from({ length: concurrency }, (_, i) => runOne(`in flight ${i}`));
    await sleep(3_000); // every create sent and held by the emulator
    const busy = await heapAfterGc();
    await Promise.all(running);
    return (busy - idle) / concurrency / 1024;
  });
}

async function allocatedPerCall(id) {
  return withEmulator(1_000, async (apiUrl) => {
    const runOne = await makeClient(id, apiUrl, TOKEN);
    await Promise.all(Array.from({ length: concurrency }, (_, i) => runOne(`warm-up ${i}`)));
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < calls; i = next++) await runOne(`call ${i}`);
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    let total = 0;
    let ours = 0;
    const walk = (node) => {
      total += node.selfSize;
      if (/\/dist\/index\.js$/.test(node.callFrame.url)) ours += node.selfSize;
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    return { totalKb: total / calls / 1024, bundleKb: ours / calls / 1024 };
  });
}

const rows = [];
for (const id of ['replicate-media', 'bare-fetch']) {
  const live = await liveKbPerInFlight(id);
  const allocated = await allocatedPerCall(id);
  rows.push({ id, live, ...allocated });
}
console.log(`concurrency ${concurrency}, ${calls} calls for the allocation profile`);
console.log('client            live per in-flight   allocated per call   (in dist/index.js)');
for (const r of rows) {
  console.log(
    `${r.id.padEnd(18)}${`${r.live.toFixed(1)} KB`.padStart(18)}${`${r.totalKb.toFixed(1)} KB`.padStart(21)}${
      r.id === 'replicate-media' ? `${r.bundleKb.toFixed(1)} KB`.padStart(21) : ''
    }`,
  );
}
