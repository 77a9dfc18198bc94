// The library on every runtime the README names: the README's JavaScript example and an image → video
// → download round trip, run by Node 22, Node 24, Bun and Deno (and the Node running the suite) against
// an emulator started in this process. Deno also proves that a missing permission is reported as one,
// naming the flag. A runtime whose binary is absent (scripts/install-runtimes.sh not run, or a package
// that could not be installed) skips, and the skipped test's name says why.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { API_KEY, startFast } from '../client/helpers.js';
import { DENO, exampleProject, magic, RUNTIMES, readmeExample, root, runScript } from './runtimes.js';

const roundTrip = join(root, 'test/runtimes/round-trip.mjs');
for (const runtime of RUNTIMES) if (runtime.missing) console.warn(`::: runtimes: skipping ${runtime.missing}`);
let emu: Emulator;
let scratch: string;
let env: NodeJS.ProcessEnv;
let example: string;

beforeAll(async () => {
  emu = await startFast();
  scratch = mkdtempSync(join(tmpdir(), 'replicate-media-runtimes-'));
  env = { ...process.env, REPLICATE_API_KEY: API_KEY, REPLICATE_BASE_URL: emu.apiUrl };
  example = exampleProject(
    join(scratch, 'example'),
    readmeExample(readFileSync(join(root, 'README.md'), 'utf8'), 'js'),
  );
});
afterAll(async () => {
  await emu?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.each(RUNTIMES)('$name', (runtime) => {
  const skip = runtime.missing !== null;
  const because = skip ? ` (skipped: ${runtime.missing})` : '';

  it.skipIf(skip)(
    `runs the README's JavaScript example as written${because}`,
    async () => {
      const run = await runScript(runtime.binary, [...runtime.exampleArgs, example], join(scratch, 'example'), env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S+ \w+$/);
      expect(lines[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S+\.mp4$/);
      expect(lines[2]).toBe('Estimated cost: $0.303');
    },
    60_000,
  );

  it.skipIf(skip)(
    `generates an image and a video and saves both, valid${because}`,
    async () => {
      const out = join(scratch, `round-trip-${basename(runtime.binary)}-${runtime.name.replace(/\W+/g, '-')}`);
      const run = await runScript(runtime.binary, [...runtime.args, roundTrip, out], root, env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const saved = JSON.parse(run.stdout) as { image: string[]; video: string[]; cost: number };
      expect(saved.image).toHaveLength(1);
      expect(saved.video).toHaveLength(1);
      const image = readFileSync(saved.image[0] as string);
      const video = readFileSync(saved.video[0] as string);
      expect(['png', 'webp', 'jpeg']).toContain(magic(image));
      expect(magic(video)).toBe('mp4');
      expect(statSync(saved.video[0] as string).size).toBeGreaterThan(1_000);
      expect(saved.cost).toBe(0.203);
    },
    60_000,
  );
});

describe('Deno permissions are reported as permissions', () => {
  const skip = DENO.missing !== null;
  const because = skip ? ` (skipped: ${DENO.missing})` : '';
  const without = (flag: string) => DENO.args.filter((arg) => !arg.startsWith(flag));

  it.skipIf(skip)(
    `without --allow-env, a set key is a missing permission, not "not provided"${because}`,
    async () => {
      const run = await runScript(
        DENO.binary,
        [...without('--allow-env'), roundTrip, join(scratch, 'no-env')],
        root,
        env,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('--allow-env');
      expect(run.stderr).toContain('denied access to the environment');
      expect(run.stderr).not.toContain('API key not provided');
      expect(run.stderr).not.toContain(API_KEY);
    },
    60_000,
  );

  it.skipIf(skip)(
    `without --allow-write, a refused write is a permission error, not network${because}`,
    async () => {
      const run = await runScript(
        DENO.binary,
        [...without('--allow-write'), roundTrip, join(scratch, 'no-write')],
        root,
        env,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('--allow-write');
      expect(run.stderr).toMatch(
        /^invalid_input: Cannot save the output of prediction \w+: Writing into .* was refused/,
      );
      expect(run.stderr).not.toMatch(/network/i);
    },
    60_000,
  );
});

describe('Deno: a file host outside --allow-net', () => {
  it.skipIf(DENO.missing !== null)(
    `is reported as the missing --allow-net, not a network failure${DENO.missing ? ` (skipped: ${DENO.missing})` : ''}`,
    async () => {
      // The API is reached as localhost and allowed; the emulator's file URLs say 127.0.0.1, which is not.
      const api = new URL(emu.apiUrl);
      const local = { ...env, REPLICATE_BASE_URL: `http://localhost:${api.port}/v1` };
      const flags = DENO.args.map((arg) => (arg.startsWith('--allow-net') ? `--allow-net=localhost:${api.port}` : arg));
      const run = await runScript(DENO.binary, [...flags, roundTrip, join(scratch, 'no-net')], root, local);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^invalid_input: Cannot save the output of prediction \w+: Downloading http\S+ was refused/,
      );
      expect(run.stderr).toContain('on Deno, run with --allow-net');
      expect(run.stderr).not.toMatch(/network:/);
    },
    60_000,
  );
});

describe("Node's permission model: a refused write is reported as one", () => {
  // Node 20 spells the flag --experimental-permission; Node 22 and later, --permission.
  const nodes = RUNTIMES.filter((runtime) => runtime.name.startsWith('Node'));
  it.each(nodes)(
    '$name without --allow-fs-write',
    async (runtime) => {
      if (runtime.missing) return console.warn(`::: runtimes: skipping ${runtime.missing}`);
      const version = await runScript(runtime.binary, ['--version'], root, env);
      const flag = version.stdout.startsWith('v20.') ? '--experimental-permission' : '--permission';
      const out = join(scratch, `node-permission-${version.stdout.trim()}`);
      const run = await runScript(runtime.binary, [flag, '--allow-fs-read=*', roundTrip, out], root, env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^invalid_input: Cannot save the output of prediction \w+: Writing into .* was refused/m,
      );
      expect(run.stderr).toContain(`add --allow-fs-write=${out}`);
      expect(run.stderr).not.toMatch(/network/i);
    },
    60_000,
  );
});

describe.each(RUNTIMES.filter((runtime) => runtime.name.startsWith('Node')))('$name, CommonJS', (runtime) => {
  it.skipIf(runtime.missing !== null)(
    `require()s both entry points${runtime.missing ? ` (skipped: ${runtime.missing})` : ''}`,
    async () => {
      // What the README promises for Node 20.19+ and 22.12+ (require(esm)); import() works everywhere.
      const script =
        "console.log(typeof require('replicate-media').ReplicateClient, typeof require('replicate-media/emulator').startEmulator)";
      const run = await runScript(
        runtime.binary,
        ['--input-type=commonjs', '-e', script],
        join(scratch, 'example'),
        env,
      );
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('function function');
    },
    60_000,
  );
});
