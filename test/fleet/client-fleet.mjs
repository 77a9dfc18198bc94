// A process of a fleet that goes through ReplicateClient only (dist/), for test/fleet/client-fleet.test.ts.
//   generate API_URL API_KEY JOURNAL_URL BUDGET_USD PROMPT...: one generateImages over the prompts with
//     the shared journal and the fleet's budget; prints [{ success, errorCode, predictionId }].
//   start API_URL API_KEY JOURNAL_URL PROMPT...: the same without a budget, for slow predictions; it is
//     killed while they run.
//   resume API_URL API_KEY JOURNAL_URL CLOCK_OFFSET_MS: client.resume() on a clock CLOCK_OFFSET_MS ahead
//     (past the dead process's leases); prints the ids it finished.

import { ReplicateClient } from '../../dist/index.js';

const [mode, apiUrl, apiKey, journal, ...rest] = process.argv.slice(2);
const base = { apiKey, baseUrl: apiUrl, journal, preferWaitSeconds: 0, retry: { jitterRatio: 0 } };

if (mode === 'generate' || mode === 'start') {
  const [budget, ...prompts] = mode === 'generate' ? rest : [undefined, ...rest];
  const client = new ReplicateClient({ ...base, ...(budget ? { budgetUsd: Number(budget) } : {}) });
  const results = await client.generateImages(prompts, {
    concurrency: mode === 'start' ? prompts.length : 4,
    intervalMs: 20,
  });
  console.log(
    JSON.stringify(
      results.map((r) => ({ success: r.success, errorCode: r.errorCode ?? null, predictionId: r.predictionId })),
    ),
  );
  await client.close();
} else if (mode === 'resume') {
  const offset = Number(rest[0]);
  const client = new ReplicateClient({ ...base, now: () => Date.now() + offset });
  const results = await client.resume({ intervalMs: 20 });
  console.log(JSON.stringify(results.filter((r) => r.success).map((r) => r.predictionId)));
  await client.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
