// One process of a fleet, for test/fleet/fleet-budget.test.ts: runs its prompts against the emulator
// with a budget shared through the PostgreSQL journal store, the way the client will once wired
// (reserve before creating, settle with the actual cost after). Prints what it created and what the
// budget refused. Usage: node fleet-child.mjs API_URL API_KEY JOURNAL_URL NAME PROMPT...

import { openJournalStore } from '../../dist/entries/journal.js';
import { ReplicateClient } from '../../dist/index.js';

const [apiUrl, apiKey, journalUrl, name, ...prompts] = process.argv.slice(2);
const store = await openJournalStore(journalUrl, { maxConnections: 4 });
const client = new ReplicateClient({ apiKey, baseUrl: apiUrl, preferWaitSeconds: 0, retry: { jitterRatio: 0 } });
const outcomes = await Promise.all(
  prompts.map(async (prompt, i) => {
    const hold = await store.reserve(0.003, 0.03, { owner: name, requestId: `${name}-${i}` });
    if (!hold.granted) return { prompt, outcome: 'budget_exceeded' };
    const result = await client.generateImage(prompt, { intervalMs: 20 });
    await store.settle(hold.holdId, result.success ? result.costUsd : 0);
    return { prompt, outcome: result.success ? 'created' : result.errorCode, predictionId: result.predictionId };
  }),
);
await client.close();
await store.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
