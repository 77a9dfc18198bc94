#!/usr/bin/env node
// `npm run chaos`: the fault matrix (scripts/chaos-matrix.mjs) against the built package in dist/.
//
//   npm run build && npm run chaos                    # 100 seeded runs per cell, writes docs/reliability.md
//   npm run chaos -- --runs 10 --no-write             # a quick look, table on stdout only
//   npm run chaos -- --fault 502 --op generateImage   # one cell (both flags repeat)

import { readFile, writeFile } from 'node:fs/promises';
import { FAULTS, OPERATIONS, runMatrix, toMarkdown } from './chaos-matrix.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const values = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
const runs = Number(values('--runs')[0] ?? 100);
const concurrency = Number(values('--concurrency')[0] ?? 4);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive whole number');
const faults = values('--fault');
const ops = values('--op');
for (const f of faults)
  if (!FAULTS.some((x) => x.name === f))
    throw new Error(`unknown fault "${f}"; known: ${FAULTS.map((x) => x.name).join(' | ')}`);
for (const o of ops)
  if (!OPERATIONS.includes(o)) throw new Error(`unknown operation "${o}"; known: ${OPERATIONS.join(', ')}`);

const lib = await import('../dist/index.js');
const emulatorLib = await import('../dist/emulator/index.js');
const downloadsLib = await import('../dist/downloads.js');

const started = Date.now();
const rows = await runMatrix({
  lib,
  emulatorLib,
  downloadsLib,
  runs,
  concurrency,
  ...(faults.length ? { faults } : {}),
  ...(ops.length ? { ops } : {}),
  onCell: (r) =>
    process.stderr.write(
      `${r.fault} × ${r.op}: ${r.ok}/${r.runs} correct, unknown ${r.unknown}, twice ${r.duplicates}, leaks ${r.keyLeaks}, overrun $${r.overrunUsd}, past deadline ${r.pastDeadline}\n`,
    ),
});
const seconds = ((Date.now() - started) / 1000).toFixed(0);
const table = toMarkdown(rows);
const zero = rows.every(
  (r) => r.unknown === 0 && r.duplicates === 0 && r.keyLeaks === 0 && r.overrunUsd === 0 && r.pastDeadline === 0,
);
const transientFull = rows.filter((r) => r.expect === 'success').every((r) => r.ok === r.runs);
const command = `npm run build && npm run chaos${runs === 100 ? '' : ` -- --runs ${runs}`}`;
const summary = `${rows.length} cells × ${runs} runs (fewer in the slow rows: see *correct*) in ${seconds} s (Node ${process.version}, ${new Date().toISOString().slice(0, 10)}). Zero counters all zero: ${zero ? 'yes' : 'NO'}. Every transient-fault cell 100% correct: ${transientFull ? 'yes' : 'NO'}.`;
console.log(`${table}\n\n${summary}`);

if (!flag('--no-write') && !faults.length && !ops.length) {
  const path = new URL('../docs/reliability.md', import.meta.url);
  const doc = await readFile(path, 'utf8');
  const begin = '<!-- chaos:begin -->';
  const end = '<!-- chaos:end -->';
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error('docs/reliability.md has no chaos markers');
  const block = `${begin}\nCommand: \`${command}\`. ${summary}\n\n${table}\n${end}`;
  await writeFile(path, doc.slice(0, i) + block + doc.slice(j + end.length));
  console.error('wrote docs/reliability.md');
}
process.exitCode = zero ? 0 : 1;
