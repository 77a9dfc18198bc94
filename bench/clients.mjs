// The clients under test, each behind one function: run one prediction of flux-schnell with a prompt
// and report { ok, predictionId, error }. Every client is used with its defaults unless its row says
// otherwise; nothing here is tuned to make one client look better.

import { pathToFileURL } from 'node:url';

export const CLIENTS = [
  {
    id: 'replicate-media',
    label: 'replicate-media',
    package: 'replicate-media',
    how: '`generateImage()` with the defaults (`Prefer: wait` up to 60 s, then the event stream with 5 s polling as a fallback)',
  },
  {
    id: 'original-design',
    label: 'original design',
    package: 'replicate-media',
    how: 'replicate-media with `preferWaitSeconds: 0` (no `Prefer: wait`), `useStream: false` (no event stream) and the default 5 s polling',
  },
  {
    id: 'replicate-run',
    label: 'replicate run()',
    package: 'replicate',
    how: '`replicate.run()` with its defaults (`Prefer: wait`, then polls every 500 ms; `FileOutput` objects)',
  },
  {
    id: 'replicate-create-wait',
    label: 'replicate create+wait',
    package: 'replicate',
    how: '`replicate.predictions.create()` then `replicate.wait()` (polls every 500 ms)',
  },
  {
    id: 'stainless-run',
    label: 'replicate-stainless run()',
    package: 'replicate-stainless',
    how: '`client.run()` with its defaults (no `Prefer: wait`; polls every 500 ms)',
  },
];

const MODEL = 'black-forest-labs/flux-schnell';

/** Our build: the bench's snapshot of dist/ (BENCH_DIST) when given, else the working tree's. */
const OUR_DIST = process.env.BENCH_DIST
  ? pathToFileURL(`${process.env.BENCH_DIST}/`).href
  : new URL('../dist/', import.meta.url).href;

function errorText(error) {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 300);
}

function nonEmptyOutput(output) {
  return Array.isArray(output) ? output.length > 0 : output !== null && output !== undefined;
}

/** Makes `runOne(prompt)` for a client against `apiUrl` (`options`: extra constructor options for ours). */
export async function makeClient(id, apiUrl, token, options = {}) {
  switch (id) {
    case 'replicate-media':
    case 'original-design': {
      const { ReplicateClient } = await import(`${OUR_DIST}index.js`);
      const client = new ReplicateClient({
        apiKey: token,
        baseUrl: apiUrl,
        ...(id === 'original-design' ? { preferWaitSeconds: 0, useStream: false } : {}),
        ...options,
      });
      return async (prompt) => {
        const result = await client.generateImage(prompt);
        return result.success
          ? { ok: true, predictionId: result.predictionId }
          : {
              ok: false,
              predictionId: result.predictionId,
              error: `${result.errorCode}: ${result.error}`.slice(0, 300),
            };
      };
    }
    case 'replicate-run': {
      const { default: Replicate } = await import('replicate');
      const replicate = new Replicate({ auth: token, baseUrl: apiUrl });
      return async (prompt) => {
        let predictionId = null;
        try {
          const output = await replicate.run(MODEL, { input: { prompt } }, (p) => {
            predictionId = p?.id ?? predictionId;
          });
          if (!nonEmptyOutput(output))
            return { ok: false, predictionId, error: `run() returned ${JSON.stringify(output)} instead of the output` };
          return { ok: true, predictionId };
        } catch (error) {
          return { ok: false, predictionId, error: errorText(error) };
        }
      };
    }
    case 'replicate-create-wait': {
      const { default: Replicate } = await import('replicate');
      const replicate = new Replicate({ auth: token, baseUrl: apiUrl });
      return async (prompt) => {
        let predictionId = null;
        try {
          const created = await replicate.predictions.create({ model: MODEL, input: { prompt } });
          predictionId = created.id;
          const done = await replicate.wait(created);
          if (done.status !== 'succeeded' || !nonEmptyOutput(done.output)) {
            return {
              ok: false,
              predictionId,
              error: `ended ${done.status} with output ${JSON.stringify(done.output)}`,
            };
          }
          return { ok: true, predictionId };
        } catch (error) {
          return { ok: false, predictionId, error: errorText(error) };
        }
      };
    }
    case 'stainless-run': {
      const { default: Replicate } = await import('replicate-stainless');
      const client = new Replicate({ bearerToken: token, baseURL: apiUrl, logLevel: 'off' });
      return async (prompt) => {
        let predictionId = null;
        try {
          const output = await client.run(MODEL, { input: { prompt } }, (p) => {
            predictionId = p?.id ?? predictionId;
          });
          if (!nonEmptyOutput(output))
            return { ok: false, predictionId, error: `run() returned ${JSON.stringify(output)} instead of the output` };
          return { ok: true, predictionId };
        } catch (error) {
          return { ok: false, predictionId, error: errorText(error) };
        }
      };
    }
    case 'bare-fetch': {
      // Not a client: the floor under every client's RSS. One create with Prefer: wait, no retries, no polling.
      return async (prompt) => {
        try {
          const response = await fetch(`${apiUrl}/models/${MODEL}/predictions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'wait' },
            body: JSON.stringify({ input: { prompt } }),
          });
          const prediction = await response.json();
          return prediction.status === 'succeeded'
            ? { ok: true, predictionId: prediction.id }
            : {
                ok: false,
                predictionId: prediction.id ?? null,
                error: `HTTP ${response.status}, status ${prediction.status}`,
              };
        } catch (error) {
          return { ok: false, predictionId: null, error: errorText(error) };
        }
      };
    }
    default:
      throw new Error(`unknown client ${id}`);
  }
}
