// The redactor every outgoing string passes through.

import { describe, expect, test } from 'vitest';
import { createRedactor } from '../../src/redact.js';

describe('createRedactor', () => {
  const redact = createRedactor('embedded-0f8e6c1a-secret');

  test('removes the configured key wherever it appears', () => {
    expect(redact('key=embedded-0f8e6c1a-secret; again embedded-0f8e6c1a-secret')).toBe(
      'key=[REDACTED]; again [REDACTED]',
    );
  });

  test('removes anything shaped like a Replicate token or a Bearer credential', () => {
    expect(redact('got r8_AbCdEfGh0123456789AbCdEfGh0123456789x')).toBe('got [REDACTED]');
    expect(redact('Authorization: Bearer abcdefgh12345678')).toBe('Authorization: Bearer [REDACTED]');
    expect(redact('Authorization: Token r8_AbCdEfGh01234567')).toBe('Authorization: Token [REDACTED]');
  });

  test('leaves ordinary prose alone', () => {
    for (const text of [
      'Token expired, sign in again',
      'prediction abc123 failed: CUDA out of memory',
      'Bearer token missing',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });
});
