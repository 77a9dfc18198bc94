// A load generator for the emulator-vs-Prism scenario, in a process of its own (its CPU never lands on
// the server measured). Input: JSON in argv[2] { url, token, method, n, concurrency, body? }; `url` may
// contain `{id}`, replaced round-robin by `ids`. Output: one JSON line { n, ok, statuses, totalMs,
// requestsPerSecond, latencyMs: { p50, p95, max }, bytesPerResponse, ids } (ids: the `id` of each 2xx JSON
// answer, when asked).
// Plain node:http with a keep-alive pool of `concurrency` sockets: what a test suite's client would use.

import http from 'node:http';

const task = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: task.concurrency });
const body = task.body === undefined ? undefined : JSON.stringify(task.body);
const headers = {
  authorization: `Bearer ${task.token}`,
  accept: 'application/json',
  ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
};
const ids = task.ids ?? [];

function once(index) {
  const url = new URL(task.url.replace('{id}', ids.length ? ids[index % ids.length] : 'none'));
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(url, { method: task.method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        let id = null;
        if (task.collectIds && res.statusCode < 300) {
          try {
            id = JSON.parse(Buffer.concat(chunks).toString('utf8')).id ?? null;
          } catch {}
        }
        resolve({
          status: res.statusCode,
          ms: performance.now() - started,
          id,
          bytes: chunks.reduce((n, c) => n + c.length, 0),
        });
      });
      res.on('error', () => resolve({ status: 0, ms: performance.now() - started, id: null }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started, id: null }));
    req.end(body);
  });
}

const latencies = new Array(task.n);
const statuses = {};
const collected = [];
let bytes = 0;
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Math.min(task.concurrency, task.n) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= task.n) return;
      const r = await once(index);
      latencies[index] = r.ms;
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      bytes += r.bytes ?? 0;
      if (r.id) collected.push(r.id);
    }
  }),
);
const totalMs = performance.now() - t0;
const sorted = latencies.sort((a, b) => a - b);
const pick = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const ok = Object.entries(statuses)
  .filter(([s]) => Number(s) >= 200 && Number(s) < 300)
  .reduce((sum, [, c]) => sum + c, 0);
process.stdout.write(
  `${JSON.stringify({
    n: task.n,
    ok,
    statuses,
    totalMs,
    requestsPerSecond: (task.n / totalMs) * 1000,
    latencyMs: { p50: pick(50), p95: pick(95), max: sorted.at(-1) },
    bytesPerResponse: Math.round(bytes / task.n),
    ids: task.collectIds ? collected.slice(0, 1_000) : undefined,
  })}\n`,
  () => process.exit(0),
);
