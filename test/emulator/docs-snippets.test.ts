// Every client snippet in docs/emulator.md ("Point your tests at it") runs as written against a
// started emulator: the JS clients with node, the Python client with Debian's python3, curl with
// bash. Only the port is swapped (8787 → a free one), so the documented base URLs and environment
// variables are the ones that work.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { start } from './helpers.js';

const DOC = fileURLToPath(new URL('../../docs/emulator.md', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON_CLIENT =
  process.env.REPLICATE_PYTHON_CLIENT ??
  fileURLToPath(new URL('../../../shared/clients/replicate-python', import.meta.url));

interface Snippet {
  name: string;
  env: Record<string, string>;
  language: string;
  code: string;
}

/** `<!-- snippet:NAME blocks:N -->` then N fenced blocks: with 2, the first is `export K=V` lines. */
function snippets(markdown: string): Snippet[] {
  const found: Snippet[] = [];
  for (const match of markdown.matchAll(/<!-- snippet:([\w-]+) blocks:(\d) -->\n/g)) {
    const rest = markdown.slice(match.index + match[0].length);
    const blocks = [...rest.matchAll(/```(\w+)\n([\s\S]*?)```/g)].slice(0, Number(match[2]));
    const env: Record<string, string> = {};
    if (blocks.length === 2) {
      for (const line of blocks[0]![2]!.split('\n')) {
        const exported = /^export (\w+)=(\S+)$/.exec(line.trim());
        if (exported) env[exported[1]!] = exported[2]!;
      }
    }
    const last = blocks.at(-1)!;
    found.push({ name: match[1]!, env, language: last[1]!, code: last[2]! });
  }
  return found;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

const all = snippets(readFileSync(DOC, 'utf8'));
let emu: Emulator;
let work: string;
let hostPort: string;
const swapPort = (text: string) => text.replaceAll('127.0.0.1:8787', hostPort);

beforeAll(async () => {
  emu = await start();
  hostPort = new URL(emu.url).host;
  // Inside the repository, so `import 'replicate'` resolves from its node_modules.
  mkdirSync(join(REPO, 'node_modules', '.cache'), { recursive: true });
  work = mkdtempSync(join(REPO, 'node_modules', '.cache', 'doc-snippets-'));
});
afterAll(async () => {
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/emulator.md client snippets', () => {
  test('the doc has one snippet per client', () => {
    expect(all.map((s) => s.name)).toEqual(['js-replicate', 'js-stainless', 'python', 'curl']);
  });

  for (const snippet of all) {
    test(`${snippet.name} runs as documented`, async (ctx) => {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
      for (const [key, value] of Object.entries(snippet.env)) env[key] = swapPort(value);
      const code = swapPort(snippet.code);
      let stdout: string;
      if (snippet.language === 'js') {
        const file = join(work, `${snippet.name}.mjs`);
        writeFileSync(file, code);
        stdout = await run(process.execPath, [file], env, work);
      } else if (snippet.language === 'python') {
        const prerequisite = pythonPrerequisite();
        if (prerequisite) return ctx.skip(prerequisite);
        const site = join(tmpdir(), `doc-snippets-python-${process.pid}`);
        mkdirSync(join(site, 'replicate-1.0.7.dist-info'), { recursive: true });
        writeFileSync(
          join(site, 'replicate-1.0.7.dist-info', 'METADATA'),
          'Metadata-Version: 2.1\nName: replicate\nVersion: 1.0.7\n',
        );
        // Debian's typing_extensions 4.4 lacks `deprecated`, which the client imports (see ../shared/clients/README.md).
        writeFileSync(
          join(site, 'sitecustomize.py'),
          'import typing_extensions\nif not hasattr(typing_extensions, "deprecated"):\n    typing_extensions.deprecated = lambda *a, **k: (lambda f: f)\n',
        );
        const file = join(work, `${snippet.name}.py`);
        writeFileSync(file, code);
        try {
          stdout = await run('/usr/bin/python3', [file], { ...env, PYTHONPATH: `${PYTHON_CLIENT}:${site}` }, work);
        } finally {
          rmSync(site, { recursive: true, force: true });
        }
      } else {
        if (!existsSync('/usr/bin/curl') && !existsSync('/bin/curl')) return ctx.skip('curl is not installed');
        stdout = await run('bash', ['-c', code], env, work);
      }
      if (snippet.name === 'curl') expect(JSON.parse(stdout)).toMatchObject({ status: 'succeeded' });
      else expect(stdout).toContain(`http://${hostPort}/delivery/`);
    });
  }
});

function pythonPrerequisite(): string | undefined {
  if (!existsSync('/usr/bin/python3')) return '/usr/bin/python3 is not installed';
  if (!existsSync(join(PYTHON_CLIENT, 'replicate', '__init__.py')))
    return `the Python client is not at ${PYTHON_CLIENT} (../shared/clients/replicate-python)`;
  for (const module of ['httpx', 'pydantic', 'packaging', 'typing_extensions'])
    if (
      !existsSync(`/usr/lib/python3/dist-packages/${module}`) &&
      !existsSync(`/usr/lib/python3/dist-packages/${module}.py`)
    )
      return `python3-${module.replace('_', '-')} is not installed (apt-get install it; .ci/run does)`;
  return undefined;
}
