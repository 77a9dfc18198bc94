// The bench's child processes: the emulator (bench/emulator-process.mjs) and the workers (bench/worker.mjs),
// each in a process of its own so that its CPU time and memory are its own. Used by run.mjs (with `env`
// pointing at its snapshot of dist/) and by multi-process-timeline.mjs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Starts bench/emulator-process.mjs with `options`; resolves with its first line (URLs) and a stop function. */
export async function startEmulatorChild(options, env = process.env) {
  const child = spawn(process.execPath, [join(ROOT, 'bench/emulator-process.mjs'), JSON.stringify(options)], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((res) => child.once('close', res));
  const first = await new Promise((res, rej) => {
    let buffer = '';
    const onData = (d) => {
      buffer += d;
      const nl = buffer.indexOf('\n');
      if (nl >= 0) {
        child.stdout.off('data', onData);
        res(JSON.parse(buffer.slice(0, nl)));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => rej(new Error(`emulator exited (${code}) before listening: ${stderr.slice(-500)}`)));
  });
  const stop = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { ...first, pid: child.pid, stop };
}

/** The distinct warnings a client printed (Node's `(node:PID) …Warning: …` lines and the like), with counts. */
function warningLines(stderr) {
  const counts = new Map();
  for (const line of stderr.split('\n')) {
    if (!/warn/i.test(line)) continue;
    const text = line
      .replace(/^\(node:\d+\) /, '')
      .trim()
      .slice(0, 240);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts].map(([warning, count]) => ({ count, warning }));
}

/** Runs bench/worker.mjs on `task` (one client, one scenario); resolves with its JSON report. */
export function runWorkerChild(task, env = process.env) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/worker.mjs'), JSON.stringify(task)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('close', (code) => {
      const line = stdout.trim().split('\n').pop();
      try {
        res({ ...JSON.parse(line), warnings: warningLines(stderr) });
      } catch {
        rej(new Error(`worker for ${task.client} exited (${code}) without a report: ${stderr.slice(-1_000)}`));
      }
    });
  });
}
