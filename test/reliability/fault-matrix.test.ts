// A slice of the fault matrix (`npm run chaos` runs all of it against dist/): a few classic faults × every
// operation, and one cell of each hostile-server row of issue 10, against the sources, asserting the
// counters that must be zero and full success where the fault is transient.

import { describe, expect, test } from 'vitest';
import { type ChaosRow, runMatrix } from '../../scripts/chaos-matrix.mjs';
import * as downloadsLib from '../../src/downloads.js';
import * as emulatorLib from '../../src/emulator/index.js';
import * as lib from '../../src/index.js';

const SLICE = ['503', 'reset after create', 'malformed JSON', 'prediction failed'];

/** One cell per hostile-server row (issue 10): the operation each row is about. */
const HOSTILE_CELLS: Array<[string, string]> = [
  ['deep listing: create answer lost under 250 newer predictions', 'generateImage'],
  ['late create: answer lost, prediction appears 150 ms later', 'createPrediction'],
  ['identical calls at once, one answer lost', 'batch'],
  ['cancel answers processing, then succeeds (2 calls, budget for 1.5)', 'generateImage'],
  ['cancel answers processing, then cancels 200 ms later (2 calls)', 'generateImage'],
  ['server clock 60 s behind, 429 Retry-After as a date (1 s)', 'createPrediction'],
  ['Retry-After: 0, three times', 'pollPrediction'],
  ['stream sends `: 408` and closes, every time', 'pollPrediction'],
  ['newline-free stream (16 MB)', 'pollPrediction'],
  ['huge logs (48 MB in every answer)', 'pollPrediction'],
  ['key echoed in logs and error', 'generateImage'],
  ['two outputs sharing a base name (a/out-0.png, b/out-0.png)', 'generateImage → files'],
  ['hostile prediction id (../escaped, a/b, control characters, ...)', 'client.download'],
  ['video of 30 s asked through input, budget $0.50', 'generateVideo'],
  ['output host stalls, call deadline 1.5 s', 'generateImage → files'],
];

const cell = (row: ChaosRow) => `${row.fault} × ${row.op}`;

function zeroCounters(row: ChaosRow) {
  return {
    cell: cell(row),
    unknown: row.unknown,
    duplicates: row.duplicates,
    keyLeaks: row.keyLeaks,
    overrunUsd: row.overrunUsd,
    pastDeadline: row.pastDeadline,
  };
}

const ZERO = { unknown: 0, duplicates: 0, keyLeaks: 0, overrunUsd: 0, pastDeadline: 0 };

describe('fault matrix slice', () => {
  let rows: ChaosRow[] = [];

  test('runs every operation under a few faults, and one cell of every hostile-server row', async () => {
    const classic = await runMatrix({
      lib,
      emulatorLib,
      downloadsLib,
      runs: 3,
      faults: SLICE,
      ops: ['generateImage', 'generateVideo', 'pollPrediction', 'createPrediction', 'download'],
      concurrency: 2,
    });
    const hostile = await runMatrix({ lib, emulatorLib, downloadsLib, runs: 2, cells: HOSTILE_CELLS, concurrency: 3 });
    rows = [...classic, ...hostile];
    expect(classic.length).toBeGreaterThanOrEqual(15);
    expect(hostile.map((r) => [r.fault, r.op])).toEqual(HOSTILE_CELLS);
  }, 60_000);

  test('no prediction unknown or made twice, no key leaked, no spend past the budget, no call past its deadline', () => {
    for (const row of rows) expect(zeroCounters(row)).toEqual({ cell: cell(row), ...ZERO });
  });

  test('transient faults are ridden out every time; failed, canceled and over-budget calls are reported so', () => {
    for (const row of rows.filter((r) => r.expect !== 'either')) {
      expect({ cell: cell(row), correct: row.ok, failures: row.failures }).toEqual({
        cell: cell(row),
        correct: row.runs,
        failures: {},
      });
    }
  });
});
