// Hostile inputs for the property tests: what untyped JavaScript callers, pasted text and the web can
// hand the library. Shared by every file in test/properties.

import fc from 'fast-check';

/** The key every property-test client uses; no result, error or log may ever contain it. */
export const PROPERTY_API_KEY = 'prop-key-9c2e4a6b8d0f1e3c5a7b9d1f3e5c7a9b';

const CONTROL = fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c));

/** Prompts: empty, blank, unicode, control characters, lone surrogates, huge, and the API key itself. */
export const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\t\n',
    '\u0000',
    '\uD800',
    '\u202E',
    '💥'.repeat(3),
    '[emulator:fail]',
    PROPERTY_API_KEY,
    `Bearer ${PROPERTY_API_KEY}`,
  ),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: CONTROL, maxLength: 50 }),
  fc.constant('a'.repeat(300_000)),
);

/** Values an untyped caller may pass where a number, a string or an object was expected. */
export const untyped = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Infinity,
    -Infinity,
    -1,
    0,
    -0,
    1e-300,
    1e300,
    Number.MAX_SAFE_INTEGER + 2,
    null,
    undefined,
    true,
    '',
    '5',
    '[]',
    [],
    {},
  ),
  fc.constant(Object.create(null) as unknown),
  fc.constant(Symbol('hostile') as unknown),
  fc.constant((() => 1) as unknown),
  fc.bigInt(),
  fc.double(),
  fc.integer(),
  fc.anything({ maxDepth: 2 }),
);

/** Model strings: well-formed, malformed, unknown, and absurd. */
export const modelString = fc.oneof(
  fc.constantFrom(
    'black-forest-labs/flux-schnell',
    'black-forest-labs/flux-schnell:abc',
    'owner/unknown-model',
    'no-slash',
    '/',
    'a/b/c',
    '../../etc/passwd',
    'owner/name?x=1',
    'owner/name#frag',
    '%2e%2e/%2e%2e',
    `${'a'.repeat(5_000)}/b`,
  ),
  hostileString,
);

/** Image "URLs": real ones, other schemes, garbage, bytes, enormous. */
export const imageInput = fc.oneof(
  fc.webUrl(),
  fc.constantFrom(
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ftp://example.com/a.png',
    'http://',
    'https://',
    'data:,',
    'data:image/png;base64,iVBORw0KGgo=',
    `https://example.com/${'a'.repeat(100_000)}.png`,
  ),
  hostileString,
  fc.uint8Array({ maxLength: 64 }),
  untyped,
);

/** Lists of images: empty, small, enormous, or not a list at all. */
export const imageList = fc.oneof(
  fc.constant([] as unknown[]),
  fc.array(imageInput, { maxLength: 20 }),
  fc.constant(Array.from({ length: 10_000 }, (_, i) => `https://example.com/${i}.png`) as unknown[]),
  untyped,
);

/** Options objects of the waiting calls, every field hostile or missing. */
export const waitOptions = fc.oneof(
  untyped,
  fc.record(
    {
      timeoutMs: untyped,
      intervalMs: untyped,
      model: fc.oneof(modelString, untyped),
      input: fc.oneof(untyped, fc.dictionary(fc.string({ maxLength: 20 }), untyped, { maxKeys: 5 })),
      keepRunning: untyped,
      signal: fc.oneof(untyped, fc.constant(AbortSignal.abort() as unknown)),
      onStatus: untyped,
      prompt: fc.oneof(hostileString, untyped),
      durationSeconds: untyped,
      fps: untyped,
    },
    { requiredKeys: [] },
  ),
);
