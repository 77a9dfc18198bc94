// Running the built CLI as a subprocess, and checking the files it saves by their magic bytes.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the CLI tests.`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr (or stdout) matches. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

/** An environment with no Replicate settings from the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.REPLICATE_API_KEY;
  delete env.REPLICATE_API_TOKEN;
  delete env.REPLICATE_BASE_URL;
  return { ...env, NO_COLOR: '1', ...extra };
}

export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  return startProgram(process.execPath, [CLI, ...args], options);
}

/** Runs any program (e.g. `script`, to give the CLI a terminal) and collects its output. */
export async function runProgram(
  program: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return startProgram(program, args, options).done;
}

function startProgram(program: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string }): CliRun {
  const child = spawn(program, args, {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const notify = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    notify();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      notify();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitFor(pattern, stream = 'stderr', timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () =>
            reject(new Error(`timed out waiting for ${pattern} on ${stream}; stdout:\n${stdout}\nstderr:\n${stderr}`)),
          timeoutMs,
        );
        const check = (): void => {
          const match = (stream === 'stdout' ? stdout : stderr).match(pattern);
          if (match) {
            clearTimeout(deadline);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(deadline);
            reject(new Error(`the CLI exited before ${pattern} appeared; stdout:\n${stdout}\nstderr:\n${stderr}`));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
  };
}

export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return startCli(args, options).done;
}

/** The media type of a file from its first bytes: what a viewer would open it as. */
export function magicType(bytes: Uint8Array): 'png' | 'jpg' | 'webp' | 'mp4' | null {
  const ascii = (from: number, text: string): boolean => [...text].every((c, i) => bytes[from + i] === c.charCodeAt(0));
  if (bytes[0] === 0x89 && ascii(1, 'PNG\r\n')) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (ascii(4, 'ftyp')) return 'mp4';
  return null;
}

export async function fileType(path: string): Promise<ReturnType<typeof magicType>> {
  return magicType(await readFile(path));
}

/** Parses stdout as exactly one JSON document (fails the test if there is anything else). */
export function parseJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}
