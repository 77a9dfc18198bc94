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

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Ids shaped like Replicate's recorded ones: 26 lowercase letters and digits, e.g. `0fqzzq8p2srgm0cjb2zaj681jr`. */
export function makeIdGenerator(random: () => number): () => string {
  return () => {
    let id = '';
    for (let i = 0; i < 26; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
    return id;
  };
}

/** File ids as recorded: opaque base64 of a UUID-shaped string (clients must not parse them). */
export function makeFileId(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  return Buffer.from(uuid).toString('base64url');
}

/** ISO 8601 with microseconds, as Replicate writes prediction timestamps (`2024-01-11T15:58:36.519406Z`). */
export function isoMicros(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  return new Date(whole).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
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
