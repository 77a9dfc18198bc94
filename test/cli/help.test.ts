// Help pages come from the options each command declares: every option it accepts is listed exactly
// once, every default a page shows is the one the parser applies, and options a command does not
// take are neither listed nor accepted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/args.js';
import { acceptedOptions, globalsOf } from '../../src/cli/command.js';
import { commandHelp, mainHelp, optionRows } from '../../src/cli/help.js';
import { COMMANDS } from '../../src/cli/run.js';

const API_COMMANDS = ['image', 'video', 'batch', 'poll', 'cancel', 'predictions'];

/**
 * The rows of a page that list an option (`  -o, --out DIR   ...` or `      --json   ...`, with the
 * description's continuation lines), each as one line.
 */
function optionLines(page: string): Array<{ name: string; line: string }> {
  return [...page.matchAll(/^ {2}(?:-[a-zA-Z], | {4})--([a-z][a-z-]*)\b.*(?:\n {8,}[^ -].*)*/gm)].map((m) => ({
    name: m[1]!,
    line: m[0].replace(/\n +/g, ' '),
  }));
}

/** The option names on the page's `Global options:` line. */
function globalLine(page: string): string[] {
  const line = page.split('\n').find((l) => l.startsWith('Global options: '));
  return line === undefined ? [] : [...line.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!);
}

describe.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help', (name, command) => {
  const page = commandHelp(command);

  it('lists each option it accepts exactly once, and nothing else', () => {
    const listed = [...optionLines(page).map((o) => o.name), ...globalLine(page)];
    const accepted = acceptedOptions(command).map((o) => o.name);
    expect([...listed].sort()).toEqual([...accepted].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('shows as default exactly what the parser applies', () => {
    const { values } = parseCommandArgs(command, [], COMMANDS);
    for (const { name: option, line } of optionLines(page)) {
      const shown = [...line.matchAll(/\(default ([^)]*)\)/g)].map((m) => m[1]);
      expect(shown.length, line).toBeLessThanOrEqual(1);
      expect(values[option], `${name} --${option}: ${line}`).toBe(shown[0]);
    }
  });

  it('says where the global options are explained, in one line', () => {
    expect(page).toMatch(/^Global options: (--[a-z]+ )+\(see `replicate-media help`\)$/m);
    expect(page).not.toMatch(/Environment:/);
    expect(globalLine(page)).toEqual(
      globalsOf(command)
        .map((o) => o.name)
        .filter((o) => !command.options.some((own) => own.name === o)),
    );
  });

  it(`${API_COMMANDS.includes(name) ? 'takes' : 'does not take'} --emulator and --base-url`, () => {
    const listed = optionLines(page).map((o) => o.name);
    expect(listed.includes('emulator')).toBe(API_COMMANDS.includes(name));
    expect(listed.includes('base-url')).toBe([...API_COMMANDS, 'resume'].includes(name));
  });
});

describe('the pages issue 13 found contradicting themselves', () => {
  const page = (name: string) => commandHelp(COMMANDS.find((c) => c.name === name)!);

  it('demo --help gives one default for --speed: the one it runs at', () => {
    const speed = page('demo')
      .split('\n')
      .filter((l) => l.includes('--speed'));
    expect(speed).toHaveLength(1);
    expect(speed[0]).toMatch(/\(default 20\)$/);
    expect(page('demo')).not.toContain('default 10');
  });

  it('emulator --help lists --verbose once, with one meaning', () => {
    const verbose = page('emulator')
      .split('\n')
      .filter((l) => l.includes('--verbose'));
    expect(verbose).toEqual(['      --verbose              log every request to stderr']);
  });

  it('estimate and history list neither --emulator nor --base-url', () => {
    for (const name of ['estimate', 'history']) expect(page(name)).not.toMatch(/--emulator|--base-url|--speed/);
  });
});

describe('the top-level help', () => {
  const page = mainHelp(COMMANDS, '9.9.9');

  it('lists every command and explains the global options once', () => {
    for (const command of COMMANDS) expect(page).toContain(`  ${command.name.padEnd(11)}  ${command.summary}`);
    for (const option of ['--json', '--quiet', '--verbose', '--help', '--version', '--emulator', '--base-url']) {
      expect(page.split('\n').filter((l) => new RegExp(`^ {2}(-[a-z], |    )${option}\\b`).test(l))).toHaveLength(1);
    }
    expect(page).toContain(`Where to send requests (${API_COMMANDS.join(', ')}; resume: --base-url)`);
  });
});

describe('docs/cli.md', () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "shows %s's options as its --help prints them",
    (_name, command) => {
      expect(doc).toContain(`${optionRows(command.options)}\n`);
    },
  );
});
