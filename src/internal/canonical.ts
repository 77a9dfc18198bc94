// Comparing a prediction's input with what was sent, to recognise the prediction a lost create made
// (live adoption in api.ts, and resume after a crash): the server may add defaults and reorder keys.

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
export function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    ) ?? 'undefined'
  );
}

/** True when every field sent comes back with the same value (the server may add defaults). */
export function inputMatches(sent: Record<string, unknown>, echoed: unknown): boolean {
  if (typeof echoed !== 'object' || echoed === null) return false;
  const server = echoed as Record<string, unknown>;
  return Object.entries(sent).every(([key, value]) => canonical(value) === canonical(server[key]));
}
