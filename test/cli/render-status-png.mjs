// Renders docs/cli-status.txt (the tmux capture of the status line) as docs/cli-status.png, a
// terminal-looking picture for readers, with headless Chromium. Not a test: run it after
// capture-status-line.sh.  node test/cli/render-status-png.mjs [path/to/chromium]
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const docs = new URL('../../docs/', import.meta.url);
const text = await readFile(new URL('cli-status.txt', docs), 'utf8');
const executablePath = process.argv[2] ?? '/usr/bin/chromium';

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sections = text
  .split(/^---- /m)
  .slice(1)
  .map((part) => {
    const [title, ...lines] = part.split('\n');
    const body = escapeHtml(lines.join('\n').trimEnd())
      .replace(/^(✓.*)$/gm, '<span class="ok">$1</span>')
      .replace(/^((?:Error|Interrupted):.*)$/gm, '<span class="err">$1</span>')
      .replace(/^([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] .*)$/gm, '<span class="live">$1</span>')
      .replace(/^(\$ .*)$/gm, '<span class="cmd">$1</span>');
    return `<h2>${escapeHtml(title)}</h2><pre>${body}</pre>`;
  })
  .join('\n');

const html = `<!doctype html><meta charset="utf-8"><style>
  body { margin: 0; padding: 16px 20px; background: #1e1f24; color: #d7dae0; font: 13px/1.45 "DejaVu Sans Mono", monospace; width: 820px; }
  h2 { font: 600 12px/1.2 sans-serif; color: #8b93a1; margin: 18px 0 6px; text-transform: uppercase; letter-spacing: .04em; }
  h2:first-child { margin-top: 0; }
  pre { margin: 0; padding: 10px 12px; background: #15161a; border-radius: 6px; white-space: pre-wrap; }
  .ok { color: #7ec699; } .err { color: #ef7a7a; } .live { color: #e6c07b; } .cmd { color: #82aaff; }
</style>${sections}`;

const browser = await chromium.launch({ executablePath });
try {
  const page = await browser.newPage({ viewport: { width: 860, height: 400 }, deviceScaleFactor: 1 });
  await page.setContent(html);
  const out = fileURLToPath(new URL('cli-status.png', docs));
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
