// Virtual time for the limiter tests: sleeps are timers on a clock that jumps straight to the next
// wake-up once everything else has settled, so many concurrent sleepers see one consistent clock.

export interface VirtualTime {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Runs `work` to completion, advancing the clock whenever every task is asleep. */
  run<T>(work: Promise<T>): Promise<T>;
}

export function virtualTime(startMs = 1_700_000_000_000): VirtualTime {
  let t = startMs;
  let seq = 0;
  const timers: Array<{ atMs: number; seq: number; wake: () => void }> = [];
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => t,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        timers.push({ atMs: t + Math.max(0, ms), seq: seq++, wake: resolve });
      }),
    async run(work) {
      let finished = false;
      const result = work.finally(() => {
        finished = true;
      });
      result.catch(() => {});
      while (!finished) {
        await settle();
        if (finished || timers.length === 0) continue;
        timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
        const next = timers.shift()!;
        t = Math.max(t, next.atMs);
        next.wake();
      }
      return result;
    },
  };
}
