// The one default sleep. It rejects with the signal's reason on abort, so a caller that awaits it alone
// (a download's retry wait) stops at once; the transport races it against the abort anyway.

import type { SleepFn } from '../types/prediction.js';

/** A timer of `ms` milliseconds that rejects with `signal.reason` as soon as `signal` aborts. */
export const defaultSleep: SleepFn = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
