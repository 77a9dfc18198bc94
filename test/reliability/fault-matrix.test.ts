// A slice of the fault matrix (`npm run chaos` runs all of it against dist/): a few faults × every
// operation, against the sources, asserting the counters that must be zero and full success where the
// fault is transient.

import { describe, expect, test } from 'vitest';
import { type ChaosRow, runMatrix } from '../../scripts/chaos-matrix.mjs';
import * as downloadsLib from '../../src/downloads.js';
import * as emulatorLib from '../../src/emulator/index.js';
import * as lib from '../../src/index.js';

const SLICE = ['503', 'reset after create', 'malformed JSON', 'prediction failed'];

describe('fault matrix slice', () => {
  let rows: ChaosRow[] = [];

  test('runs every operation under a few faults, 3 seeded runs per cell', async () => {
    rows = await runMatrix({ lib, emulatorLib, downloadsLib, runs: 3, faults: SLICE, concurrency: 2 });
    expect(rows.length).toBeGreaterThanOrEqual(15);
  }, 60_000);

  test('no prediction is created without the caller hearing of it, none twice, and the key leaks nowhere', () => {
    for (const row of rows) {
      expect({
        cell: `${row.fault} × ${row.op}`,
        unknown: row.unknown,
        duplicates: row.duplicates,
        keyLeaks: row.keyLeaks,
      }).toEqual({
        cell: `${row.fault} × ${row.op}`,
        unknown: 0,
        duplicates: 0,
        keyLeaks: 0,
      });
    }
  });

  test('transient faults are ridden out every time; failed predictions are reported as failed', () => {
    for (const row of rows.filter((r) => r.expect !== 'either')) {
      expect({ cell: `${row.fault} × ${row.op}`, correct: row.ok, failures: row.failures }).toEqual({
        cell: `${row.fault} × ${row.op}`,
        correct: row.runs,
        failures: {},
      });
    }
  });
});
