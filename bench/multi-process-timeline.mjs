// Diagnostic for the many-processes scenario: K client processes on one key (one emulator at the real
// 600/min create limit, each process behind its own counting proxy), and what happened second by second:
// results per process, then every create in send order as `process:ratelimit-remaining`. Use it to see
// where a run lost rate (a process left finishing alone, lumps at the end of the burst, the key idle).
//
//   npm run build && node bench/multi-process-timeline.mjs [K=4] [N=1000] [concurrency=50]
//
// Same workers and emulator as `npm run bench` (bench/worker.mjs, bench/emulator-process.mjs).
import { runWorkerChild, startEmulatorChild } from './processes.mjs';

const K = Number(process.argv[2] ?? 4);
const N = Number(process.argv[3] ?? 1000);
const CONCURRENCY = Number(process.argv[4] ?? 50);
const TOKEN = 'r8_BenchKey0123456789abcdefghijklmnopqrs';

const emulator = await startEmulatorChild({ seed: 7, rateLimits: { createPerMinute: 600 }, countingProxies: K });
try {
  const reports = await Promise.all(
    emulator.proxies.map((proxy, p) =>
      runWorkerChild({
        client: 'replicate-media',
        apiUrl: proxy.apiUrl,
        token: TOKEN,
        concurrency: Math.max(1, Math.round(CONCURRENCY / K)),
        watchdogMs: 600_000,
        jobs: Array.from({ length: N / K }, (_, j) => ({ prompt: `timeline k${K} p${p} #${j}` })),
      }),
    ),
  );
  const t0 = Math.min(...reports.map((r) => r.firstStartMs));
  const end = Math.max(...reports.map((r) => r.lastResultMs));
  const failures = reports.flatMap((r) => r.records).filter((r) => !r.ok).length;
  console.log(`K=${K}: ${(end - t0) / 1000} s, ${failures} failed; each process's last result at:`);
  console.log(reports.map((r) => ((r.lastResultMs - t0) / 1000).toFixed(2)).join(' '));
  console.log('\nsecond  results per process  sum');
  const seconds = Math.ceil((end - t0) / 1000);
  const rows = reports.map((r) => {
    const perSecond = new Array(seconds + 1).fill(0);
    for (const record of r.records) perSecond[Math.floor((record.resultAtMs - t0) / 1000)] += 1;
    return perSecond;
  });
  for (let s = 0; s <= seconds; s++) {
    const cells = rows.map((perSecond) => String(perSecond[s]).padStart(3));
    console.log(
      `${String(s).padStart(6)}  ${cells.join(' ')}  ${rows.reduce((sum, perSecond) => sum + perSecond[s], 0)}`,
    );
  }
  const stats = await Promise.all(emulator.proxies.map((p) => fetch(`${p.url}/_proxy/stats`).then((r) => r.json())));
  const creates = stats.flatMap((p, i) => p.creates.map(([sentAtMs, , remaining]) => [sentAtMs, remaining, i]));
  creates.sort((a, b) => a[0] - b[0]);
  console.log('\ncreates in send order, process:remaining, per half second');
  let line = -1;
  let text = '';
  for (const [sentAtMs, remaining, p] of creates) {
    const half = Math.floor((sentAtMs - t0) / 500);
    if (half !== line) {
      if (text) console.log(text);
      line = half;
      text = `${(half / 2).toFixed(1).padStart(6)}:`;
    }
    text += ` ${p}:${remaining}`;
  }
  console.log(text);
} finally {
  await emulator.stop();
}
