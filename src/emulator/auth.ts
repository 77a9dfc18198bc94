// Authentication: `Authorization: Bearer <token>` or the older `Token <token>`. With a configured
// token only that one passes; without, any non-empty token does (like a sandbox account).

import { timingSafeEqual } from 'node:crypto';

/** The token of a request, or undefined when the header is missing or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function isAuthorized(header: string | undefined, expected: string | undefined): boolean {
  const token = bearerToken(header);
  if (token === undefined) return false;
  if (expected === undefined) return true;
  const a = Buffer.from(token);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
