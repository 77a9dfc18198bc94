// The benchmark at tiny sizes, so `npm run bench` cannot rot: it must finish and write a well-formed
// results file with every client and every scenario. Nothing here looks at the figures themselves.
// (Prism is left out of the quick run: installing it is a one-time ~90 MB download; `--prism` adds it.)

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLIENT_IDS = ['replicate-media', 'original-design', 'replicate-run', 'replicate-create-wait', 'stainless-run'];
const PACKAGES = ['replicate-media', 'replicate', 'replicate-stainless'];

// The parts of the results file this test reads: the type names them, the assertions check them.
interface ClientRun {
  succeeded: number;
  failures: number;
  predictions: number;
}
interface LatencyRun extends ClientRun {
  requestsPerPrediction: unknown;
  addedLatencyMs: Record<string, number | null>;
}
interface LoadRun extends ClientRun {
  totalMs: number;
  responses429: number;
  peakRssMb?: number;
}
interface PackageFootprint {
  coldImportMs: number;
  unpackedBytes: number;
  runtimeDependencies: number;
}
interface MultiProcessRun extends ClientRun {
  processes: number;
  responses429PerProcess: number[];
  rateOfAllowed: number;
}
interface RouteLoad {
  ok: number;
}
interface BenchResults {
  schemaVersion: number;
  quick: boolean;
  machine: { cpu: unknown; node: string };
  clients: { id: string }[];
  scenarios: {
    latency: Record<string, { clients: Record<string, LatencyRun> }>;
    batch: { clients: Record<string, LoadRun> };
    storm: { clients: Record<string, LoadRun> };
    footprint: { packages: Record<string, PackageFootprint> };
    multiProcess: { byProcesses: Record<string, { clients: Record<string, MultiProcessRun> }> };
    memorySlope: { clients: Record<string, { kbPerInFlight: number }> };
    emulator: { requests: number; servers: { emulator: Record<string, RouteLoad> }; stored: { stored: number }[] };
    bundle: Record<string, { gzippedBytes: number }>;
  };
  goals: { id: string; clients: Record<string, { met: unknown } | undefined> }[];
}

describe('npm run bench --quick', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a results file with every client in every scenario', { timeout: 240_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    const out = join(dir, 'results.json');
    await run(process.execPath, ['bench/run.mjs', '--quick', '--out', out], { cwd: process.cwd(), timeout: 230_000 });
    const results = JSON.parse(await readFile(out, 'utf8')) as BenchResults;

    expect(results.schemaVersion).toBe(1);
    expect(results.quick).toBe(true);
    expect(typeof results.machine.cpu).toBe('string');
    expect(results.machine.node).toBe(process.version);
    expect(results.clients.map((c) => c.id)).toEqual(CLIENT_IDS);

    expect(Object.keys(results.scenarios.latency)).toEqual(['short', 'medium', 'long']);
    for (const scenario of Object.values(results.scenarios.latency)) {
      expect(Object.keys(scenario.clients).sort()).toEqual([...CLIENT_IDS].sort());
      for (const r of Object.values(scenario.clients)) {
        expect(r.succeeded + r.failures).toBe(r.predictions);
        expect(typeof r.requestsPerPrediction).toBe('number');
        for (const key of ['p50', 'p95', 'max'])
          expect(r.addedLatencyMs[key] === null || Number.isFinite(r.addedLatencyMs[key])).toBe(true);
      }
    }
    for (const name of ['batch', 'storm'] as const) {
      const scenario = results.scenarios[name];
      expect(Object.keys(scenario.clients).sort()).toEqual([...CLIENT_IDS].sort());
      for (const r of Object.values(scenario.clients)) {
        expect(r.succeeded + r.failures).toBe(r.predictions);
        expect(Number.isFinite(r.totalMs)).toBe(true);
        expect(Number.isInteger(r.responses429)).toBe(true);
      }
    }
    for (const r of Object.values(results.scenarios.batch.clients)) expect(r.peakRssMb).toBeGreaterThan(0);
    expect(Object.keys(results.scenarios.footprint.packages).sort()).toEqual([...PACKAGES].sort());
    for (const p of Object.values(results.scenarios.footprint.packages)) {
      expect(p.coldImportMs).toBeGreaterThan(0);
      expect(p.unpackedBytes).toBeGreaterThan(0);
      expect(Number.isInteger(p.runtimeDependencies)).toBe(true);
    }
    // Many processes on one key: every client, each process's 429s counted apart.
    for (const group of Object.values(results.scenarios.multiProcess.byProcesses)) {
      expect(Object.keys(group.clients).sort()).toEqual([...CLIENT_IDS].sort());
      for (const r of Object.values(group.clients)) {
        expect(r.succeeded + r.failures).toBe(r.predictions);
        expect(r.responses429PerProcess).toHaveLength(r.processes);
        expect(Number.isFinite(r.rateOfAllowed)).toBe(true);
      }
    }
    for (const r of Object.values(results.scenarios.memorySlope.clients))
      expect(Number.isFinite(r.kbPerInFlight)).toBe(true);
    const emulator = results.scenarios.emulator;
    for (const route of ['create', 'get', 'list']) expect(emulator.servers.emulator[route]?.ok).toBe(emulator.requests);
    expect(emulator.stored.map((row) => row.stored)).toEqual([50, 150]);
    expect(results.scenarios.bundle['replicate-media']?.gzippedBytes).toBeGreaterThan(0);
    expect(results.scenarios.bundle.onlyReplicateClient?.gzippedBytes).toBeGreaterThan(0);
    const goalIds = results.goals.map((g) => g.id);
    for (const id of [
      'multi-process-share',
      'multi-process-429s',
      'rss-vs-bare-fetch',
      'requests-past-60s',
      'emulator-throughput-vs-prism',
    ])
      expect(goalIds).toContain(id);
    expect(results.goals.length).toBeGreaterThan(0);
    for (const goal of results.goals) expect(typeof goal.clients['replicate-media']?.met).toBe('boolean');
  });
});
