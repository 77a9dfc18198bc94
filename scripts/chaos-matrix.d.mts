// Types of scripts/chaos-matrix.mjs, for the test slice in test/reliability/fault-matrix.test.ts.

export declare const CHAOS_API_KEY: string;
export declare const CHAOS_RETRY: { delaysMs: number[]; maxRetries: number; jitterRatio: number; minDelayMs: number };
export declare const DEADLINE_MARGIN_MS: number;
export declare const HOSTILE_IDS: readonly string[];
export declare const OPERATIONS: readonly string[];

export interface ChaosFault {
  name: string;
  expect: 'success' | 'failed' | 'canceled' | 'refused' | 'either';
  ops?: string[];
  /** A shorter per-request timeout for this fault's runs (stalls the client must give up on). */
  requestTimeoutMs?: number;
  rules: (run: number) => unknown[];
  /** Scenarios of one run (matched by the run's tag). */
  scenarios?: (tag: string, run: number) => unknown[];
  /** Extra emulator options (a server clock offset, ...). */
  emulator?: Record<string, unknown>;
  /** At most this many runs per cell (slow rows). */
  maxRuns?: number;
  /** Extra model input of the image creates (setup included). */
  input?: Record<string, unknown>;
  /** The video call's `input`. */
  videoInput?: Record<string, unknown>;
  /** Sequential calls per run with one client, each with its own deadline (default one call of 10 s). */
  calls?: Array<{ timeoutMs?: number }>;
  /** The client's budget in calls' worth (default calls + 0.5), or in dollars. */
  budgetCalls?: number;
  budgetUsd?: number;
  /** A correct call takes at least this long (the server asked it to wait). */
  minMs?: number;
  /** One more check of a correct call: a reason it is not correct, or null. */
  check?: (ctx: { stats: unknown; value: unknown }) => string | null;
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
  /** Spend past the client's budget, by the emulator's account of what it made × the price table. */
  overrunUsd: number;
  /** Calls that ended more than DEADLINE_MARGIN_MS after their deadline (or never). */
  pastDeadline: number;
}

export declare function runMatrix(options: {
  lib: unknown;
  emulatorLib: unknown;
  downloadsLib: unknown;
  runs: number;
  faults?: string[];
  ops?: string[];
  /** Only these `[fault name, operation]` cells. */
  cells?: Array<[string, string]>;
  concurrency?: number;
  onCell?: (row: ChaosRow) => void;
}): Promise<ChaosRow[]>;

export declare function billedUsd(prediction: {
  model: string;
  status: string;
  units: { images: number; videoSeconds: number };
}): number;
export declare function percentiles(times: number[]): { p50: number; p95: number };
export declare function toMarkdown(rows: ChaosRow[]): string;
