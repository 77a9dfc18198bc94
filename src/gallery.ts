// The gallery of a batch: `DIR/index.html`, one self-contained page (inline CSS, no scripts, no
// network) showing every image with its prompt, prediction id and cost, and the totals at the top.
// Image paths are relative, so the folder can be moved, zipped or served as it is.
//
// `node:fs` and `node:path` are imported inside `writeGallery`: writing a file needs a file system,
// and the rest of the library runs on edge runtimes too.

/** One prompt of a batch, as the gallery shows it. */
export interface GalleryEntry {
  prompt: string;
  /** Null when no prediction was created. */
  predictionId: string | null;
  /** What it cost in USD; null when unknown (or nothing was billed). */
  costUsd: number | null;
  /** The saved images: absolute paths, or relative to the current directory (as downloads report them). */
  files: readonly string[];
  /** Why it failed, for a failed prompt (shown instead of images). */
  error?: string | null;
}

/** Options of {@link writeGallery}. */
export interface GalleryOptions {
  /** The page title and heading. Default `Batch gallery`. */
  title?: string;
  /** When the batch ran; shown under the heading. Default: now. */
  generatedAt?: Date;
}

/**
 * Writes `dir/index.html` for these entries (replacing it atomically: a temporary file, then a rename)
 * and resolves to its path.
 */
export async function writeGallery(
  dir: string,
  entries: readonly GalleryEntry[],
  options: GalleryOptions = {},
): Promise<string> {
  const { mkdir, writeFile, rename, rm } = await import('node:fs/promises');
  const path = await import('node:path');
  await mkdir(dir, { recursive: true });
  const root = path.resolve(dir);
  const href = (file: string): string => {
    const relative = path.relative(root, path.resolve(file)).split(path.sep);
    return relative.map(encodeURIComponent).join('/');
  };
  const html = renderGallery(entries, href, options);
  const target = path.join(dir, 'index.html');
  const temporary = `${target}.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temporary, html, 'utf8');
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return target;
}

/** The page for these entries; `href` turns a file path into the relative URL the page uses. */
export function renderGallery(
  entries: readonly GalleryEntry[],
  href: (file: string) => string,
  options: GalleryOptions = {},
): string {
  const title = options.title ?? 'Batch gallery';
  const generatedAt = (options.generatedAt ?? new Date())
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  let images = 0;
  let failed = 0;
  let costMicros = 0;
  const cards: string[] = [];
  for (const entry of entries) {
    if (entry.error) failed += 1;
    images += entry.files.length;
    costMicros += Math.round((entry.costUsd ?? 0) * 1e6);
    cards.push(card(entry, href));
  }
  const totals = [
    `${entries.length} prompt${entries.length === 1 ? '' : 's'}`,
    `${images} image${images === 1 ? '' : 's'}`,
    ...(failed > 0 ? [`<span class="bad">${failed} failed</span>`] : []),
    `total cost ${usd(costMicros / 1e6)}`,
  ].join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --card: #fff; --bg: #f5f5f7; --bad: #c62828; }
  @media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --card: #1c1c1e; --bg: #000; --bad: #ff6b6b; } }
  * { box-sizing: border-box; }
  body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header h1 { margin: 0 0 4px; font-size: 22px; }
  header p { margin: 0 0 20px; color: var(--muted); }
  .totals { font-size: 16px; color: var(--fg); }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; align-items: start; }
  figure { margin: 0; background: var(--card); border-radius: 10px; overflow: hidden; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  .images { display: grid; grid-template-columns: repeat(auto-fit, minmax(100px, 1fr)); background: #8882; }
  .images img { display: block; width: 100%; height: auto; aspect-ratio: auto; }
  .missing { padding: 40px 12px; text-align: center; color: var(--bad); }
  figcaption { padding: 10px 12px; }
  .prompt { margin: 0 0 6px; overflow-wrap: anywhere; }
  .meta { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; color: var(--muted); font-size: 12px; }
  /* A prediction id is copied and searched for whole: one line, never broken mid-id; an id too long
     for its card ends in an ellipsis (the full id is in its title). */
  .meta .id { min-width: 0; white-space: nowrap; overflow-wrap: normal; word-break: normal; overflow: hidden; text-overflow: ellipsis; }
  .meta span { flex: none; white-space: nowrap; }
  .bad { color: var(--bad); }
</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p><span class="totals">${totals}</span><br>generated ${escapeHtml(generatedAt)}</p>
</header>
<main class="grid">
${cards.join('\n')}
</main>
</body>
</html>
`;
}

function card(entry: GalleryEntry, href: (file: string) => string): string {
  const prompt = escapeHtml(entry.prompt);
  const images =
    entry.files.length > 0
      ? entry.files
          .map(
            (file) => `<a href="${escapeHtml(href(file))}"><img src="${escapeHtml(href(file))}" alt="${prompt}"></a>`,
          )
          .join('')
      : `<div class="missing">${escapeHtml(entry.error ?? 'no image saved')}</div>`;
  const id = entry.predictionId === null ? 'no prediction' : escapeHtml(entry.predictionId);
  const cost = entry.costUsd === null ? '—' : usd(entry.costUsd);
  return `<figure><div class="images">${images}</div><figcaption><p class="prompt">${prompt}</p><div class="meta"><code class="id" title="${id}">${id}</code><span>${cost}</span></div></figcaption></figure>`;
}

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** `$0.003`, `$0.90`: cents at least, more digits only when the amount has them. */
function usd(amount: number): string {
  const rounded = Math.round(amount * 1e6) / 1e6;
  const text = rounded.toFixed(6).replace(/0+$/, '');
  return `$${(text.split('.')[1] ?? '').length < 2 ? rounded.toFixed(2) : text}`;
}
