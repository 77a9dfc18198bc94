// Types of scripts/chaos-matrix.mjs, for the test slice in test/reliability/fault-matrix.test.ts.

export declare const CHAOS_API_KEY: string;
export declare const CHAOS_RETRY: { delaysMs: number[]; maxRetries: number; jitterRatio: number };
export declare const OPERATIONS: readonly string[];

export interface ChaosFault {
  name: string;
  expect: 'success' | 'failed' | 'canceled' | 'either';
  ops?: string[];
  /** A shorter per-request timeout for this fault's runs (stalls the client must give up on). */
  requestTimeoutMs?: number;
  rules: (run: number) => unknown[];
}
export declare const FAULTS: readonly ChaosFault[];

export interface ChaosRow {
  fault: string;
  op: string;
  expect: ChaosFault['expect'];
  runs: number;
  ok: number;
  failures: Record<string, number>;
  retries: number;
  timesMs: number[];
  unknown: number;
  duplicates: number;
  keyLeaks: number;
}

export declare function runMatrix(options: {
  lib: unknown;
  emulatorLib: unknown;
  downloadsLib: unknown;
  runs: number;
  faults?: string[];
  ops?: string[];
  concurrency?: number;
  onCell?: (row: ChaosRow) => void;
}): Promise<ChaosRow[]>;

export declare function percentiles(times: number[]): { p50: number; p95: number };
export declare function toMarkdown(rows: ChaosRow[]): string;
