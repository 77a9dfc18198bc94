// The README's shell blocks, taken from README.md and run through bash as written, the way a newcomer
// outside the clone would: "Use it from a clone or a tarball" in a scratch copy of the clone (its
// tracked files, with the clone's node_modules) and a scratch project next to it, so
// `npm install ../replicate-media/replicate-media-0.1.0.tgz` means what it says; then "The command
// line" and "The emulator" in that project, where `npx replicate-media` is the installed tarball; the
// emulator's TypeScript snippet type-checked and run there; the library section's two inline commands
// (start an emulator, run the JavaScript example as example.mjs against it); the `npm link` lines last.
// (The top block, `npm install && npm run demo` and `npm test`, is what CI itself runs: .ci/run.)
//
// What the test changes around the commands, never in them:
// - npm runs offline (the README says the tarball needs no registry), with `npx` forbidden to fetch a
//   package (npm_config_yes=false: `replicate-media` must resolve to the installed one), and `npm link`
//   under a private global prefix (the machine's global packages are never touched).
// - "The command line" runs as one bash script (so its `export` reaches the lines after it), with
//   REPLICATE_BASE_URL pointing at an emulator started here, which accepts only the token that
//   block exports: `r8_...`, exactly as written. No REPLICATE_API_KEY comes from the test.
// - The emulator lines (in "The emulator" and the library section) default to, or name, port 8787; on a machine running several suites at once
//   a fixed port is a coin toss, so that port is swapped for `--port 0` and the printed line is
//   compared with the README's, port aside.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { magic, type Run, readmeExample, root, runScript } from '../runtimes/runtimes.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The text of the README section under `## heading`, up to the next `## `. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const rest = readme.slice(start + 1);
  const end = rest.indexOf('\n## ', 1);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The first fenced block of `lang` in that section, exactly as written. */
