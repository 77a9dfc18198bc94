// A process of a fleet, for test/fleet/fleet-resume.test.ts, sharing a PostgreSQL journal store.
//   create API_URL API_KEY JOURNAL_URL OWNER PROMPT...: journals an intent, creates the prediction,
//     journals it as created (claimed by OWNER with a lease), prints "ready" and keeps its leases
//     alive until it is killed.
//   resume API_URL API_KEY JOURNAL_URL OWNER CLOCK_OFFSET_MS: claims the unfinished predictions whose
//     lease has ended (seen CLOCK_OFFSET_MS ahead of now), finishes each and prints the ids it finished.
// This is the pattern `resume()` will follow once wired to the store; it creates nothing.

import { openJournalStore } from '../../dist/entries/journal.js';
import { ReplicateClient } from '../../dist/index.js';

const MODEL = 'black-forest-labs/flux-schnell';
const [mode, apiUrl, apiKey, journalUrl, owner, ...rest] = process.argv.slice(2);
const client = new ReplicateClient({ apiKey, baseUrl: apiUrl, preferWaitSeconds: 0, retry: { jitterRatio: 0 } });

if (mode === 'create') {
  const store = await openJournalStore(journalUrl, { leaseMs: 60_000 });
  for (const [i, prompt] of rest.entries()) {
    const requestId = `${owner}-${i}`;
    const base = { model: MODEL, input: { prompt }, kind: 'image', downloadDir: null, durationSeconds: null };
    await store.append({ event: 'intent', requestId, ...base, estimateUsd: 0.003 }, owner);
    const p = await client.createPrediction({ model: MODEL, input: { prompt } });
    await store.append(
      {
        event: 'created',
        predictionId: p.id,
        requestId,
        ...base,
        version: null,
        createdAt: p.created_at,
        status: p.status,
      },
      owner,
    );
  }
  process.stdout.write('ready\n');
  setInterval(() => void store.renewLeases(owner, 60_000), 1_000);
} else {
  const offset = Number(rest[0]);
  const store = await openJournalStore(journalUrl, { now: () => Date.now() + offset });
  const work = await store.claimUnfinished(owner, 60_000);
  const finished = [];
  for (const entry of work.entries) {
    let p = await client.getPrediction(entry.predictionId);
    while (!['succeeded', 'failed', 'canceled', 'aborted'].includes(p.status)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      p = await client.getPrediction(entry.predictionId);
    }
    const outputUrls = Array.isArray(p.output) ? p.output : [];
    await store.append({
      event: 'finished',
      predictionId: p.id,
      status: p.status,
      outputUrls,
      error: null,
      costUsd: p.status === 'succeeded' ? 0.003 * outputUrls.length : 0,
      dataRemoved: false,
    });
    finished.push(p.id);
  }
  await client.close();
  await store.close();
  process.stdout.write(`${JSON.stringify(finished)}\n`);
}
