// Shared helpers of the durability tests: a fast emulator on loopback, a client on the real clock with
// short polling, scratch directories, and checks that a saved file really is an image.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sniffMediaType } from '../../src/downloads.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { ReplicateClient, type ReplicateClientOptions } from '../../src/index.js';

export const API_KEY = 'r8_DurabilityKeyThatMustNeverLeak012345678';

/** Predictions finish in tens of milliseconds unless a prompt asks otherwise. */
export function startFast(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ timings: { '*': { startMs: 5, predictMs: 20 } }, token: API_KEY, ...options });
}

/** A client of the emulator: real clock, polls every 20 ms, no create hold unless asked. */
export function clientOf(emu: Emulator, options: ReplicateClientOptions = {}): ReplicateClient {
  return new ReplicateClient({
    apiKey: API_KEY,
    baseUrl: emu.apiUrl,
    preferWaitSeconds: 0,
    retry: { jitterRatio: 0 },
    ...options,
  });
}

export const POLL = { intervalMs: 20 } as const;

/** A scratch directory, removed by the returned function. */
export async function scratch(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'replicate-media-durability-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The media type a file on disk really holds (by its magic bytes), or null. */
export async function mediaTypeOnDisk(path: string): Promise<string | null> {
  const bytes = await readFile(path);
  return bytes.byteLength > 16 ? sniffMediaType(bytes.subarray(0, 32)) : null;
}

/** The emulator's own view of every prediction it made (output URLs, prompts), over its API. */
export async function emulatorPredictions(emu: Emulator): Promise<
  Array<{
    id: string;
    status: string;
    output: unknown;
    input: Record<string, unknown>;
    data_removed?: boolean;
    metrics?: Record<string, number>;
  }>
> {
  const ids = emu.stats().predictionIds;
  return Promise.all(
    ids.map(async (id) => {
      const response = await fetch(`${emu.apiUrl}/predictions/${id}`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      return (await response.json()) as { id: string; status: string; output: unknown; input: Record<string, unknown> };
    }),
  );
}
