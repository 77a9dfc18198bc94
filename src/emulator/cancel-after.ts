// Parses the `Cancel-After` request header: `30s`, `5m`, `1h30m45s`, or a bare number of seconds.
// Replicate rejects deadlines under five seconds.

export const MIN_CANCEL_AFTER_MS = 5_000;

/** Returns the duration in ms, or an error message naming what is wrong. */
export function parseCancelAfter(header: string): { ms: number } | { error: string } {
  const text = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
    if (!match || text === '')
      return {
        error: `Cancel-After: cannot parse ${JSON.stringify(header)}; use e.g. 30s, 5m, 1h30m or a number of seconds`,
      };
    ms = (Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)) * 1000;
  }
  if (ms < MIN_CANCEL_AFTER_MS) return { error: `Cancel-After: the minimum is 5s (got ${JSON.stringify(header)})` };
  return { ms };
}
