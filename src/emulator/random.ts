// Seeded randomness, so ids, seeds and fault probabilities repeat from run to run.

/** A small, fast seeded generator (mulberry32): returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Ids shaped like Replicate's: 26 lowercase base32 characters, e.g. `gm3qorzdhgbfurvjtvhg6dckhu`. */
export function makeIdGenerator(random: () => number): () => string {
  return () => {
    let id = '';
    for (let i = 0; i < 26; i++) id += BASE32[Math.floor(random() * 32)];
    return id;
  };
}

/** A 32-bit hash of a string (FNV-1a), to derive stable numbers from names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
