// Package hygiene, checked the way a user meets the package: packed, linted, installed from the tarball
// into a scratch project, imported through both entry points, and run through its bin.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let scratch: string;
let tarball: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'replicate-media-pack-'));
  // dist/ is built by `npm test` before Vitest starts; pack without re-running `prepare`.
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], root);
  const packed = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
  if (!packed) throw new Error('npm pack produced no tarball');
  tarball = join(scratch, packed);
  const project = join(scratch, 'project');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  // The package has no runtime dependencies, so this install needs no registry.
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
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

  it('has types that resolve for ESM consumers (are-the-types-wrong)', () => {
    // attw exits non-zero when the profile finds a problem; execFileSync turns that into a throw
    // whose message carries attw's table. The esm-only profile is right for an ESM-only package.
    const bin = join(root, 'node_modules/.bin/attw');
    expect(() => run(bin, [tarball, '--profile', 'esm-only', '--format', 'ascii'], root)).not.toThrow();
  }, 60_000);

  it('declares no runtime dependencies', async () => {
    const pkg = JSON.parse(run('node', ['-p', 'JSON.stringify(require("./package.json"))'], root)) as Record<
      string,
      unknown
    >;
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('installs from the tarball and imports both entry points as a user would', () => {
    const project = join(scratch, 'project');
    const script = [
      "const lib = await import('replicate-media');",
      "const emu = await import('replicate-media/emulator');",
      'console.log(JSON.stringify({ client: typeof lib.ReplicateClient, start: typeof emu.startEmulator }));',
    ].join('\n');
    const output = run('node', ['--input-type=module', '-e', script], project);
    expect(JSON.parse(output)).toEqual({ client: 'function', start: 'function' });
  });

  it('runs its bin from the installed package', () => {
    const project = join(scratch, 'project');
    const output = run(
      'npx',
      ['--no-install', 'replicate-media', 'estimate', '--images', '10', '--video-seconds', '30'],
      project,
    );
    expect(output).toContain('Estimated cost: $3.03');
  });
});
