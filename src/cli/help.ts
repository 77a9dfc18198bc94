// Help pages, written from the commands' declarations: each page lists the command's own options
// (each once, with the default the parser applies), then one line naming the global options.
import { type Command, GLOBAL_OPTIONS, globalsOf } from './command.js';
import {
  API_OPTIONS,
  BASE_URL_OPTION,
  EMULATOR_OPTION,
  type OptionDecl,
  optionDescription,
  optionSyntax,
} from './options.js';

/** The option column is at most this wide; a longer syntax puts its description on the next line. */
const MAX_SYNTAX_WIDTH = 26;
/** Pages are wrapped to this many columns. */
const PAGE_WIDTH = 100;

/** Words in lines of at most `width` columns (a longer word gets a line of its own). */
function wrap(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Option rows, aligned: `  -o, --out DIR       where to save ... (default replicate-output)`. */
export function optionRows(decls: readonly OptionDecl[]): string {
  const rows = decls.map((decl) => ({ decl, syntax: optionSyntax(decl) }));
  const width = Math.min(MAX_SYNTAX_WIDTH, Math.max(...rows.map((row) => row.syntax.length)));
  return rows
    .map(({ decl, syntax }) => {
      const indent = ' '.repeat(2 + width + 2);
      const description = wrap(optionDescription(decl), PAGE_WIDTH - indent.length).join(`\n${indent}`);
      return syntax.length > width
        ? `  ${syntax}\n${indent}${description}`
        : `  ${syntax.padEnd(width)}  ${description}`;
    })
    .join('\n');
}

/** A command's `--help` page. */
export function commandHelp(command: Command): string {
  const globals = globalsOf(command).filter((g) => !command.options.some((o) => o.name === g.name));
  const sections = [`Usage: replicate-media ${command.name} ${command.usage}`, command.description];
  if (command.options.length > 0) sections.push(`Options:\n${optionRows(command.options)}`);
  if (globals.length > 0) {
    sections.push(`Global options: ${globals.map((g) => `--${g.name}`).join(' ')} (see \`replicate-media help\`)`);
  }
  if (command.examples !== undefined && command.examples.length > 0) {
    const title = command.examples.length === 1 ? 'Example' : 'Examples';
    sections.push(`${title}:\n${command.examples.map((e) => `  ${e}`).join('\n')}`);
  }
  return sections.join('\n\n');
}

/** `replicate-media --help`: the commands, the global options and the exit codes. */
export function mainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  const takes = (option: OptionDecl) => commands.filter((c) => c.options.includes(option)).map((c) => c.name);
  const embedded = takes(EMULATOR_OPTION);
  const elsewhere = takes(BASE_URL_OPTION).filter((name) => !embedded.includes(name));
  const apiCommands = `${embedded.join(', ')}${elsewhere.length > 0 ? `; ${elsewhere.join(', ')}: --base-url` : ''}`;
  const version_: OptionDecl = { name: 'version', type: 'boolean', description: 'print the version' };
  return `replicate-media ${version}: generate images and videos with Replicate, from the terminal.

Usage: replicate-media COMMAND [arguments] [options]

Commands:
${list}

Try it without an account:  replicate-media demo
Run \`replicate-media COMMAND --help\` (or \`replicate-media help COMMAND\`) for a command's options.

Global options (each command's page names those it takes):
${optionRows([...GLOBAL_OPTIONS, version_])}

Where to send requests (${apiCommands}):
${optionRows(API_OPTIONS)}

Environment:
  REPLICATE_API_KEY (or REPLICATE_API_TOKEN)  your Replicate API token; never printed
  REPLICATE_BASE_URL                           same as --base-url
  NO_COLOR                                     no colors in the status line

Exit codes: 0 success, 1 the generation failed or timed out, 2 usage or configuration error
(an unknown command or option included), 130 interrupted (Ctrl-C; the running prediction is
canceled on the server first).`;
}
