// Turns bench results into the goals verdicts, the markdown tables (docs/benchmarks.md and the README
// snippet in bench/results/latest.md) and the latency chart (docs/benchmarks-latency.svg).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const OURS = 'replicate-media';

/** Each client's polling interval with its defaults, for the "half the polling interval" goal. */
const POLL_INTERVAL_MS = {
  'replicate-media': 5_000,
  'original-design': 5_000,
  'replicate-run': 500,
  'replicate-create-wait': 500,
  'stainless-run': 500,
};

/** Which package a client is, for the footprint rows. */
const PACKAGE_OF = {
  'replicate-media': 'replicate-media',
  'original-design': 'replicate-media',
  'replicate-run': 'replicate',
  'replicate-create-wait': 'replicate',
  'stainless-run': 'replicate-stainless',
};

// ------------------------------------------------------------------ goals

/** The issue's goals, judged for every client (the goals are ours; the others are shown for scale). */
export function evaluateGoals(results) {
  const { latency, batch, storm, footprint } = results.scenarios;
  const goals = [];
  const add = (id, goal, judge) => {
    const perClient = {};
    for (const { id: client } of results.clients) {
      const verdict = judge(client);
      if (verdict) perClient[client] = verdict;
    }
    goals.push({ id, goal, clients: perClient });
  };
  const within60 = latency ? ['short', 'medium'].map((s) => latency[s]).filter(Boolean) : [];
  if (within60.length > 0) {
    add('latency-within-60s', 'Added latency p50 ≤ 20 ms for predictions that finish within 60 s', (c) => {
      const rows = within60.map((s) => s.clients[c]).filter(Boolean);
      if (rows.length === 0) return null;
      const failed = rows.some((r) => r.failures > 0 || r.addedLatencyMs.p50 === null);
      const value = Math.max(...rows.map((r) => r.addedLatencyMs.p50 ?? Infinity));
      return { value: failed ? `${fmtMs(value)} (with failures)` : fmtMs(value), met: !failed && value <= 20 };
    });
    add('requests-within-60s', 'At most 2 HTTP requests for a prediction that finishes within 60 s', (c) => {
      const rows = within60.map((s) => s.clients[c]).filter(Boolean);
      if (rows.length === 0) return null;
      const value = Math.max(...rows.map((r) => r.requestsPerPrediction));
      return { value: `${value}`, met: value <= 2 };
    });
  }
  if (latency?.long) {
    add('latency-past-60s', 'Added latency p50 ≤ half the polling interval for predictions longer than 60 s', (c) => {
      const r = latency.long.clients[c];
      if (!r) return null;
      const limit = POLL_INTERVAL_MS[c] / 2;
      if (r.failures > 0) return { value: `${r.failures}/${r.predictions} failed`, met: false };
      return { value: `${fmtMs(r.addedLatencyMs.p50)} (limit ${fmtMs(limit)})`, met: r.addedLatencyMs.p50 <= limit };
    });
  }
  if (batch) {
    add(
      'batch-rate',
      'Batch: ≥ 95% of the rate the limit allows',
      (c) =>
        batch.clients[c] && { value: pct(batch.clients[c].rateOfAllowed), met: batch.clients[c].rateOfAllowed >= 0.95 },
    );
    add(
      'batch-429',
      'Batch: zero 429 responses',
      (c) =>
        batch.clients[c] && { value: `${batch.clients[c].responses429}`, met: batch.clients[c].responses429 === 0 },
    );
    add(
      'batch-failures',
      'Batch: zero failures',
      (c) => batch.clients[c] && { value: `${batch.clients[c].failures}`, met: batch.clients[c].failures === 0 },
    );
    if (batch.bareFetch) {
      // Against bare fetch() doing the same creates at the same concurrency in the same run, not an
      // absolute figure: Node itself is most of a process's RSS, and it moves with the machine.
      // replicate-media and bare fetch: medians of the runs taken in turn (see RSS_RUNS in run.mjs); the
      // other clients ran once, against bare fetch's median.
      const base = batch.bareFetch.medianPeakRssMb ?? batch.bareFetch.peakRssMb;
      const baseRuns = batch.bareFetch.peakRssMbRuns?.length ?? 1;
      add('rss-vs-bare-fetch', 'Batch: peak RSS ≤ 1.05 × bare fetch() doing the same creates', (c) => {
        const r = batch.clients[c];
        if (!r) return null;
        const mine = r.medianPeakRssMb ?? r.peakRssMb;
        const runs = r.peakRssMbRuns?.length ?? 1;
        const ratio = mine / base;
        const how =
          runs > 1
            ? `medians of ${runs} runs each`
            : baseRuns > 1
              ? `one run, against a median of ${baseRuns}`
              : 'one run each';
        return {
          value: `×${ratio.toFixed(2)} (${mine} MB vs ${base} MB, ${how})`,
          met: ratio <= 1.05,
        };
      });
    }
  }
  if (latency?.long) {
    add('requests-past-60s', 'At most 3 requests per ~70 s prediction, added latency p50 ≤ 20 ms', (c) => {
      const r = latency.long.clients[c];
      if (!r) return null;
      if (r.failures > 0) return { value: `${r.failures}/${r.predictions} failed`, met: false };
      return {
        value: `${r.requestsPerPrediction} (p50 ${fmtMs(r.addedLatencyMs.p50)})`,
        met: r.requestsPerPrediction <= 3 && r.addedLatencyMs.p50 <= 20,
      };
    });
  }
  const multi = results.scenarios.multiProcess;
  const multiK = multi && (multi.byProcesses[4] ? 4 : Number(Object.keys(multi.byProcesses)[0]));
  if (multi && multiK) {
    const group = multi.byProcesses[multiK];
    add(
      'multi-process-share',
      `${multiK} processes on one key: together ≥ 95% of the rate the limit allows, zero failures`,
      (c) => {
        const r = group.clients[c];
        if (!r) return null;
        return {
          value: `${pct(r.rateOfAllowed)}${r.failures > 0 ? `, ${r.failures} failed` : ''}`,
          met: r.rateOfAllowed >= 0.95 && r.failures === 0,
        };
      },
    );
    add('multi-process-429s', `${multiK} processes on one key: at most one 429 per process`, (c) => {
      const r = group.clients[c];
      if (!r) return null;
      return {
        value: `${r.max429PerProcess} (per process: ${r.responses429PerProcess.join(', ')})`,
        met: r.max429PerProcess <= 1,
      };
    });
  }
  const emu = results.scenarios.emulator;
  if (emu?.servers?.emulator) {
    add(
      'emulator-throughput-vs-prism',
      "Emulator: ≥ 2 × Prism's requests/s on create, get and list; list page time flat with stored count",
      (c) => {
        if (c !== OURS) return null;
        const prism = emu.servers.prism;
        const routes = ['create', 'get', 'list'];
        const ratios =
          prism && !prism.error
            ? routes.map((r) => emu.servers.emulator[r].requestsPerSecond / prism[r].requestsPerSecond)
            : null;
        const first = emu.stored[0]?.listPageMs.p50;
        const last = emu.stored.at(-1)?.listPageMs.p50;
        // "Does not grow": the page at the most stored within twice the page at the fewest (timer noise aside).
        const flat = first !== undefined && last !== undefined && last <= 2 * Math.max(first, 1);
        const vs = ratios ? routes.map((r, i) => `${r} ×${ratios[i].toFixed(1)}`).join(', ') : 'Prism not measured';
        return {
          value: `${vs}; list page ${emu.stored.map((row) => `${fmtMs(row.listPageMs.p50)} at ${row.stored}`).join(', ')}`,
          met: (ratios?.every((r) => r >= 2) ?? false) && flat,
        };
      },
    );
  }
  if (storm) {
    add(
      'storm',
      '429 storm: 100% success',
      (c) => storm.clients[c] && { value: pct(storm.clients[c].successRate), met: storm.clients[c].successRate === 1 },
    );
  }
  if (footprint) {
    add('import', 'Cold import ≤ 50 ms', (c) => {
      const f = footprint.packages[PACKAGE_OF[c]];
      return f && { value: fmtMs(f.coldImportMs), met: f.coldImportMs <= 50 };
    });
    add('dependencies', 'Zero runtime dependencies', (c) => {
      const f = footprint.packages[PACKAGE_OF[c]];
      return f && { value: `${f.runtimeDependenciesTransitive}`, met: f.runtimeDependenciesTransitive === 0 };
    });
  }
  return goals;
}

