// The usage example of docs/durability.md, compiled by `npm run typecheck` and run here against the
// emulator, so it cannot rot. Keep it in step with the doc.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { ReplicateClient } from '../../src/index.js';
import { API_KEY, mediaTypeOnDisk, scratch, startFast } from './helpers.js';

let emu: Emulator;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  emu = await startFast();
  ({ dir, cleanup } = await scratch());
});
afterAll(async () => {
  await emu.close();
  await cleanup();
});

// ---- docs/durability.md ------------------------------------------------------------------------
async function durabilityExample(
  out: string,
  log: (...args: unknown[]) => void,
  base: { apiKey: string; baseUrl: string },
): Promise<number> {
  const client = new ReplicateClient({ ...base, journal: `${out}/journal.jsonl`, budgetUsd: 5 });

  // After a crash: finish what the last run left (waits, downloads, creates nothing).
  for (const r of await client.resume()) log(r.predictionId, r.status, r.files);

  const result = await client.generateImage('a lighthouse at dawn', { download: { dir: out } });
  if (result.success)
    log(result.files, result.costUsd); // ['out/p8x...-0.webp'] 0.003
  else if (result.errorCode === 'budget_exceeded') log('stopped before crossing the budget');
  log(client.spentUsd);
  await client.close();
  return client.spentUsd;
}

test('the durability example saves the image, journals it and counts its cost', async () => {
  const lines: unknown[][] = [];
  const out = join(dir, 'out');
  const spent = await durabilityExample(out, (...args) => lines.push(args), { apiKey: API_KEY, baseUrl: emu.apiUrl });
  expect(spent).toBe(0.003);
  const [files, cost] = lines[0] as [string[], number];
  expect(cost).toBe(0.003);
  expect(await mediaTypeOnDisk(files[0]!)).toBe('image/webp');
});
