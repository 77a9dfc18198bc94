// The emulator's clock and a scheduler that fires on it. Prediction state is computed lazily from
// the clock; the scheduler only pushes (held `Prefer: wait` requests, SSE, webhooks), so advancing
// the clock by hand drives every deadline exactly as waiting would.

export class Clock {
  private offsetMs = 0;
  /** A server clock that is simply wrong (EmulatorOptions.clockOffsetMs): may be negative, unlike `advance`. */
  private skewMs = 0;
  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs + this.skewMs;
  }

  get skew(): number {
    return this.skewMs;
  }

  /** Sets how far the clock is off (ms, negative = behind). Meant for before predictions exist: moving it back rewinds them. */
  setSkew(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`clock offset must be a finite number of ms (got ${ms})`);
    this.skewMs = ms;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advanceClock needs a finite, non-negative ms (got ${ms})`);
    this.offsetMs += ms;
  }
}

interface Task {
  atMs: number;
  seq: number;
  run: () => void;
  canceled: boolean;
}

/** Earlier time first, then insertion order. */
function before(a: Task, b: Task): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** A binary min-heap of tasks: benchmarks schedule tens of thousands. */
class TaskHeap {
  private readonly items: Task[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Task | undefined {
    return this.items[0];
  }

  push(task: Task): void {
    // Sift up: parents due after the task move down into the hole; the task goes where the hole stops.
    const items = this.items;
    let i = items.length;
    items.push(task);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent];
      if (above === undefined || !before(task, above)) break;
      items[i] = above;
      i = parent;
    }
    items[i] = task;
  }

  pop(): Task | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    // Sift down: the last task fills the root's hole; the earlier child moves up while it is due before it.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      let child = items[l];
      let c = l;
      if (child === undefined) break;
      const right = items[l + 1];
      if (right !== undefined && before(right, child)) {
        child = right;
        c = l + 1;
      }
      if (!before(child, last)) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** Runs callbacks when the emulator clock reaches a time, whether real time passes or the clock is advanced. */
export class Scheduler {
  private readonly tasks = new TaskHeap();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  /**
   * When the armed timer fires, on the monotonic clock (`performance.now()`), not the emulator's: the
   * emulator's clock jumps (`advanceClock`, an offset, an injected `now`), and a timer armed for clock time
   * T before a jump of J fires at T + J. Kept as a clock time, a jump past T left the timer trusted for
   * every task due after T, so tasks scheduled after the jump waited out its old real delay (a held
   * `Prefer: wait` create hung for as long as the slow prediction it jumped past had left to run).
   */
  private timerFiresAtMonoMs = Infinity;
  private running = false;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Schedules `run` at clock time `atMs`; returns a function that cancels it. */
  at(atMs: number, run: () => void): () => void {
    if (this.closed) return () => {};
    const task: Task = { atMs, seq: this.seq++, run, canceled: false };
    this.tasks.push(task);
    this.arm();
    return () => {
      task.canceled = true;
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
      for (let next = this.tasks.peek(); next && next.atMs <= this.clock.now(); next = this.tasks.peek()) {
        this.tasks.pop();
        if (next.canceled) continue;
        try {
          next.run();
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
    this.tasks.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerFiresAtMonoMs = Infinity;
  }

  close(): void {
    this.clear();
    this.closed = true;
  }

  private arm(): void {
    if (this.closed) return;
    let next = this.tasks.peek();
    while (next?.canceled) {
      this.tasks.pop();
      next = this.tasks.peek();
    }
    if (!next) return;
    // The clock may be someone else's (the `now` option), so re-check when the timer fires.
    const delayMs = Math.min(Math.max(0, next.atMs - this.clock.now()), 2_147_000_000);
    const firesAtMonoMs = performance.now() + delayMs;
    // The armed timer serves if it fires no later than the earliest task is due, in real time.
    if (this.timer && this.timerFiresAtMonoMs <= firesAtMonoMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerFiresAtMonoMs = firesAtMonoMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerFiresAtMonoMs = Infinity;
      this.runDue();
    }, delayMs);
    this.timer.unref();
  }
}