// ------------------------------------------------------------------ formatting

function fmtMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) < 1_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function pct(ratio) {
  return ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(ratio === 1 ? 0 : 1)}%`;
}

function kb(bytes) {
  return `${Math.round(bytes / 1024)} kB`;
}

/** "×12" for other/ours, with ours floored at `floor` so a near-zero figure does not explode the ratio. */
function ratio(other, ours, floor = 0) {
  if (other === null || ours === null || other === undefined || ours === undefined) return '';
  const base = Math.max(ours, floor);
  if (base === 0) return '';
  const r = Math.max(other, floor) / base;
  return ` (×${r >= 100 ? Math.round(r) : r >= 10 ? r.toFixed(0) : r.toFixed(1)})`;
}

/**
 * Table rows: one metric each, a cell per client. `value(c)` gives the number used for the ratio to
 * ours, `text(c)` the cell; rows with `ratioFloor === undefined` get no ratio.
 */
function rows(results) {
  const { latency, batch, storm, footprint } = results.scenarios;
  const out = [];
  for (const [id, s] of Object.entries(latency ?? {})) {
    const cell = (key) => (c) => {
      const r = s.clients[c];
      if (!r) return null;
      if (r.succeeded === 0) return { text: `all ${r.predictions} failed` };
      const v = r.addedLatencyMs[key];
      return { value: v, text: fmtMs(v) + (r.failures > 0 ? ` (${r.failures}/${r.predictions} failed)` : '') };
    };
    out.push({
      group: 'latency',
      metric: `Added latency p50, ${s.label}`,
      cell: cell('p50'),
      ratioFloor: 1,
      scenario: id,
    });
    out.push({
      group: 'latency',
      metric: `Added latency p95 / max, ${s.label}`,
      cell: (c) => {
        const p95 = cell('p95')(c);
        const r = s.clients[c];
        return p95 && p95.value !== undefined
          ? {
              ...p95,
              text: `${fmtMs(r.addedLatencyMs.p95)} / ${fmtMs(r.addedLatencyMs.max)}${r.failures > 0 ? ` (${r.failures}/${r.predictions} failed)` : ''}`,
            }
          : p95;
      },
      ratioFloor: 1,
      scenario: id,
    });
    out.push({
      group: 'latency',
      metric: `HTTP requests per prediction, ${s.label}`,
      cell: (c) =>
        s.clients[c] && { value: s.clients[c].requestsPerPrediction, text: `${s.clients[c].requestsPerPrediction}` },
      ratioFloor: 0,
      scenario: id,
    });
  }
  if (batch) {
    const b = (f) => (c) => batch.clients[c] && f(batch.clients[c]);
    out.push({
      group: 'batch',
      metric: `Batch of ${batch.n}: total time (minimum ${fmtMs(batch.minimumMs)})`,
      cell: b((r) => ({ value: r.totalMs, text: fmtMs(r.totalMs) })),
      ratioFloor: 0,
    });
    out.push({
      group: 'batch',
      metric: 'Batch: share of the rate the limit allows',
      cell: b((r) => ({ value: r.rateOfAllowed, text: pct(r.rateOfAllowed) })),
      ratioFloor: 0,
    });
    out.push({
      group: 'batch',
      metric: 'Batch: 429 responses',
      cell: b((r) => ({ value: r.responses429, text: `${r.responses429}` })),
    });
    out.push({
      group: 'batch',
      metric: 'Batch: failed predictions',
      cell: b((r) => ({ value: r.failures, text: `${r.failures}` })),
    });
    out.push({
      group: 'batch',
      metric: 'Batch: predictions created (billed)',
      cell: b((r) => ({ value: r.predictionsCreated, text: `${r.predictionsCreated}` })),
    });
    out.push({
      group: 'batch',
      metric: 'Batch: peak RSS of the client process',
      cell: b((r) => ({ value: r.peakRssMb, text: `${r.peakRssMb} MB` })),
      ratioFloor: 0,
    });
  }
  const multi = results.scenarios.multiProcess;
  for (const [k, group] of Object.entries(multi?.byProcesses ?? {})) {
    const m = (f) => (c) => group.clients[c] && f(group.clients[c]);
    out.push({
      group: 'multi',
      metric: `${k} processes on one key, ${multi.n} predictions: share of the rate the limit allows`,
      cell: m((r) => ({ value: r.rateOfAllowed, text: pct(r.rateOfAllowed) })),
      ratioFloor: 0,
    });
    out.push({
      group: 'multi',
      metric: `${k} processes: 429 responses per process (most / all)`,
      cell: m((r) => ({ value: r.max429PerProcess, text: `${r.max429PerProcess} / ${r.responses429}` })),
    });
    out.push({
      group: 'multi',
      metric: `${k} processes: failed predictions`,
      cell: m((r) => ({ value: r.failures, text: `${r.failures}` })),
    });
  }
  if (storm) {
    const s = (f) => (c) => storm.clients[c] && f(storm.clients[c]);
    out.push({
      group: 'storm',
      metric: `429 storm (${storm.probability * 100}% of creates): success`,
      cell: s((r) => ({ value: r.successRate, text: pct(r.successRate) })),
      ratioFloor: 0,
    });
    out.push({
      group: 'storm',
      metric: `429 storm: time for ${storm.n}`,
      cell: s((r) => ({ value: r.totalMs, text: fmtMs(r.totalMs) })),
      ratioFloor: 0,
    });
  }
  if (footprint) {
    const f = (fn) => (c) => footprint.packages[PACKAGE_OF[c]] && fn(footprint.packages[PACKAGE_OF[c]]);
    out.push({
      group: 'footprint',
      metric: 'Cold import',
      cell: f((p) => ({ value: p.coldImportMs, text: fmtMs(p.coldImportMs) })),
      ratioFloor: 1,
    });
    out.push({
      group: 'footprint',
      metric: 'Installed size (unpacked package)',
      cell: f((p) => ({ value: p.unpackedBytes, text: kb(p.unpackedBytes) })),
      ratioFloor: 0,
    });
    out.push({
      group: 'footprint',
      metric: 'Runtime dependencies',
      cell: f((p) => ({ value: p.runtimeDependenciesTransitive, text: `${p.runtimeDependenciesTransitive}` })),
    });
  }
  return out;
}

function table(results, { filter = () => true, ratios = true } = {}) {
  const clients = results.clients;
  const lines = [`| | ${clients.map((c) => c.label).join(' | ')} |`, `|---|${clients.map(() => '---:').join('|')}|`];
  for (const row of rows(results).filter(filter)) {
    const ours = row.cell(OURS);
    const cells = clients.map((c) => {
      const cell = row.cell(c.id);
      if (!cell) return '—';
      const showRatio =
        ratios &&
        c.id !== OURS &&
        row.ratioFloor !== undefined &&
        cell.value !== undefined &&
        ours?.value !== undefined;
      return cell.text + (showRatio ? ratio(cell.value, ours.value, row.ratioFloor) : '');
    });
    lines.push(`| ${row.metric} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function goalsTable(results) {
  const clients = results.clients;
  const lines = [
    `| Goal | ${clients.map((c) => c.label).join(' | ')} |`,
    `|---|${clients.map(() => '---').join('|')}|`,
  ];
  for (const g of results.goals) {
    const cells = clients.map((c) => {
      const v = g.clients[c.id];
      return v ? `${v.met ? '✅ met' : '❌ missed'}: ${v.value}` : '—';
    });
    lines.push(`| ${g.goal} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

const clean = (text) => text.replace(/\s+/g, ' ').replace(/`/g, "'").slice(0, 200);

/** The failures each client had, and the warnings it printed, scenario by scenario, in the clients' own words. */
function failureNotes(results) {
  const notes = [];
  const label = Object.fromEntries(results.clients.map((c) => [c.id, c.label]));
  const scan = (name, scenario) => {
    for (const [client, r] of Object.entries(scenario.clients)) {
      for (const e of r.errors ?? [])
        notes.push(`- **${label[client]}**, ${name}: ${e.count} × failed: \`${clean(e.error)}\``);
      for (const w of r.warnings ?? [])
        notes.push(`- **${label[client]}**, ${name}: printed ${w.count} × \`${clean(w.warning)}\``);
    }
  };
  for (const s of Object.values(results.scenarios.latency ?? {})) scan(`latency ${s.label}`, s);
  if (results.scenarios.batch) scan('batch', results.scenarios.batch);
  if (results.scenarios.storm) scan('429 storm', results.scenarios.storm);
  for (const [k, group] of Object.entries(results.scenarios.multiProcess?.byProcesses ?? {}))
    scan(`${k} processes on one key`, group);
  return notes.length ? notes.join('\n') : '- None.';
}

/** Peak RSS at two concurrencies and the slope between them (memory per prediction in flight). */
function memorySlopeTable(results) {
  const m = results.scenarios.memorySlope;
  if (!m) return '_Not run._';
  const [low, high] = m.concurrencies;
  const lines = [
    `| | peak RSS at concurrency ${low} | peak RSS at concurrency ${high} | per prediction in flight |`,
    '|---|---:|---:|---:|',
  ];
  for (const [id, r] of Object.entries(m.clients)) {
    const label = id === 'bare-fetch' ? 'bare `fetch()`' : `${id} (rate limiter off)`;
    lines.push(
      `| ${label} | ${r.byConcurrency[low].peakRssMb} MB | ${r.byConcurrency[high].peakRssMb} MB | ${r.kbPerInFlight} kB |`,
    );
  }
  return lines.join('\n');
}

/** The emulator against Prism: requests/s and latency per route, and the list page as predictions pile up. */
function emulatorTables(results) {
  const e = results.scenarios.emulator;
  if (!e) return '_Not run._';
  const servers = Object.entries(e.servers).filter(([, v]) => !v.error);
  const name = (id, v) => (id === 'prism' ? `Prism ${v.version} (mock)` : 'replicate-media emulator');
  const lines = [
    `| Route (${e.requests} requests, ${e.concurrency} at once) | ${servers.map(([id, v]) => name(id, v)).join(' | ')} |`,
    `|---|${servers.map(() => '---:').join('|')}|`,
  ];
  for (const route of ['create', 'get', 'list']) {
    lines.push(
      `| ${route} | ${servers
        .map(
          ([, v]) =>
            `${v[route].requestsPerSecond}/s (p50 ${fmtMs(v[route].latencyMs.p50)}, p95 ${fmtMs(v[route].latencyMs.p95)}${v[route].bytesPerResponse ? `; ${kb(v[route].bytesPerResponse)} an answer` : ''})`,
        )
        .join(' | ')} |`,
    );
  }
  if (e.servers.prism?.error) lines.push('', `Prism was not measured: \`${clean(e.servers.prism.error)}\``);
  lines.push('', '| Predictions stored | list page p50 / p95 | emulator RSS |', '|---:|---:|---:|');
  for (const row of e.stored) {
    lines.push(
      `| ${row.stored.toLocaleString('en-US')} | ${fmtMs(row.listPageMs.p50)} / ${fmtMs(row.listPageMs.p95)} | ${row.rssMb ?? '—'} MB |`,
    );
  }
  return lines.join('\n');
}

function bundleTable(results) {
  const b = results.scenarios.bundle;
  if (!b) return '_Not run._';
  const only = b.onlyReplicateClient;
  return [
    '| | minified | minified + gzipped |',
    '|---|---:|---:|',
    `| replicate-media, the whole entry (\`src/index.ts\`) | ${kb(b['replicate-media'].minifiedBytes)} | ${kb(b['replicate-media'].gzippedBytes)} |`,
    `| replicate-media, an app importing only \`ReplicateClient\` | ${kb(only.minifiedBytes)} | ${kb(only.gzippedBytes)} |`,
    `| \`replicate\` (official), its entry | ${kb(b.replicate.minifiedBytes)} | ${kb(b.replicate.gzippedBytes)} |`,
    '',
    `Importing only \`ReplicateClient\` keeps ${only.files} of the entry's ${only.allFiles} source files${only.dropped.length ? ` (dropped: ${only.dropped.map((f) => `\`${f}\``).join(', ')})` : ''}; the largest kept: ${only.largest
      .slice(0, 8)
      .map((k) => `\`${k.file}\` ${kb(k.bytes)}`)
      .join(', ')} (minified bytes in the output).`,
  ].join('\n');
}

// ------------------------------------------------------------------ chart

const COLORS = ['#1f77b4', '#7f7f7f', '#d62728', '#ff7f0e', '#2ca02c', '#9467bd'];

function escapeXml(text) {
  return String(text).replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch]);
}

/** Horizontal bars of added latency p50 per client and scenario, p95 as a whisker, log scale. */
export function latencySvg(results) {
  const latency = results.scenarios.latency ?? {};
  const clients = results.clients;
  const left = 190;
  const plotWidth = 520;
  const right = 190;
  const barHeight = 16;
  const gap = 6;
  const minLog = 0; // 1 ms
  const maxLog = 5; // 100 s
  const x = (ms) => left + ((Math.log10(Math.max(1, ms)) - minLog) / (maxLog - minLog)) * plotWidth;
  const parts = [];
  let y = 56;
  for (const s of Object.values(latency)) {
    parts.push(
      `<text x="${left}" y="${y}" font-weight="bold">Predictions of ${escapeXml(s.label)} (${s.predictions} per client)</text>`,
    );
    y += 10;
    clients.forEach((c, i) => {
      const r = s.clients[c.id];
      const top = y + i * (barHeight + gap);
      parts.push(`<text x="${left - 8}" y="${top + 12}" text-anchor="end">${escapeXml(c.label)}</text>`);
      if (!r) return;
      if (r.succeeded === 0) {
        parts.push(`<text x="${left + 4}" y="${top + 12}" fill="#b00">no result: all ${r.predictions} failed</text>`);
        return;
      }
      const { p50, p95 } = r.addedLatencyMs;
      const w = Math.max(1, x(p50) - left);
      parts.push(
        `<rect x="${left}" y="${top}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
      parts.push(
        `<line x1="${x(p50).toFixed(1)}" x2="${x(p95).toFixed(1)}" y1="${top + barHeight / 2}" y2="${top + barHeight / 2}" stroke="#333"/>`,
      );
      parts.push(
        `<line x1="${x(p95).toFixed(1)}" x2="${x(p95).toFixed(1)}" y1="${top + 3}" y2="${top + barHeight - 3}" stroke="#333"/>`,
      );
      const failed = r.failures > 0 ? `, ${r.failures}/${r.predictions} failed` : '';
      parts.push(
        `<text x="${left + plotWidth + 8}" y="${top + 12}">p50 ${escapeXml(fmtMs(p50))}, p95 ${escapeXml(fmtMs(p95))}${failed}</text>`,
      );
    });
    y += clients.length * (barHeight + gap) + 26;
  }
  const height = y + 10;
  const grid = [];
  for (let e = minLog; e <= maxLog; e++) {
    const gx = x(10 ** e);
    grid.push(`<line x1="${gx.toFixed(1)}" x2="${gx.toFixed(1)}" y1="40" y2="${height - 30}" stroke="#ddd"/>`);
    grid.push(
      `<text x="${gx.toFixed(1)}" y="${height - 14}" text-anchor="middle" fill="#555">${e < 3 ? `${10 ** e} ms` : `${10 ** (e - 3)} s`}</text>`,
    );
  }
  const date = results.startedAt.slice(0, 10);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotWidth + right}" height="${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="22" font-size="15" font-weight="bold">Added latency: when the caller got the result − the prediction's completed_at</text>
<text x="${left}" y="38" fill="#555">bar: p50, whisker: p95, log scale; npm run bench, ${escapeXml(date)}, Node ${escapeXml(results.machine.node)}</text>
${grid.join('\n')}
${parts.join('\n')}
</svg>
`;
}

// ------------------------------------------------------------------ docs

/** The many-processes setup in words, from the results (or the full run's settings when it was not run). */
function multiProcessSetup(results) {
  const m = results.scenarios.multiProcess;
  const groups = Object.entries(m?.byProcesses ?? {});
  const ks = groups.length ? groups.map(([k]) => k).join(', ') : '2, 4, 8';
  const othersAt = groups.filter(([, g]) => Object.keys(g.clients).length > 1).map(([k]) => k);
  return `K = ${ks} client processes, each with its own client (replicate-media at every K; the others at K = ${othersAt.length ? othersAt.join(', ') : '4'}, for scale), share ${m?.n ?? 1_000} flux-schnell predictions (n/K each) and ${m?.concurrency ?? 50} in flight (concurrency/K each, rounded) against one emulator at the real create limit of ${m?.createPerMinute ?? 600}/minute, all on one API key${m ? '' : ' (not in this run)'}`;
}

function readmeTable(results) {
  const keep = new Set([
    'Added latency p50, ~0.5 s',
    'Added latency p50, ~5 s',
    'Added latency p50, ~70 s',
    'HTTP requests per prediction, ~5 s',
    'Batch: share of the rate the limit allows',
    'Batch: 429 responses',
    'Batch: failed predictions',
    '429 storm (30% of creates): success',
    'Cold import',
    'Runtime dependencies',
  ]);
  return table(results, { filter: (row) => keep.has(row.metric) || row.metric.startsWith('Batch of') });
}

export async function writeDocs(results, root) {
  const m = results.machine;
  const date = results.startedAt.slice(0, 10);
  const b = results.scenarios.batch;
  const st = results.scenarios.storm;
  const lat = results.scenarios.latency ?? {};
  const clientList = results.clients.map((c) => `- **${c.label}** (\`${c.package}\`): ${c.how}.`).join('\n');
  const versions = Object.entries(results.scenarios.footprint?.packages ?? {})
    .map(([name, p]) => `\`${name}@${p.version}\``)
    .join(', ');
  const md = `# Benchmarks

Produced by \`npm run bench\` (\`bench/run.mjs\`) on ${date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}.
Raw figures: [\`bench/results/latest.json\`](../bench/results/latest.json). Packages: ${versions}.${m.loadAverageAtStart ? `\nLoad average at the start: ${m.loadAverageAtStart.join(' / ')} (1 / 5 / 15 min) on ${m.cores} cores${m.loadAverageAtStart[0] > m.cores ? ': the machine was busy with other work, which slows every client alike and inflates the millisecond figures' : ''}; each case's 1-minute load is in the JSON.` : ''}
${results.quick ? '\n**This is a --quick run: tiny sizes, every case at once. Its figures mean nothing.**\n' : ''}
Every client ran against the same emulator build, in the same run. In the cells of the other clients, \`(×N)\`
is that client's figure divided by replicate-media's (latencies below 1 ms count as 1 ms; for p95 / max, the ratio is of the p95s).

## Results

${table(results)}

## Goals (issues 6 and 14)

The goals are replicate-media's; the other clients are judged by the same bar for scale. A missed goal is
a finding to fix, not a figure to tune.

${goalsTable(results)}

## Latency

![Added latency per client](benchmarks-latency.svg)

## Memory per prediction in flight

${memorySlopeTable(results)}

## The emulator against Prism

${emulatorTables(results)}

## Bundle size (no goal yet)

${bundleTable(results)}

## Failures and warnings seen, in the clients' own words

${failureNotes(results)}

## The clients

${clientList}

## Why the clients differ (from their code, not from this run)

- **Waiting.** replicate-media and \`replicate run()\` hold the create open with \`Prefer: wait\`, so a prediction that
  ends within 60 s costs one request and arrives as soon as it ends. \`predictions.create\` + \`wait()\` and
  \`replicate-stainless run()\` create without it and poll every 500 ms: about a quarter of a second late on
  average and two requests a second while they wait. The original design polls every 5 s from the start.
- **Past 60 s.** \`replicate run()\` treats any sync answer other than \`starting\` as finished, so the \`processing\`
  answer at the end of the 60 s hold comes back as a null output, with no error. After the hold, replicate-media
  listens on the prediction's event stream (\`urls.stream\`) for its \`done\` event while it keeps polling every 5 s
  as a fallback, so it learns of the end within milliseconds at a few requests; the 500 ms pollers learn of it
  a quarter of a second late on average, at two requests a second. The original design has no stream and
  learns of it about 2.5 s late on average.
- **429s.** \`replicate\` retries a 429 up to 5 times, but computes the \`Retry-After\` delay and then sleeps a
  different, usually zero, amount: under a real limit its retries are spent at once and the prediction fails.
  \`replicate-stainless\` honours \`Retry-After\` but gives up after 2 retries. replicate-media paces its creates
  under the limit with a client-side token bucket and retries a 429 after \`Retry-After\` until the deadline;
  a random 429 therefore costs it a full second each time, which is why it is not the fastest through the storm.

## How it is measured

- **Processes.** Each (client, scenario) pair gets a fresh emulator (\`startEmulator\` from \`dist/\`) in a child
  process and a fresh client process (\`bench/worker.mjs\`). The emulator's CPU (JSON, timers, the rate limiter)
  never lands on the client being timed, its counters, rate-limit buckets and seeded fault draws start from zero
  for every client, and the client's peak RSS (\`process.resourceUsage().maxRSS\`) is its own: Node itself plus
  the library plus the work, nothing of the emulator's or the harness's.
- **Added latency** = the wall-clock time at which the caller's promise resolved with the result, minus the
  prediction's \`completed_at\` as the emulator recorded it (same machine, same clock). The emulator's
  timings are real time (\`speed\` 1): a 70 s prediction takes 70 s. Each scenario runs ${lat.short?.predictions ?? '?'}
  predictions per client at once, started ${lat.short?.startedEveryMs ?? '?'}–${lat.long?.startedEveryMs ?? '?'} ms apart,
  with durations drawn (seeded, identical for every client) from ${Object.values(lat)
    .map((s) => `${fmtMs(s.durationRangeMs[0])}–${fmtMs(s.durationRangeMs[1])}`)
    .join(', ')}, set per prediction with the \`[emulator:start_ms=…] [emulator:predict_ms=…]\` prompt directives.
  Random durations sample a poller's phase against completion fairly; fixed ones can land just after (or
  just before) a poll by accident. The ~0.5 s and ~5 s scenarios run one client at a time; the ~70 s
  scenario is 70 s of idle waiting, so the five clients wait side by side, each with its own emulator process.
- **HTTP requests per prediction**: every request the emulator counted (all routes) ÷ predictions, read from
  \`/_emulator/stats\` before the harness asks anything itself.
- **Batch**: ${b ? `${b.n} flux-schnell predictions (emulated 250 ms queue + 750 ms compute) at concurrency ${b.concurrency}` : 'not run'}
  against the **real** create limit of ${b?.createPerMinute ?? 600}/minute, not a scaled one. The emulator's token bucket, like
  Replicate's, holds one minute's worth (a burst of ${b?.createPerMinute ?? 600}), so scaling the per-minute rate up by k scales the
  burst too, and from k ≈ 1.7 a batch of ${b?.n ?? 1000} fits in the burst and the limit never binds. At the real rate the
  minimum is already short: ${b ? fmtMs(b.minimumMs) : '?'} (the first ${b?.createPerMinute ?? 600} creates at once, the rest at ${(b?.createPerMinute ?? 600) / 60}/s, plus the last
  prediction's second). "Share of the rate the limit allows" = that minimum ÷ the measured time from the first
  create to the last result, where the minimum is computed for the predictions that succeeded (a client that
  gives up on some finishes early without being faster). 429s are counted by the emulator; failures are what
  the caller got. Peak RSS is the client process's whole resident set: ${
    b?.bareFetch
      ? `for scale, bare \`fetch()\` doing the
  same ${b.n} creates at concurrency ${b.concurrency} (no limit to wait out, no client) peaked at ${b.bareFetch.peakRssMb} MB, from ${b.bareFetch.rssAtStartMb} MB at start${
    b.bareFetch.peakRssMbRuns?.length > 1
      ? `. One run's peak moves with when V8 happens to collect, so the memory goal compares medians: replicate-media's batch and bare fetch ran ${b.rssRuns} times each, in turn (replicate-media ${b.clients['replicate-media']?.peakRssMbRuns?.join(', ') ?? '?'} MB; bare fetch ${b.bareFetch.peakRssMbRuns.join(', ')} MB)`
      : ''
  }`
      : 'Node itself is about 40 MB of it'
  }.
