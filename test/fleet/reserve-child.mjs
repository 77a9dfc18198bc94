// One process of a fleet, for test/fleet/postgres-fleet.test.ts: opens the shared journal from the
// built library (dist/) and fires its reservations all at once, then prints how many were granted.
// Usage: node reserve-child.mjs URL COUNT AMOUNT_USD BUDGET_USD
import { openJournalStore } from '../../dist/journal-store/index.js';

const [url, count, amount, budget] = process.argv.slice(2);
const store = await openJournalStore(url, { maxConnections: 4 });
const outcomes = await Promise.all(
  Array.from({ length: Number(count) }, () =>
    store.reserve(Number(amount), Number(budget), { owner: `pid-${process.pid}` }),
  ),
);
await store.close();
process.stdout.write(`${JSON.stringify({ granted: outcomes.filter((o) => o.granted).length })}\n`);
