// The emulator's clock and a scheduler that fires on it. Prediction state is computed lazily from
// the clock; the scheduler only pushes (held `Prefer: wait` requests, SSE, webhooks), so advancing
// the clock by hand drives every deadline exactly as waiting would.

export class Clock {
  private offsetMs = 0;
  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advanceClock needs a finite, non-negative ms (got ${ms})`);
    this.offsetMs += ms;
  }
}

interface Task {
  atMs: number;
  seq: number;
  run: () => void;
}

/** Runs callbacks when the emulator clock reaches a time, whether real time passes or the clock is advanced. */
export class Scheduler {
  private tasks: Task[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedForMs = Infinity;
  private running = false;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Schedules `run` at clock time `atMs`; returns a function that cancels it. */
  at(atMs: number, run: () => void): () => void {
    if (this.closed) return () => {};
    const task: Task = { atMs, seq: this.seq++, run };
    // Keep the list sorted by time, then by insertion order.
    let lo = 0;
    let hi = this.tasks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.tasks[mid]!;
      if (other.atMs < atMs || (other.atMs === atMs && other.seq < task.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.tasks.splice(lo, 0, task);
    this.arm();
    return () => {
      const i = this.tasks.indexOf(task);
      if (i >= 0) this.tasks.splice(i, 1);
    };
  }

  after(delayMs: number, run: () => void): () => void {
    return this.at(this.clock.now() + delayMs, run);
  }

  /** Runs every task that is due now. Called by the timer, after `advanceClock`, and on every request. */
  runDue(): void {
    if (this.running) return;
    this.running = true;
    try {
      while (this.tasks.length > 0 && this.tasks[0]!.atMs <= this.clock.now()) {
        const task = this.tasks.shift()!;
        try {
          task.run();
        } catch {
          // A push that throws must not stop the others; the state it pushes is recomputed on the next read.
        }
      }
    } finally {
      this.running = false;
    }
    this.arm();
  }

  clear(): void {
    this.tasks = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedForMs = Infinity;
  }

  close(): void {
    this.clear();
    this.closed = true;
  }

  private arm(): void {
    if (this.closed) return;
    const next = this.tasks[0];
    if (!next) return;
    if (this.timer && this.armedForMs <= next.atMs) return;
    if (this.timer) clearTimeout(this.timer);
    // The clock may be someone else's (the `now` option), so re-check when the timer fires.
    const delayMs = Math.min(Math.max(0, next.atMs - this.clock.now()), 2_147_000_000);
    this.armedForMs = next.atMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedForMs = Infinity;
      this.runDue();
    }, delayMs);
    this.timer.unref();
  }
}
