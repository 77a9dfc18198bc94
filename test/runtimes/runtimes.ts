// The runtimes the library is tested on besides the Node running Vitest, and how to run a script on
// each. Their binaries come from npm platform packages installed by scripts/install-runtimes.sh into
// .runtimes/ (not devDependencies: see that script).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

export interface Runtime {
  name: string;
  /** Absolute path of the binary. */
  binary: string;
  /** Arguments before the script (Deno's `run` and its permission flags). */
  args: readonly string[];
  /** Arguments before the README's example: exactly what the README tells a user to type. */
  exampleArgs: readonly string[];
  /** Why the runtime's tests skip, or null when its binary is there. */
  missing: string | null;
}

/** Everything Deno needs for a round trip: loopback network, the three variables, files. */
export const DENO_PERMISSIONS = ['--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-write'] as const;

function runtime(name: string, relative: string, args: readonly string[] = [], exampleArgs = args): Runtime {
  const binary = join(root, '.runtimes/node_modules', relative);
  const missing = existsSync(binary)
    ? null
    : `${name} is not installed (${binary} is missing): run \`bash scripts/install-runtimes.sh\``;
  return { name, binary, args, exampleArgs, missing };
}

export const RUNTIMES: readonly Runtime[] = [
  {
    name: `Node ${process.versions.node} (this process)`,
    binary: process.execPath,
    args: [],
    exampleArgs: [],
    missing: null,
  },
  runtime('Node 22', 'node22/bin/node'),
  runtime('Node 24', 'node24/bin/node'),
  runtime('Bun 1.4', 'bun/bin/bun'),
  runtime(
    'Deno 2.9',
    'deno/deno',
    ['run', '--no-prompt', '--no-lock', ...DENO_PERMISSIONS],
    ['run', '--allow-net', '--allow-env'],
  ),
];

export const DENO = RUNTIMES.find((r) => r.name.startsWith('Deno')) as Runtime;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a binary without blocking this process's event loop (the emulator answering the script lives
 * in it). No timer: a hang is caught by Vitest's test timeout.
 */
export function runScript(binary: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The first fenced block of `lang` in README.md's library section, exactly as written. */
export function readmeExample(readme: string, lang: 'js' | 'ts'): string {
  const section = readme.slice(readme.indexOf('## The library'));
  const match = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(section);
  if (!match?.[1]) throw new Error(`README.md has no \`\`\`${lang} block in its library section`);
  return match[1];
}

/**
 * A scratch project where `replicate-media` resolves to this repository (as after `npm link
 * replicate-media`), holding `example.mjs`.
 */
export function exampleProject(dir: string, source: string): string {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'example', private: true, type: 'module' }));
  symlinkSync(root, join(dir, 'node_modules/replicate-media'), 'dir');
  writeFileSync(join(dir, 'example.mjs'), source);
  return join(dir, 'example.mjs');
}

/** The media type the bytes start like: enough to tell an image or a video from an error page. */
export function magic(bytes: Uint8Array): 'png' | 'webp' | 'jpeg' | 'mp4' | null {
  const ascii = (from: number, text: string) =>
    Buffer.from(bytes.subarray(from, from + text.length)).toString('latin1') === text;
  if (ascii(1, 'PNG')) return 'png';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  if (ascii(4, 'ftyp')) return 'mp4';
  return null;
}
