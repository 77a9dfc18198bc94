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
