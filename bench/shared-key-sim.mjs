// Simulation of K processes on one key, on virtual time: the client's own rate limiter (dist/rate-limiter.js)
// against the emulator's bucket (600 creates a minute), each create answered a second after it is sent
// (a held `Prefer: wait` of flux-schnell). A full run of every case takes about a second, so change the
// limiter, `npm run build`, and rerun; then confirm on real processes with bench/multi-process-timeline.mjs.
//
//   npm run build && node bench/shared-key-sim.mjs [--k 2,4,8] [--seeds 7,11,13] [--trace K-SEED]
//
// Each case prints, per seed: when each process's last create was answered (s), the fleet's % of the
// rate the limit allows (41 s is the minimum for 1 000 creates, 50 in flight), and the 429s per process.
// Cases: "jitter": answers 1.0-1.1 s, 0-30 ms between send and the server; "in step": every answer
// exactly 1 s, processes starting 60 ms apart, so each one's workers go together (as in the real bench,
// where this is what makes one process win the burst's last tokens); "late": one process starts 1 s late;
// "light": two batches and a one-at-a-time client. --trace prints the shares second by second.
import { parseArgs } from 'node:util';
import { RateLimiter as EmulatorBucket } from '../dist/emulator/rate-limit.js';
import { RateLimiter } from '../dist/rate-limiter.js';

const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '2,4,8' },
    seeds: { type: 'string', default: '7,11,13' },
    trace: { type: 'string' },
  },
});
const KS = values.k.split(',').map(Number);
const SEEDS = values.seeds.split(',').map(Number);

/** Sleeps are timers on a clock that jumps to the next wake-up once every task is asleep. */
function virtualTime(startMs = 1_700_000_000_000) {
  let t = startMs;
  let seq = 0;
  const timers = [];
  return {
    now: () => t,
    sleep: (ms) => new Promise((wake) => timers.push({ atMs: t + Math.max(0, ms), seq: seq++, wake })),
    async run(work) {
      let finished = false;
      const result = work.finally(() => {
        finished = true;
      });
      while (!finished) {
        await new Promise((resolve) => setImmediate(resolve));
        if (finished || timers.length === 0) continue;
        timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
        const next = timers.shift();
        t = Math.max(t, next.atMs);
        next.wake();
      }
      return result;
    },
  };
}

/** One fleet: `lanes[c]` workers and `work[c]` creates for process c. */
async function fleet({ lanes, work, seed, jitterMs = 0, inStepMs = 0, lateMs = 0, trace = false }) {
  const time = virtualTime();
  let state = seed;
  const random = () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
  const k = lanes.length;
  const server = new EmulatorBucket({ create: 600, other: 3000 }, time.now);
  const clients = Array.from({ length: k }, () => new RateLimiter({}, time.now));
  const refused = new Array(k).fill(0);
  const left = [...work];
  const endAt = new Array(k).fill(0);
  const start = time.now();
  let lastRemaining = 0;
  let done = false;
  const lane = async (c) => {
    const limiter = clients[c];
    if (c === 0 && lateMs) await time.sleep(lateMs);
    if (inStepMs) await time.sleep(c * inStepMs);
    while (left[c] > 0) {
      left[c] -= 1;
      for (;;) {
        await limiter.acquire('create', time.sleep, () => false);
        const sentAt = time.now();
        if (jitterMs) await time.sleep(Math.floor(random() * jitterMs));
        const decision = server.take('create', 'one key');
        lastRemaining = decision.remaining;
        const headers = new Headers({
          'ratelimit-remaining': String(decision.remaining),
          'ratelimit-reset': String(decision.resetSeconds),
        });
        if (!decision.allowed) {
          refused[c] += 1;
          limiter.observe('create', headers, sentAt);
          await time.sleep(decision.retryAfterSeconds * 1000);
          continue;
        }
        await time.sleep(inStepMs ? 1000 : 1000 + Math.floor(random() * 100));
        limiter.observe('create', headers, sentAt);
        break;
      }
    }
    endAt[c] = Math.max(endAt[c], time.now() - start);
  };
  const lines = [];
  const sampler = async () => {
    while (!done) {
      await time.sleep(1000);
      const shares = clients.map((l, i) => `${l.createShare.toFixed(2)}/${left[i]}`).join(' ');
      lines.push(
        `${String(Math.round((time.now() - start) / 1000)).padStart(4)} s  remaining ${String(lastRemaining).padStart(3)}  share/left ${shares}`,
      );
    }
  };
  const workers = clients.flatMap((_, c) => Array.from({ length: lanes[c] }, () => lane(c)));
  await time.run(Promise.all([sampler(), Promise.all(workers).then(() => (done = true))]));
  if (trace) console.log(lines.join('\n'));
  return { endMs: Math.max(...endAt), endAt, refused };
}

const cell = (r, minimumMs) =>
  `[${r.endAt.map((ms) => (ms / 1000).toFixed(1)).join(' ')}] ${((100 * minimumMs) / r.endMs).toFixed(1)}% 429s ${r.refused.join('/')}`;

for (const [name, extra] of [
  ['jitter', { jitterMs: 30 }],
  ['in step', { inStepMs: 60 }],
  ['late', { jitterMs: 30, lateMs: 1_000 }],
]) {
  for (const k of KS) {
    const cells = [];
    for (const seed of SEEDS) {
      const lanes = new Array(k).fill(Math.round(50 / k));
      const r = await fleet({
        lanes,
        work: new Array(k).fill(1_000 / k),
        seed,
        ...extra,
        trace: values.trace === `${k}-${seed}` && name === 'in step',
      });
      cells.push(cell(r, 41_000));
    }
    console.log(`${name.padEnd(8)} K=${k}: ${cells.join(' | ')}`);
  }
}
for (const seed of SEEDS) {
  const r = await fleet({ lanes: [20, 20, 1], work: [450, 450, 60], seed, jitterMs: 30 });
  console.log(
    `light    two batches of 450 and one client of 60 at one a time (alone: ~60 s): ${cell(r, 41_000).replace(/ \S+%/, '')}`,
  );
}
