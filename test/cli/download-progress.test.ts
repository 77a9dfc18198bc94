// The CLI's `download` option shows byte-level progress on the live status line of a terminal.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { Progress, type TextSink } from '../../src/cli/output.js';
import { savingTo } from '../../src/cli/status-listener.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { ReplicateClient } from '../../src/index.js';

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ timings: { '*': { startMs: 5, predictMs: 20 } } });
  dir = await mkdtemp(join(tmpdir(), 'rm-cli-progress-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('saving outputs on a terminal', () => {
  it('draws a "downloading" line with the file and its bytes while the client saves', async () => {
    const out: TextSink & { text: string } = {
      text: '',
      isTTY: true,
      columns: 100,
      write(chunk: string) {
        this.text += chunk;
        return true;
      },
    };
    const progress = new Progress({ sink: out, live: true, quiet: false, color: false });
    const ctx = { progress } as unknown as CommandContext;
    await using client = new ReplicateClient({ apiKey: 'anything', baseUrl: emu.apiUrl });
    const result = await client.generateImage('a lighthouse', { download: savingTo(ctx, dir) });
    progress.stop();
    expect(result.success).toBe(true);
    expect(out.text).toContain('\r\u001b[2K↓ downloading');
    expect(out.text).toMatch(/↓ downloading out-0\.webp \d+% [\d.]+ [KM]?B\/[\d.]+ [KM]?B/);
  });
});
