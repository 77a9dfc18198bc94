// Configuration: where the key and the base URL come from, and what happens without a key.

import { afterEach, describe, expect, test, vi } from 'vitest';
import { ConfigurationError, ReplicateClient, ReplicateError } from '../../src/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

function noEnv(): void {
  vi.stubEnv('REPLICATE_API_KEY', '');
  vi.stubEnv('REPLICATE_API_TOKEN', '');
  vi.stubEnv('REPLICATE_BASE_URL', '');
}

describe('API key', () => {
  test('no key anywhere: ConfigurationError saying API key not provided and how to set it', () => {
    noEnv();
    let caught: unknown;
    try {
      new ReplicateClient();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect(caught).toBeInstanceOf(ReplicateError);
    expect((caught as Error).message).toContain('API key not provided');
    expect((caught as Error).message).toContain('REPLICATE_API_KEY');
  });

  test('REPLICATE_API_KEY, else REPLICATE_API_TOKEN, and the constructor wins over both', async () => {
    noEnv();
    vi.stubEnv('REPLICATE_API_TOKEN', 'from-token');
    const seen: string[] = [];
    const fetch = async (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      seen.push(String(new Headers(init?.headers).get('authorization')));
      return new Response(JSON.stringify({ detail: 'no' }), { status: 401 });
    };
    // A recording fetch, not a mock of the API: it only shows which key each client sends.
    await new ReplicateClient({ fetch }).getPrediction('x').catch(() => undefined);
    vi.stubEnv('REPLICATE_API_KEY', 'from-key');
    await new ReplicateClient({ fetch }).getPrediction('x').catch(() => undefined);
    await new ReplicateClient({ fetch, apiKey: 'from-option' }).getPrediction('x').catch(() => undefined);
    expect(seen).toEqual(['Bearer from-token', 'Bearer from-key', 'Bearer from-option']);
  });
});

describe('base URL', () => {
  test('defaults to REPLICATE_BASE_URL, else the public API', () => {
    noEnv();
    expect(new ReplicateClient({ apiKey: 'k123' }).baseUrl).toBe('https://api.replicate.com/v1');
    vi.stubEnv('REPLICATE_BASE_URL', 'http://127.0.0.1:8787/v1/');
    expect(new ReplicateClient({ apiKey: 'k123' }).baseUrl).toBe('http://127.0.0.1:8787/v1');
    expect(new ReplicateClient({ apiKey: 'k123', baseUrl: 'https://proxy.example/v1' }).baseUrl).toBe(
      'https://proxy.example/v1',
    );
  });

  test('a base URL that is not http(s) is a ConfigurationError', () => {
    expect(() => new ReplicateClient({ apiKey: 'k123', baseUrl: 'ftp://x/v1' })).toThrow(ConfigurationError);
    expect(() => new ReplicateClient({ apiKey: 'k123', baseUrl: 'not a url' })).toThrow(ConfigurationError);
  });

  test('other invalid options are ConfigurationErrors', () => {
    expect(() => new ReplicateClient({ apiKey: 'k123', requestTimeoutMs: 0 })).toThrow(ConfigurationError);
    expect(() => new ReplicateClient({ apiKey: 'k123', preferWaitSeconds: 61 })).toThrow(ConfigurationError);
  });
});

describe('runtimes without process (edge, browsers)', () => {
  test('the environment is read safely: a key must then be passed, and one passed works', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
    Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
    try {
      expect(() => new ReplicateClient()).toThrow(/API key not provided/);
      expect(new ReplicateClient({ apiKey: 'k123' }).baseUrl).toBe('https://api.replicate.com/v1');
    } finally {
      Object.defineProperty(globalThis, 'process', saved);
    }
  });
});
