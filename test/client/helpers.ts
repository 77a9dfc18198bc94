// Shared helpers for the client tests: a fast emulator on loopback, a client pointed at it, and a
// fake clock whose sleep records each requested delay and returns at once.

import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { ReplicateClient, type ReplicateClientOptions } from '../../src/index.js';

/** The key every test client uses; tests assert it never leaks. */
export const API_KEY = 'r8_TestKeyThatMustNeverLeak0123456789abcd';

/** Short timings so predictions finish in tens of milliseconds. */
export const FAST: EmulatorOptions = { timings: { '*': { startMs: 5, predictMs: 20 } } };

export function startFast(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ ...FAST, token: API_KEY, ...options });
}

/** One fast emulator for a test file, reset before each test; `use` receives it once started. */
export function useEmulator(use: (emu: Emulator) => void, options: EmulatorOptions = {}): void {
  let emu: Emulator | undefined;
  beforeAll(async () => {
    emu = await startFast(options);
    use(emu);
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu?.reset();
  });
}

/** A clock that only moves when the client sleeps; every sleep is recorded. */
export interface FakeTime {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Every delay the client asked for, in order. */
  sleeps: number[];
  advance(ms: number): void;
}

/**
 * Fake time: sleeping advances the clock by the requested amount and yields to the event loop for
 * `realMs` (so the emulator's real-time lifecycle can progress while the client polls).
 */
export function fakeTime(realMs = 2): FakeTime {
  let t = Date.now();
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleeps,
    advance(ms) {
      t += ms;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
      await new Promise((resolve) => setTimeout(resolve, realMs));
    },
  };
}

/** A client for the emulator with fake time, no jitter, and a log that is captured. */
export function clientFor(
  emu: Emulator,
  options: ReplicateClientOptions = {},
  time: FakeTime = fakeTime(),
): { client: ReplicateClient; time: FakeTime; logs: string[] } {
  const logs: string[] = [];
  const capture = (line: string): void => {
    logs.push(line);
  };
  const client = new ReplicateClient({
    apiKey: API_KEY,
    baseUrl: emu.apiUrl,
    now: time.now,
    sleep: time.sleep,
    retry: { jitterRatio: 0 },
    logger: { debug: capture, info: capture, warn: capture, error: capture },
    ...options,
  });
  return { client, time, logs };
}

/**
 * The waits of a lost create's settle window: looks 250 ms apart, doubling, until the create may be sent
 * again `untilMs` after the loss (DEFAULT_CREATE_SETTLE_MS, or the retry's wait when longer).
 */
export function settleWaits(untilMs: number): number[] {
  const waits: number[] = [];
  let elapsed = 0;
  for (let wait = 250; elapsed < untilMs; wait *= 2) {
    const next = Math.min(wait, untilMs - elapsed);
    waits.push(next);
    elapsed += next;
  }
  return waits;
}
