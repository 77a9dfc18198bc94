// Replicate's official Python client (`replicate` 1.0.7, kept in ../shared/clients) against the
// emulator: test/emulator/python/client_paths.py runs each main path a user's code takes and reports
// one line per path; each path is one test here. Runs Debian's /usr/bin/python3 with the client's
// dependencies from apt (.ci/run installs them); skips, saying why, where they are absent.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { FAST } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/client_paths.py', import.meta.url));
const CLIENT_DIR =
  process.env.REPLICATE_PYTHON_CLIENT ??
  fileURLToPath(new URL('../../../shared/clients/replicate-python', import.meta.url));

/** The paths client_paths.py checks, in its order; a path missing from its report fails. */
const CHECKS = [
  'run_with_file_outputs',
  'run_by_version_reads_the_version',
  'run_with_a_file_input_uploads_it_first',
  'run_failure_raises_model_error',
  'predictions_create_get_wait_reload',
  'predictions_create_by_version_and_list',
  'predictions_cancel',
  'predictions_progress_parses_logs',
  'models_get_and_list',
  'models_search',
  'versions_get_and_list',
  'model_create_train_version_delete',
  'trainings_cancel',
  'deployments_lifecycle',
  'files_create_get_list_delete',
  'stream_events',
  'webhooks_default_secret',
  'webhooks_validate_a_delivery',
  'account_hardware_collections',
  'errors_carry_status_and_detail',
  'async_variants',
] as const;

interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && !stdout) reject(Object.assign(error, { stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/** Why the Python client cannot run here, or undefined when it can. */
async function missingPrerequisite(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed (apt-get install python3)`;
  if (!existsSync(join(CLIENT_DIR, 'replicate', '__init__.py')))
    return `the Python client is not at ${CLIENT_DIR} (../shared/clients/replicate-python, or set REPLICATE_PYTHON_CLIENT)`;
  try {
    await run(PYTHON, ['-c', 'import httpx, pydantic, packaging, typing_extensions'], { PATH: process.env.PATH });
  } catch {
    return 'python3-httpx python3-pydantic python3-packaging python3-typing-extensions are not installed (apt-get install them; .ci/run does)';
  }
  return undefined;
}

let skipReason: string | undefined;
let workDir: string;

/** A folder with the dist-info the client reads its version from (it runs from source, not installed). */
function pythonPath(): string {
  const info = join(workDir, 'replicate-1.0.7.dist-info');
  mkdirSync(info, { recursive: true });
  writeFileSync(join(info, 'METADATA'), 'Metadata-Version: 2.1\nName: replicate\nVersion: 1.0.7\n');
  return [CLIENT_DIR, workDir].join(':');
}

async function runChecks(emu: Emulator, extraEnv: Record<string, string> = {}): Promise<Map<string, CheckResult>> {
  const { stdout, stderr } = await run(PYTHON, [SCRIPT], {
    PATH: process.env.PATH,
    PYTHONPATH: pythonPath(),
    PYTHONDONTWRITEBYTECODE: '1',
    REPLICATE_API_TOKEN: 'r8_python-client-test',
    // The Python client's base URL is the origin: its paths already start with /v1.
    REPLICATE_BASE_URL: emu.url,
    REPLICATE_POLL_INTERVAL: '0.01',
    ...extraEnv,
  });
  const results = new Map<string, CheckResult>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const result = JSON.parse(line) as CheckResult;
    results.set(result.name, result);
  }
  if (results.size === 0) throw new Error(`the Python script reported nothing:\n${stderr}`);
  return results;
}

function expectPassed(results: Map<string, CheckResult> | undefined, name: string): void {
  const result = results?.get(name);
  expect(result, `${name} was not reported by client_paths.py`).toBeDefined();
  expect(result!.ok, result!.detail).toBe(true);
}

describe('the official Python client against the emulator (http)', () => {
  let emu: Emulator;
  let results: Map<string, CheckResult> | undefined;

  beforeAll(async () => {
    skipReason = await missingPrerequisite();
    if (skipReason) {
      console.warn(`Python client tests skipped: ${skipReason}`);
      return;
    }
    workDir = mkdtempSync(join(tmpdir(), 'emulator-python-'));
    emu = await startEmulator({ ...FAST, token: 'r8_python-client-test' });
    results = await runChecks(emu);
  }, 300_000);
  afterAll(async () => {
    await emu?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  for (const name of CHECKS) {
    test(name.replaceAll('_', ' '), (ctx) => {
      if (skipReason) return ctx.skip(skipReason);
      expectPassed(results, name);
    });
  }
});

describe('the official Python client against the emulator over HTTPS', () => {
  test('run() turns https outputs into FileOutput objects whose read() gives the image', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const dir = mkdtempSync(join(tmpdir(), 'emulator-python-https-'));
    const caFile = join(dir, 'emulator-ca.pem');
    const emu = await startEmulator({ ...FAST, https: true, caFile });
    try {
      // The emulator writes the CA certificate it made for this run to caFile (and exposes it as PEM).
      expect(emu.url.startsWith('https:')).toBe(true);
      expect(readFileSync(caFile, 'utf8')).toBe(emu.caCertificatePem);
      const results = await runChecks(emu, {
        EMULATOR_HTTPS: '1',
        SSL_CERT_FILE: caFile,
        CHECKS: 'run_with_file_outputs,run_by_version_reads_the_version,async_variants',
      });
      for (const name of ['run_with_file_outputs', 'run_by_version_reads_the_version', 'async_variants'])
        expectPassed(results, name);
    } finally {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