function block(heading: string, lang: string): string {
  const match = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(section(heading));
  if (!match?.[1]) throw new Error(`README.md's "${heading}" section has no \`\`\`${lang} block`);
  return match[1];
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
/** What a line's `# comment` says (the README puts the expected output there). */
const comment = (line: string) => /\s#\s(.*)$/.exec(line)?.[1]?.trim() ?? '';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let scratch: string;
let clone: string;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'replicate-media-readme-'));
  // A clone as `git clone` + `npm install` leaves it: the tracked files that build and pack, and
  // node_modules (the repository's own, linked: no install, no registry).
  clone = join(scratch, 'replicate-media');
  mkdirSync(clone);
  for (const file of ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json'])
    cpSync(join(root, file), join(clone, file));
  cpSync(join(root, 'src'), join(clone, 'src'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  project = join(scratch, 'my-app');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }));
  env = { ...process.env, NO_COLOR: '1' };
  for (const name of ['REPLICATE_API_KEY', 'REPLICATE_API_TOKEN', 'REPLICATE_BASE_URL']) delete env[name];
  Object.assign(env, {
    npm_config_offline: 'true',
    npm_config_yes: 'false',
    npm_config_update_notifier: 'false',
    npm_config_prefix: join(scratch, 'global'),
  });
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const bash = (line: string, cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> =>
  runScript('bash', ['-c', line], cwd, { ...env, ...extraEnv });

/** npm's warnings (`npm warn ...`); the build's own `--log-level=warning` is not one. */
const NPM_WARNING = /^npm warn/im;

function expectSucceeded(run: Run, line: string): void {
  if (run.code !== 0) throw new Error(`\`${line}\` exited ${run.code}:\n${run.stdout}${run.stderr}`);
}

// ---- Use it from a clone or a tarball ------------------------------------------------------------
const install = lines(block('Use it from a clone or a tarball', 'bash'));
/** The README says where each line runs: "in your project" or (otherwise) in the clone. */
const whereToRun = (line: string) => (comment(line).includes('in your project') ? project : clone);

describe('README: use it from a clone or a tarball', () => {
  test('the block is the four lines this test knows how to check', () => {
    expect(install.map((line) => line.replace(/\s+#.*$/, ''))).toEqual([
      'npm pack',
      expect.stringMatching(/^npm install \.\.\/replicate-media\/replicate-media-[\d.]+\.tgz$/),
      'npm run build && npm link',
      'npm link replicate-media',
    ]);
    expect(install.map(whereToRun)).toEqual([clone, project, clone, project]);
  });

  test('`npm pack` in the clone builds, then writes the tarball its comment names', async () => {
    const line = install[0]!;
    const tarball = /writes (\S+\.tgz)/.exec(comment(line))?.[1];
    expect(tarball).toBe(`replicate-media-${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}.tgz`);
    const run = await bash(line, whereToRun(line));
    expectSucceeded(run, line);
    expect(run.stdout).toContain('> npm run build'); // prepack: it built
    expect(run.stdout.trim().split('\n').at(-1)).toBe(tarball);
    expect(existsSync(join(clone, tarball!))).toBe(true);
  }, 120_000);

  test('`npm install ../replicate-media/replicate-media-*.tgz` in the project: no warning, no registry, a bin', async () => {
    const line = install[1]!;
    const run = await bash(line, whereToRun(line));
    expectSucceeded(run, line);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(NPM_WARNING);
    expect(existsSync(join(project, 'node_modules/.bin/replicate-media'))).toBe(true);
  }, 60_000);
});

// ---- The command line, in the project, against an emulator ----------------------------------------
const cli = lines(block('The command line', 'bash'));
const MARK = '@@readme-line';

/**
 * Runs `commands` as one bash script, so state (an `export`, a `cd`) carries from line to line as in
 * a terminal, and returns what each line printed and its exit code. Only an `echo` of a marker is
 * added after each line: the lines themselves run as written.
 */
async function runBlock(commands: string[], cwd: string, extraEnv: NodeJS.ProcessEnv): Promise<Run[]> {
  const script = commands.map((line, i) => `${line}\necho "${MARK} ${i} $?"; echo "${MARK} ${i}" >&2`).join('\n');
  const whole = await bash(script, cwd, extraEnv);
  const split = (text: string) => text.split(new RegExp(`^${MARK} \\d+.*\\n`, 'm'));
  const stdouts = split(whole.stdout);
  const stderrs = split(whole.stderr);
  const codes = [...whole.stdout.matchAll(new RegExp(`^${MARK} \\d+ (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
  if (codes.length !== commands.length)
    throw new Error(`the block stopped after ${codes.length} lines:\n${whole.stdout}${whole.stderr}`);
  return commands.map((_, i) => ({ code: codes[i]!, stdout: stdouts[i]!, stderr: stderrs[i]! }));
}

/** The files a command says it saved (paths relative to the project), with what their bytes are. */
function savedFiles(stdout: string): Array<{ path: string; kind: string | null }> {
  return [...stdout.matchAll(/(?:^|\s)((?:[\w-]+\/)+[\w.-]+\.(?:png|webp|jpg|mp4))\b/g)].map((m) => ({
    path: m[1]!,
    kind: magic(readFileSync(join(project, m[1]!))),
  }));
}

describe('README: the command line, as written, in the project', () => {
  let emu: Emulator;
  let runs: Run[];
  const find = (start: string) => {
    const index = cli.findIndex((line) => line.startsWith(start));
    if (index < 0) throw new Error(`the command-line block has no line starting "${start}"`);
    return { line: cli[index]!, run: runs[index]! };
  };

  beforeAll(async () => {
    // The token the block exports, and only it: proof that its `export` line is what authenticates.
    const token = /^export REPLICATE_API_KEY=(\S+)/m.exec(cli.join('\n'))?.[1];
    if (!token) throw new Error('the command-line block no longer exports REPLICATE_API_KEY');
    emu = await startEmulator({ token, timings: { '*': { startMs: 5, predictMs: 20 } } });
    runs = await runBlock(cli, project, { REPLICATE_BASE_URL: emu.apiUrl });
  }, 120_000);
  afterAll(async () => {
    await emu?.close();
  });

  test('every line exits 0', () => {
    for (const [i, run] of runs.entries()) expectSucceeded(run, cli[i]!);
  });

  test('`demo` saves three images and a video and prints their cost', () => {
    const { run } = find('npx replicate-media demo');
    expect(run.stdout).toContain('on the embedded emulator');
    expect(run.stdout).toContain('On Replicate this would have cost $0.309');
    expect(savedFiles(run.stdout).map((f) => f.kind)).toEqual(['png', 'png', 'png', 'mp4']);
  });

  test('`image ... --format png --out shots` saves one PNG into shots/, through REPLICATE_BASE_URL', () => {
    const { run } = find('npx replicate-media image "a red sports car"');
    const saved = savedFiles(run.stdout);
    expect(saved).toEqual([{ path: expect.stringMatching(/^shots\/\S+\.png$/), kind: 'png' }]);
    expect(readdirSync(join(project, 'shots'))).toHaveLength(1);
    expect(run.stderr).not.toContain('embedded emulator');
  });

  test('`video shots/*.png ... --duration 4` makes a 4-second video from the shot', () => {
    const { run } = find('npx replicate-media video shots/*.png');
    expect(run.stdout).toContain('4 s of video');
    expect(savedFiles(run.stdout).map((f) => f.kind)).toEqual(['mp4']);
  });

  test('`batch prompts.txt --out gallery` makes one image per prompt line and gallery/index.html', () => {
    const { run } = find('npx replicate-media batch prompts.txt');
    const prompts = readFileSync(join(project, 'prompts.txt'), 'utf8').trim().split('\n');
    expect(prompts).toEqual(['a red fox', 'a blue whale']);
    expect(run.stdout).toContain('Gallery: gallery/index.html');
    const gallery = readFileSync(join(project, 'gallery/index.html'), 'utf8');
    for (const prompt of prompts) expect(gallery).toContain(prompt);
    const images = readdirSync(join(project, 'gallery')).filter((name) => name !== 'index.html');
    expect(images.map((name) => magic(readFileSync(join(project, 'gallery', name))))).toEqual(['webp', 'webp']);
  });

  test('`estimate` prints exactly what its comment says', () => {
    const { line, run } = find('npx replicate-media estimate');
    expect(run.stdout.trim()).toBe(comment(line));
  });

  test('`image "a fox" --emulator` runs on an embedded emulator and saves the image', () => {
    const { run } = find('npx replicate-media image "a fox" --emulator');
    expect(run.stderr).toContain('Using the embedded emulator');
    expect(savedFiles(run.stdout).map((f) => f.kind)).toEqual(['webp']);
  });

  test('`video ... --model kwaivgi/kling-v2.1` makes a transition per pair of frames and joins them', () => {
    const { run } = find('npx replicate-media video shots/*.png gallery/*.webp --model kwaivgi/kling-v2.1');
    // shots/ holds one image and gallery/ two: three frames, two transitions, one joined MP4 among the files.
    const mp4s = readdirSync(join(project, 'seq')).filter((name) => name.endsWith('.mp4'));
    expect(mp4s.length).toBe(3);
    expect(run.stdout).toMatch(/join/i);
  });

  test('`models` lists the catalogue', () => {
    const { run } = find('npx replicate-media models');
    expect(run.stdout).toContain('kwaivgi/kling-v2.1');
    expect(run.stdout).toContain('black-forest-labs/flux-schnell');
  });

  test('the lines that call Replicate reached the emulator REPLICATE_BASE_URL names: 1 + 1 + 2 + 2 predictions', async () => {
    const response = await fetch(`${emu.apiUrl}/predictions`, {
      headers: { authorization: `Bearer ${/^export REPLICATE_API_KEY=(\S+)/m.exec(cli.join('\n'))?.[1]}` },
    });
    const page = (await response.json()) as { results: Array<{ model: string; status: string }> };
    expect(page.results.map((p) => p.status)).toEqual(Array(6).fill('succeeded'));
    expect(page.results.filter((p) => p.model === 'fofr/skyreels-2')).toHaveLength(1);
    expect(page.results.filter((p) => p.model === 'kwaivgi/kling-v2.1')).toHaveLength(2);
  });
});

// ---- The emulator ----------------------------------------------------------------------------------
const emulatorLines = lines(block('The emulator', 'bash'));
/** The one change: port 8787 (named or the default) becomes `--port 0`, a free one. */
const onFreePort = (line: string) =>
  line.includes('--port 8787')
    ? line.replace('--port 8787', '--port 0')
    : line.replace('replicate-media emulator', 'replicate-media emulator --port 0');

interface Started {
  child: ChildProcess;
  stdout: string;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Process groups of started lines not yet closed: killed after the file if a test gave up on them. */
const running = new Set<number>();
afterAll(() => {
  for (const group of running) process.kill(-group, 'SIGKILL');
});

/** Starts a long-running line in its own process group; resolves once it has printed `lineCount` lines. */
function startLine(line: string, lineCount: number): Promise<Started> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['-c', line], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const group = child.pid ?? 0; // 0 only when bash could not be spawned ('error' below)
    if (group) running.add(group);
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveClosed) =>
      child.on('close', (code, signal) => {
        running.delete(group);
        resolveClosed({ code, signal });
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.split('\n').length > lineCount) resolvePromise({ child, stdout, closed });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    void closed.then(({ code }) =>
      reject(new Error(`\`${line}\` exited ${code} before it was ready:\n${stdout}${stderr}`)),
    );
  });
}

/** Ctrl-C, as in the terminal: SIGINT to the line's whole process group (bash, npx, the CLI). */
async function stop(started: Started): Promise<void> {
  process.kill(-(started.child.pid as number), 'SIGINT');
  await started.closed;
}

describe('README: the emulator, as written (port aside), in the project', () => {
  test('the block starts a plain and an HTTPS emulator', () => {
    expect(emulatorLines).toHaveLength(2);
    expect(emulatorLines[0]).toMatch(/^npx replicate-media emulator --port 8787 /);
    expect(emulatorLines[1]).toMatch(/^npx replicate-media emulator --https --ca-file \.\/ca\.pem /);
  });

  test('`emulator --port 8787` prints the line its comment shows, and a client can use it', async () => {
    const line = emulatorLines[0]!;
    const started = await startLine(onFreePort(line), 1);
    try {
      const expected = new RegExp(`^${escapeRegExp(comment(line)).replace('8787', '(\\d+)')}$`);
      const printed = started.stdout.trim();
      expect(printed).toMatch(expected);
      const url = printed.replace('Replicate emulator listening on ', '');
      const list = await bash('npx replicate-media predictions --json', project, {
        REPLICATE_BASE_URL: `${url}/v1`,
        REPLICATE_API_KEY: 'anything',
      });
      expectSucceeded(list, 'npx replicate-media predictions --json');
      expect(JSON.parse(list.stdout)).toMatchObject({ success: true });
    } finally {
      await stop(started);
    }
  }, 60_000);

  test('`emulator --https --ca-file ./ca.pem` serves HTTPS that a client trusts with NODE_EXTRA_CA_CERTS=./ca.pem', async () => {
    const line = emulatorLines[1]!;
    const trust = /NODE_EXTRA_CA_CERTS=(\S+)/.exec(comment(line))?.[1];
    expect(trust).toBe('./ca.pem');
    const started = await startLine(onFreePort(line), 2);
    try {
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)$/m.exec(started.stdout)?.[1];
      expect(url, started.stdout).toBeDefined();
      expect(existsSync(join(project, 'ca.pem'))).toBe(true);
      const list = await bash('npx replicate-media predictions --json', project, {
        REPLICATE_BASE_URL: `${url}/v1`,
        REPLICATE_API_KEY: 'anything',
        NODE_EXTRA_CA_CERTS: trust,
      });
      expectSucceeded(list, 'NODE_EXTRA_CA_CERTS=./ca.pem npx replicate-media predictions --json');
    } finally {
      await stop(started);
      rmSync(join(project, 'ca.pem'), { force: true });
    }
  }, 60_000);

  test('the TypeScript snippet type-checks (strict, nodenext) against the installed package and runs', async () => {
    const file = join(project, 'emulator-snippet.ts');
    writeFileSync(file, block('The emulator', 'ts'));
    const compilerOptions = {
      module: 'nodenext',
      target: 'ES2022',
      strict: true,
      noEmit: true,
      lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
      types: [],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['emulator-snippet.ts'] }));
    expect(() =>
      execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', project], { encoding: 'utf8', stdio: 'pipe' }),
    ).not.toThrow();
    // It starts an emulator and, leaving its scope, closes it: importing it must settle.
    await expect(import(pathToFileURL(file).href)).resolves.toBeDefined();
  }, 60_000);
});

// ---- The library section's two inline commands -----------------------------------------------
describe('README: the library example against `npx replicate-media emulator`, in the project', () => {
  const library = section('The library');
  const startCommand = /`(npx replicate-media emulator [^`]*)`/.exec(library)?.[1];
  const runCommand = /`(REPLICATE_BASE_URL=\S+ REPLICATE_API_KEY=\S+ node example\.mjs)`/.exec(library)?.[1];

  test('the section names both commands', () => {
    expect(startCommand).toMatch(/--port 8787\b/);
    expect(runCommand).toContain('REPLICATE_BASE_URL=http://127.0.0.1:8787/v1 ');
  });

  test('the JavaScript example, saved as example.mjs, runs against the emulator those commands name', async () => {
    writeFileSync(join(project, 'example.mjs'), readmeExample(readme, 'js'));
    const started = await startLine(onFreePort(startCommand!), 1);
    try {
      const origin = /listening on (http:\/\/\S+)$/m.exec(started.stdout)?.[1];
      expect(origin, started.stdout).toBeDefined();
      const run = await bash(runCommand!.replace('http://127.0.0.1:8787', origin!), project);
      expectSucceeded(run, runCommand!);
      expect(run.stderr).toBe('');
      const printed = run.stdout.trim().split('\n');
      expect(printed).toHaveLength(3);
      expect(printed[0]).toMatch(new RegExp(`^${escapeRegExp(origin!)}/\\S+\\.webp \\w+$`));
      expect(printed[1]).toMatch(new RegExp(`^${escapeRegExp(origin!)}/\\S+\\.mp4$`));
      expect(printed[2]).toBe('Estimated cost: $0.303');
    } finally {
      await stop(started);
    }
  }, 60_000);
});

// ---- And the `npm link` way --------------------------------------------------------------------
describe('README: use it from a clone by `npm link`', () => {
  test('`npm run build && npm link` in the clone: no warning, and a global `replicate-media` command', async () => {
    const line = install[2]!;
    const run = await bash(line, whereToRun(line));
    expectSucceeded(run, line);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(NPM_WARNING);
    const globalBin = join(scratch, 'global/bin');
    const estimate = await bash('replicate-media estimate --images 1', project, {
      PATH: `${globalBin}:${process.env.PATH}`,
    });
    expectSucceeded(estimate, 'replicate-media estimate --images 1');
    expect(estimate.stdout.trim()).toBe('Estimated cost: $0.003');
  }, 120_000);

  test('`npm link replicate-media` in the project: the linked clone is what it imports and runs', async () => {
    const line = install[3]!;
    const run = await bash(line, whereToRun(line));
    expectSucceeded(run, line);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(NPM_WARNING);
    const check = await bash(
      `node --input-type=module -e "import { ReplicateClient } from 'replicate-media'; console.log(typeof ReplicateClient)"`,
      project,
    );
    expect(check.stdout.trim()).toBe('function');
    const resolved = await bash(`node -p "require.resolve('replicate-media/package.json')"`, project);
    expect(resolved.stdout.trim()).toBe(join(clone, 'package.json'));
  }, 60_000);
});
