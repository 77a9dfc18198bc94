// A clock that runs `factor` times faster than real time, for the emulator and the client to share: the
// client's sleeps are divided by the factor, so waits on the emulated clock pass that much sooner.

import { defaultSleep } from '../../src/internal/sleep.js';

export interface DilatedTime {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function dilatedTime(factor: number): DilatedTime {
  const origin = performance.now();
  const epoch = Date.now();
  return {
    now: () => epoch + Math.floor((performance.now() - origin) * factor),
    sleep: (ms, signal) => defaultSleep(ms / factor, signal),
  };
}