- **Many processes on one key**: ${multiProcessSetup(results)}.
  The emulator counts 429s per key, and the key is shared, so each process talks to the emulator through a
  forwarding proxy of its own (in the emulator's process, the same for every client) that counts what it
  forwards. "Share of the rate the limit allows" is computed as for the batch, from the first create of any
  process to the last result of any process, against the minimum for the total concurrency. The processes
  never talk to each other: replicate-media's only coordinator is the API's \`ratelimit-remaining\` /
  \`ratelimit-reset\` headers (see [client.md](client.md)); the other clients do not read them. Each process owns
  a fixed part of the work, so a process that falls behind (a late start, the burst's last tokens won by
  another) finishes alone at the end: the figure counts that tail. To see where a run lost rate:
  \`node bench/multi-process-timeline.mjs K\` (results per process per second, every create's
  \`ratelimit-remaining\`); to try a change to the limiter in a second: \`node bench/shared-key-sim.mjs\` (virtual
  time; its "in step" case, every answer exactly 1 s, is harsher than this run).
- **Memory against bare fetch**: the batch's peak RSS of each client ÷ that of bare \`fetch()\` (one create with
  \`Prefer: wait\` per prediction, no retries, no polling) doing the same ${b?.n ?? '?'} creates at the same concurrency, in the
  same run, on the same machine: Node's own ~40 MB and the machine's state cancel out. Bare fetch has no limit
  to wait out (the emulator's is off for it), so it holds its ${b?.concurrency ?? '?'} in flight for a shorter time; the peak,
  not the time, is compared. **Per prediction in flight**: replicate-media (rate limiter off, as it would
  pace the larger run: this measures memory, not pace) and bare fetch each run 2 × concurrency predictions at
  concurrency ${results.scenarios.memorySlope?.concurrencies.join(' and ') ?? '50 and 500'} against an emulator without limits; the slope is the difference of the peaks ÷ the
  difference of the concurrencies.
- **Requests past 60 s**: the ~70 s latency scenario's requests per prediction, counted by the emulator (the held
  create, the event stream, any polls, the final read).
- **The emulator against Prism**: \`@stoplight/prism-cli\` ${results.scenarios.emulator?.servers?.prism?.version ?? '5.8'} (\`prism mock\`, its defaults: static examples,
  request logging on) on the same vendored OpenAPI schema (\`test/emulator/fixtures/replicate-openapi.json\`), installed by the
  bench on first use into \`node_modules/.cache/bench-prism\` (191 packages, ~90 MB: not a devDependency). Each server
  runs in its own process; a load generator (\`bench/emulator-load.mjs\`, plain \`node:http\` with a keep-alive pool)
  in another sends ${results.scenarios.emulator?.requests ?? 5_000} requests per route, ${results.scenarios.emulator?.concurrency ?? 50} at once: create (\`POST /models/black-forest-labs/flux-schnell/predictions\`, no
  \`Prefer: wait\`), get (the created ids, round robin), list (the first page). The emulator runs without rate limits
  (as a test suite's would need) and is stateful: a create stores a prediction that runs its lifecycle, a get reads
  it, a list pages 100 real records (so a list answer is ~100 times the bytes of Prism's; the table gives the
  size of an answer); Prism answers every request with the schema's example. Memory: one emulator
  filled through the API to ${(results.scenarios.emulator?.stored.map((r) => r.stored) ?? [1_000, 10_000, 100_000]).map((n) => n.toLocaleString('en-US')).join(', ')} predictions; after each step (and 2 s for the predictions to finish) the first list
  page is timed ${results.scenarios.emulator?.listSamples ?? 200} times, one request at a time, and the process's RSS read from \`/proc\`. A page is 100
  predictions whatever the number stored, so its time must not grow with it.
- **Bundle size**: esbuild (\`--bundle --minify\`, ESM, platform neutral, \`node:*\` external) on \`src/index.ts\` and on
  \`export * from 'replicate'\`; gzip level 9. "Importing only \`ReplicateClient\`" bundles a one-line app that imports
  it and nothing else; what remains is what the client's own module graph pulls in.
- **429 storm**: ${st ? `${st.n} predictions at concurrency ${st.concurrency}` : 'not run'}; a seeded fault answers ${st ? st.probability * 100 : 30}% of creates with 429 and
  \`Retry-After: ${st?.retryAfterSeconds ?? 1}\` (before the rate limiter, so they cost no token). Success = the caller got the output.
- **Footprint**: cold import = median of ${results.scenarios.footprint?.importRuns ?? '?'} fresh \`node\` processes timing \`await import(pkg)\`
  with \`performance.now()\` (file cache warm, as on a developer's machine); installed size = the bytes \`npm install\` puts
  on disk for the package itself (the installed folder; ours: the files its \`files\` field publishes, plus
  package.json, README and LICENSE); runtime
  dependencies = \`dependencies\` + \`peerDependencies\`, followed transitively. The original design is
  replicate-media configured differently, so it shares replicate-media's footprint.

## Limits of this benchmark

- Loopback HTTP: no network latency, no TLS. Real round trips add the same to every client; a client that
  makes more requests loses more than shown here.
- \`replicate run()\` returns \`FileOutput\` streams by default; nothing reads them, so no output is downloaded by any client.
- The batch measures the creates' limit only; flux-schnell's emulated 1 s is all the work a prediction does.
- The emulator stamps \`completed_at\` with the instant the prediction was due to end; on a busy machine its timers
  fire late. A held \`Prefer: wait\` answer goes out when the emulator's timer fires, while a poll reads the state
  from the clock, so that lag falls on the clients that hold the create (replicate-media, \`replicate run()\`),
  not on the pollers.
- One run, on a machine that may be shared: the short latencies are a few milliseconds and move by a few
  between runs, and cold import times swing with the load. Rerun on a quiet machine before quoting a
  single figure; the ratios and the request counts are steadier than the milliseconds.

## Rerun

\`\`\`sh
npm run bench            # ~20 minutes; writes bench/results/latest.json, this file and the chart
node bench/run.mjs --quick --out /tmp/bench.json   # the CI smoke run: tiny sizes, figures meaningless
node bench/run.mjs --scenarios emulator --stored 1000 --out /tmp/emulator.json   # the emulator against Prism alone (a few minutes)
\`\`\`
`;
  const snippet = `<!-- npm run bench, ${date}, ${m.cpu} (${m.cores} cores), Node ${m.node}; full table in docs/benchmarks.md -->\n${readmeTable(results)}\n`;
  const written = [
    join(root, 'docs/benchmarks.md'),
    join(root, 'docs/benchmarks-latency.svg'),
    join(root, 'bench/results/latest.md'),
  ];
  await writeFile(written[0], md);
  await writeFile(written[1], latencySvg(results));
  await writeFile(written[2], snippet);
  return written;
}
