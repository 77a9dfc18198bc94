// Package hygiene, checked the way a user meets the package: packed, linted, installed from the tarball
// into a scratch project (no warnings), imported through both entry points from ESM and CommonJS,
// type-checked from a CommonJS TypeScript file, linked with `npm link`, and run through its bin.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let scratch: string;
let project: string;
let tarball: string;
let installOutput: string;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** stdout and stderr together, failing with both when the command fails (npm prints warnings on stderr). */
function runAll(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${output}`);
  return output;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'replicate-media-pack-'));
  // dist/ is built by `npm test` before Vitest starts; `prepack` would rebuild it under the feet of the
  // other test files that read dist/, so pack without scripts here.
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], root);
  const packed = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
  if (!packed) throw new Error('npm pack produced no tarball');
  tarball = join(scratch, packed);
  project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  // The package has no runtime dependencies, so this install needs no registry.
  installOutput = runAll('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the published package', () => {
  it('passes publint with no errors or warnings', async () => {
    const { publint } = await import('publint');
    const { messages } = await publint({ pkgDir: root, level: 'warning', pack: false });
    expect(messages.map((m) => `${m.type}: ${m.code}`)).toEqual([]);
  });

  it('has types that resolve under every module resolution (are-the-types-wrong, all profiles)', () => {
    // attw exits non-zero on any problem; execFileSync turns that into a throw whose message carries
    // attw's table. One rule is ignored, and only that one: CJSResolvesToESM says `require()` of an ESM
    // package fails, which stopped being true in Node 20.19 and 22.12 (require(esm)); attw's own docs say
    // the rule does not mean the types are wrong, and its maintainers agree the table is out of date
    // (arethetypeswrong issue 252). The test below proves require() works here.
    const bin = join(root, 'node_modules/.bin/attw');
    expect(() =>
      run(bin, [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii', '--no-emoji'], root),
    ).not.toThrow();
  }, 60_000);

  it('declares no runtime dependencies and no install-time script', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: object;
      scripts: Record<string, string>;
    };
    expect(pkg.dependencies ?? {}).toEqual({});
    // npm warns about (and may refuse) these when the tarball or a link is installed.
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[hook]).toBeUndefined();
  });

  it('installs from the tarball without a warning', () => {
    expect(installOutput).not.toMatch(/warn/i);
  });

  it('imports both entry points from ESM as a user would', () => {
    const script = [
      "const lib = await import('replicate-media');",
      "const emu = await import('replicate-media/emulator');",
      'console.log(JSON.stringify({ client: typeof lib.ReplicateClient, start: typeof emu.startEmulator }));',
    ].join('\n');
    const output = run('node', ['--input-type=module', '-e', script], project);
    expect(JSON.parse(output)).toEqual({ client: 'function', start: 'function' });
  });

  it('is require()-able from CommonJS on this Node (require(esm): Node >= 20.19, >= 22.12)', () => {
    const script = [
      "const lib = require('replicate-media');",
      "const emu = require('replicate-media/emulator');",
      'console.log(JSON.stringify({ client: typeof lib.ReplicateClient, start: typeof emu.startEmulator }));',
    ].join('\n');
    const output = run('node', ['--input-type=commonjs', '-e', script], project);
    expect(JSON.parse(output)).toEqual({ client: 'function', start: 'function' });
  });

  it('type-checks from a CommonJS TypeScript file (module nodenext)', () => {
    writeFileSync(
      join(project, 'consumer.cts'),
      [
        "import { ReplicateClient } from 'replicate-media';",
        "import { startEmulator } from 'replicate-media/emulator';",
        'export const entries = [ReplicateClient, startEmulator] as const;',
        '',
      ].join('\n'),
    );
    const compilerOptions = {
      module: 'nodenext',
      strict: true,
      noEmit: true,
      lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
    };
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...compilerOptions, types: [] }, files: ['consumer.cts'] }),
    );
    expect(() => run(join(root, 'node_modules/.bin/tsc'), ['-p', project], project)).not.toThrow();
  }, 60_000);

  it('runs its bin from the installed package', () => {
    const output = run(
      'npx',
      ['--no-install', 'replicate-media', 'estimate', '--images', '10', '--video-seconds', '30'],
      project,
    );
    expect(output).toContain('Estimated cost: $3.03');
  });

  it('links from the clone with `npm link` without a warning, and the linked bin runs', () => {
    // A private global prefix, so the test never touches the machine's global packages.
    const prefix = join(scratch, 'global');
    const env = { ...process.env, NPM_CONFIG_PREFIX: prefix };
    const output = runAll('npm', ['link', '--offline', '--no-audit', '--no-fund'], root, env);
    expect(output).not.toMatch(/warn/i);
    const estimate = run(join(prefix, 'bin/replicate-media'), ['estimate', '--images', '1'], project);
    expect(estimate).toContain('Estimated cost: $0.003');
    // Then, in another project: `npm link replicate-media`, and it imports.
    const linked = join(scratch, 'linked');
    mkdirSync(linked);
    writeFileSync(join(linked, 'package.json'), JSON.stringify({ name: 'linked', private: true, type: 'module' }));
    expect(runAll('npm', ['link', 'replicate-media', '--offline', '--no-audit', '--no-fund'], linked, env)).not.toMatch(
      /warn/i,
    );
    const script = "const { ReplicateClient } = await import('replicate-media'); console.log(typeof ReplicateClient);";
    expect(run('node', ['--input-type=module', '-e', script], linked).trim()).toBe('function');
  }, 60_000);
});
