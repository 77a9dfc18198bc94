// The emulator for `npm run bench`, in a process of its own so its CPU time never lands on the
// client being measured. Options come as JSON in argv[2]; the first stdout line is {"apiUrl","url"}.
// It stops when its parent closes stdin or sends SIGTERM.
//
// With `countingProxies: K` it also starts K forwarding proxies in this process (one per client process
// of the many-processes scenario): the emulator counts per key, and the key is shared, so each client
// process talks to its own proxy, which counts the statuses it forwards (`GET /_proxy/stats`). The
// first line then also carries `proxies: [{ apiUrl, url }]`.

import http from 'node:http';
import { pathToFileURL } from 'node:url';

// The bench passes a snapshot of dist/ (BENCH_DIST) so a rebuild mid-run cannot change the code under test.
const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${process.env.BENCH_DIST}/`).href
  : new URL('../dist/', import.meta.url).href;
const { startEmulator } = await import(`${dist}emulator/index.js`);

const options = JSON.parse(process.argv[2] ?? '{}');
const proxyCount = options.countingProxies ?? 0;
delete options.countingProxies;
if (options.rateLimits && options.rateLimits.createPerMinute === null) delete options.rateLimits.createPerMinute;
for (const rule of options.faults ?? []) if (rule.count === null) rule.count = Infinity;

const emulator = await startEmulator({ port: 0, ...options });

/** A proxy to the emulator that counts the statuses of what it forwards; bodies stream through. */
async function countingProxy(target) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1_000 });
  const responsesByStatus = {};
  // Creates as this proxy saw them: [sent, answered, the key's ratelimit-remaining], wall-clock ms.
  const creates = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/_proxy/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ responsesByStatus, creates }));
      return;
    }
    const sentAtMs = Date.now();
    const isCreate = req.method === 'POST' && /\/predictions\/?$/.test(req.url ?? '');
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        responsesByStatus[answer.statusCode] = (responsesByStatus[answer.statusCode] ?? 0) + 1;
        if (isCreate) creates.push([sentAtMs, Date.now(), Number(answer.headers['ratelimit-remaining'] ?? Number.NaN)]);
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, apiUrl: `${url}${new URL(emulator.apiUrl).pathname}`, close: () => server.close() };
}
const proxies = [];
for (let i = 0; i < proxyCount; i++) proxies.push(await countingProxy(emulator.url));

process.stdout.write(
  `${JSON.stringify({ apiUrl: emulator.apiUrl, url: emulator.url, proxies: proxies.map(({ url, apiUrl }) => ({ url, apiUrl })) })}\n`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const proxy of proxies) proxy.close();
  await emulator.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
