// The scrubbing of API answers (`redactSecretDeep`, applied by the transport to every parsed answer):
// wherever a server hides the key in a JSON value, it is gone; a value without it is returned unchanged.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsSecret, isSecretShaped, REDACTED, redactSecretDeep } from '../../src/redact.js';
import { REAL_SHAPED_KEY } from './servers.js';

/** Puts `key` into one string (value or object key) of `value`, chosen by `pick`, glued to its neighbours. */
function plant(value: unknown, key: string, pick: number): { value: unknown; planted: boolean } {
  let n = 0;
  let planted = false;
  const chosen = (): boolean => {
    const hit = n === pick;
    n += 1;
    if (hit) planted = true;
    return hit;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return chosen() ? `${v}${key}${v}` : v;
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [chosen() ? k + key : k, walk(item)]));
    }
    return v;
  };
  return { value: walk(value), planted };
}

describe('redactSecretDeep', () => {
  it('removes the key from any string or object key at any depth, and nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(40), (json, pick) => {
        const { value, planted } = plant(json, REAL_SHAPED_KEY, pick);
        const out = redactSecretDeep(value, REAL_SHAPED_KEY);
        expect(JSON.stringify(out)).not.toContain(REAL_SHAPED_KEY);
        if (planted) expect(JSON.stringify(out)).toContain(REDACTED);
        else expect(out).toBe(value); // untouched: the same object
      }),
      { numRuns: 300 },
    );
  });

  it('reaches past the recursion depth (a hostile answer nested 2,000 levels)', () => {
    let deep: unknown = { logs: `key ${REAL_SHAPED_KEY}` };
    for (let i = 0; i < 2_000; i++) deep = [deep];
    const out = redactSecretDeep(JSON.parse(JSON.stringify(deep)) as unknown, REAL_SHAPED_KEY);
    expect(JSON.stringify(out)).not.toContain(REAL_SHAPED_KEY);
  });

  it('leaves answers alone for a short key: `test` is a word, not a secret', () => {
    const answer = { input: { prompt: 'a test pattern' }, logs: 'test 1 of 3' };
    expect(isSecretShaped('test')).toBe(false);
    expect(redactSecretDeep(answer, 'test')).toBe(answer);
    expect(containsSecret('a test pattern', 'test')).toBe(false);
    expect(containsSecret(`x${REAL_SHAPED_KEY}x`, REAL_SHAPED_KEY)).toBe(true);
  });
});
