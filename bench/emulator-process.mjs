// The emulator for `npm run bench`, in a process of its own so its CPU time never lands on the
// client being measured. Options come as JSON in argv[2]; the first stdout line is {"apiUrl","url"}.
// It stops when its parent closes stdin or sends SIGTERM.

import { pathToFileURL } from 'node:url';

// The bench passes a snapshot of dist/ (BENCH_DIST) so a rebuild mid-run cannot change the code under test.
const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${process.env.BENCH_DIST}/`).href
  : new URL('../dist/', import.meta.url).href;
const { startEmulator } = await import(`${dist}emulator/index.js`);

const options = JSON.parse(process.argv[2] ?? '{}');
if (options.rateLimits && options.rateLimits.createPerMinute === null) delete options.rateLimits.createPerMinute;
for (const rule of options.faults ?? []) if (rule.count === null) rule.count = Infinity;

const emulator = await startEmulator({ port: 0, ...options });
process.stdout.write(`${JSON.stringify({ apiUrl: emulator.apiUrl, url: emulator.url })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await emulator.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
