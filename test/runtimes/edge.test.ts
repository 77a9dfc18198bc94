// The library as an edge runtime runs it: the bundle (dist/index.js, esbuild platform neutral) loaded
// into a context that holds only web-standard globals (no `process`, no `Buffer`, no `require`, and no
// way to import a `node:` module: `import()` has no loader there), driven by a `Request => Response`
// handler, against an emulator on loopback. Cloudflare Workers, Vercel Edge and Deno Deploy give
// roughly this set of globals; none of them can be run here, so this is the proof the README cites.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { API_KEY, startFast } from '../client/helpers.js';
import { magic, root } from './runtimes.js';

const bundle = readFileSync(join(root, 'dist/index.js'), 'utf8');

/** What a Worker-style runtime offers: the WinterCG common minimum, nothing from Node. */
function webStandardGlobals(bindings: Record<string, string>): Record<string, unknown> {
  return {
    ...bindings,
    fetch,
    Request,
    Response,
    Headers,
    URL,
    URLSearchParams,
    AbortController,
    AbortSignal,
    Blob,
    FormData,
    ReadableStream,
    WritableStream,
    TransformStream,
    TextEncoder,
    TextDecoder,
    crypto,
    atob,
    btoa,
    structuredClone,
    queueMicrotask,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    console,
    performance,
    DOMException,
    Event,
    EventTarget,
  };
}

// The handler a user would deploy: one request in, one response out, the key from the runtime's bindings.
const HANDLER = `
const { ReplicateClient } = replicateMedia;
globalThis.handle = async (request) => {
  const { prompt } = await request.json();
  const client = new ReplicateClient({ apiKey: REPLICATE_API_KEY, baseUrl: REPLICATE_BASE_URL });
  try {
    const image = await client.generateImage(prompt);
    if (!image.success) return Response.json(image, { status: 502 });
    const video = await client.generateVideo([image.imageUrl], { prompt, durationSeconds: 2 });
    return Response.json({ image, video, nodeImport: await import('node:fs').then(() => 'reached', (e) => e.code) });
  } finally {
    await client.close();
  }
};
`;

let emu: Emulator;
beforeAll(async () => {
  emu = await startFast();
});
afterAll(async () => {
  await emu?.close();
});

describe('an edge runtime (web-standard globals only)', () => {
  it('the bundle imports no node: module statically', () => {
    const staticNodeImports = bundle.match(/^\s*(?:import|export)\b[^;]*?["']node:[^"']+["']/gm) ?? [];
    expect(staticNodeImports).toEqual([]);
  });

  it('serves a Request => Response handler that generates an image and a video', async () => {
    const { code } = await transform(bundle, { format: 'iife', globalName: 'replicateMedia', target: 'es2022' });
    const context = createContext(webStandardGlobals({ REPLICATE_API_KEY: API_KEY, REPLICATE_BASE_URL: emu.apiUrl }));
    expect(runInContext('typeof process + typeof Buffer + typeof require', context)).toBe(
      'undefinedundefinedundefined',
    );
    runInContext(code, context, { filename: 'dist/index.js (iife)' });
    runInContext(HANDLER, context, { filename: 'handler.js' });
    const handle = context.handle as (request: Request) => Promise<Response>;

    const response = await handle(
      new Request('https://edge.example/generate', { method: 'POST', body: JSON.stringify({ prompt: 'a fox' }) }),
    );
    const body = (await response.json()) as {
      image: { success: boolean; imageUrl: string };
      video: { success: boolean; videoUrl: string };
      nodeImport: string;
    };
    expect(response.status).toBe(200);
    expect(body.image.success).toBe(true);
    expect(body.video.success).toBe(true);
    // node: modules are out of reach here, as on an edge runtime: the library did not need one.
    expect(body.nodeImport).toBe('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING');
    const image = new Uint8Array(await (await fetch(body.image.imageUrl)).arrayBuffer());
    const video = new Uint8Array(await (await fetch(body.video.videoUrl)).arrayBuffer());
    expect(['png', 'webp', 'jpeg']).toContain(magic(image));
    expect(magic(video)).toBe('mp4');
  }, 30_000);
});
