// Keeping the API key out of everything the library hands back or writes: log lines, error messages
// and details, results. Every such string passes through a Redactor built from the configured key.

/** What a redacted secret is replaced with. */
export const REDACTED = '[REDACTED]';

// Replicate tokens look like `r8_` + 37 characters (in either scheme, `Bearer r8_…` or `Token r8_…`);
// also catch any `Bearer …` credential a server or a proxy might echo back, whoever's key it is.
// (Not `Token …` in general: "Token expired" is prose.)
const TOKEN_PATTERN = /\br8_[A-Za-z0-9]{8,}/g;
const AUTH_PATTERN = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Removes secrets from a string. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor that removes `secret` (the API key) wherever it appears, plus anything shaped
 * like a Replicate token or an Authorization credential.
 */
export function createRedactor(secret: string | null | undefined): Redactor {
  const key = secret && secret.length >= 4 ? secret : null;
  return (text: string): string => {
    let out = text;
    if (key) out = out.split(key).join(REDACTED);
    return out.replace(TOKEN_PATTERN, REDACTED).replace(AUTH_PATTERN, `$1 ${REDACTED}`);
  };
}

/** Redacts a value of unknown shape for a log line: strings are redacted, the rest JSON-encoded first. */
export function redactValue(value: unknown, redact: Redactor): string {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return redact(`${value.name}: ${value.message}`);
  try {
    return redact(JSON.stringify(value) ?? String(value));
  } catch {
    return redact(String(value));
  }
}

// A key this short (the emulator's `test`, say) cannot be told from an ordinary word: guarding or
// rewriting answers on it would refuse the prompt "a test pattern" and mangle predictions that merely
// contain the word. A real Replicate token is `r8_` + 37 characters (40); any key of 16 characters or
// more is treated as a secret (other issuers' tokens, proxies' keys): no ordinary text contains one by chance.
const SECRET_MIN_LENGTH = 16;

/**
 * Whether `key` is shaped like a secret (16 characters or more, which every Replicate token is): only
 * such a key is guarded in request bodies and removed from API answers. A shorter key is not protected
 * there, because it cannot be told from ordinary text; log lines and error messages still hide it.
 */
export function isSecretShaped(key: string | null | undefined): key is string {
  return typeof key === 'string' && key.length >= SECRET_MIN_LENGTH;
}

/**
 * The body guard's rule: true when `key` is secret-shaped and appears in `text`, anywhere. Glued inside
 * a longer word it is still the whole secret, stored and shown by the server as part of the input; and
 * the same rule decides what is scrubbed from answers, so what is sent and what comes back agree.
 */
export function containsSecret(text: string, key: string | null | undefined): boolean {
  return isSecretShaped(key) && text.includes(key);
}

/**
 * The journal's scrubber: removes only the exact key (when secret-shaped), so what was sent is stored as
 * sent. Pattern redaction would alter a prompt such as "Bearer oakwood on a desk" and `resume()` could
 * then no longer recognise the prediction the server holds for it.
 */
export function createKeyScrubber(key: string | null | undefined): Redactor {
  if (!isSecretShaped(key)) return (text) => text;
  return (text) => (text.includes(key) ? text.split(key).join(REDACTED) : text);
}

/**
 * A copy of a parsed API answer (a prediction, a page of them, any JSON value) with a secret-shaped
 * `key` removed from every string in it, keys of objects included, at any depth. Only the exact key:
 * a prediction's input may legitimately contain text shaped like a token, and `resume()` matches
 * inputs as the server holds them. Values without the key are returned as they are (same objects).
 */
export function redactSecretDeep<T>(value: T, key: string | null | undefined): T {
  if (!isSecretShaped(key) || !holdsKey(value, key, 0)) return value;
  const scrubText = (v: unknown): unknown => {
    try {
      const text = JSON.stringify(v);
      return text.includes(key) ? JSON.parse(text.split(key).join(REDACTED)) : v;
    } catch {
      return REDACTED; // too deep even for JSON.stringify: drop it rather than risk the key
    }
  };
  const scrub = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return v.includes(key) ? v.split(key).join(REDACTED) : v;
    if (typeof v !== 'object' || v === null) return v;
    // Past this depth (a hostile answer nests to blow the stack) the JSON text is scrubbed instead: a
    // stringified value spells every string out literally, so the key cannot hide behind escapes.
    if (depth > 256) return scrubText(v);
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((item) => {
        const next = scrub(item, depth + 1);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : v;
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(v as Record<string, unknown>)) {
      const nextName = name.includes(key) ? name.split(key).join(REDACTED) : name;
      const next = scrub(item, depth + 1);
      if (next !== item || nextName !== name) changed = true;
      out[nextName] = next;
    }
    return changed ? out : v;
  };
  return scrub(value, 0) as T;
}

/**
 * Whether the key is in a string of `value` or in a name of one of its objects, at any depth: a look that
 * allocates nothing, so the common answer (no key in it) is not copied for nothing. Past the scrub's
 * depth it says yes, leaving the careful way (through the JSON text) to the scrub.
 */
function holdsKey(value: unknown, key: string, depth: number): boolean {
  if (typeof value === 'string') return value.includes(key);
  if (typeof value !== 'object' || value === null) return false;
  if (depth > 256) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsKey(item, key, depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue;
    if (name.includes(key) || holdsKey(record[name], key, depth + 1)) return true;
  }
  return false;
}
