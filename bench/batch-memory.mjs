// Benchmark: what long batches keep in memory. The emulator runs in a child process, so the heap
// measured (after a full GC) is the client's alone. Several batches run back to back on one client:
// with the results held, the heap grows by about the size of the results; once they are released it
// must come back to a level that does not climb from batch to batch (the pool and the client keep
// nothing per prompt).
//
//   npm run build && node --expose-gc bench/batch-memory.mjs [--prompts 4000] [--rounds 3] [--concurrency 16]
//
// Rate limits are off on both sides (this measures memory, not pace) and predictions finish at once.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ReplicateClient } from '../dist/index.js';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
  },
});
const total = Number(values.prompts);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const apiKey = 'r8_MemoryBenchKey0123456789abcdefghijklm';

const emulatorScript = `
  const { startEmulator } = await import(${JSON.stringify(new URL('../dist/emulator/index.js', import.meta.url).href)});
  const emu = await startEmulator({ token: ${JSON.stringify(apiKey)}, rateLimits: false, timings: { '*': { startMs: 0, predictMs: 0 } }, imageMaxSide: 16 });
  console.log(emu.apiUrl);
  // Forget finished predictions now and then: the emulator's memory is not what is measured.
  setInterval(() => emu.reset(), 2000);
`;
const child = spawn(process.execPath, ['--input-type=module', '-e', emulatorScript], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const apiUrl = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));

const heapMb = async () => {
  await new Promise((resolve) => setTimeout(resolve, 10)); // let finished promise reactions go first
  globalThis.gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const client = new ReplicateClient({ apiKey, baseUrl: apiUrl, rateLimit: false });
try {
  const startMb = await heapMb();
  console.log(
    `${rounds} batches of ${total} prompts, concurrency ${concurrency}; heap at start ${startMb.toFixed(1)} MB`,
  );
  for (let round = 1; round <= rounds; round++) {
    let results = await client.generateImages(
      Array.from({ length: total }, (_, i) => `memory ${round}-${i}`),
      { concurrency },
    );
    const failed = results.filter((r) => !r.success).length;
    const resultsMb = Buffer.byteLength(JSON.stringify(results)) / 2 ** 20;
    const heldMb = await heapMb();
    results = null;
    const releasedMb = await heapMb();
    console.log(
      `batch ${round}: ${failed} failed; heap ${heldMb.toFixed(1)} MB holding the results (${resultsMb.toFixed(1)} MB as JSON), ` +
        `${releasedMb.toFixed(1)} MB once released`,
    );
  }
} finally {
  await client.close();
  child.kill();
}
