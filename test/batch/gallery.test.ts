// The gallery a batch writes opens in a real browser: headless Chromium (Debian's `chromium`,
// driven by playwright-core) loads DIR/index.html from disk and decodes every image (PNG, JPEG and
// WebP from the emulator). Skipped, saying so, where /usr/bin/chromium is not installed.
//
// GALLERY_SCREENSHOT=docs/gallery.png npx vitest run test/batch/gallery.test.ts  also saves a screenshot there.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { renderGallery } from '../../src/gallery.js';
import { type GalleryEntry, type ImageResult, ReplicateClient, writeGallery } from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`gallery test skipped: ${CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)`);
}

const API_KEY = 'r8_GalleryTestKey0123456789abcdefghijklm';
const NASTY = `a <script>alert("x")</script> & 'quoted' prompt`;
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ token: API_KEY, timings: { '*': { startMs: 5, predictMs: 10 } } });
  dir = await mkdtemp(join(tmpdir(), 'gallery-test-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('prediction ids in the gallery', () => {
  const ID = 'kvqrcz3ifj4jeurkdecjvudqqg';
  const html = renderGallery([{ prompt: 'a fox', predictionId: ID, costUsd: 0.003, files: [] }], (f) => f);

  test('are one element each, carrying the full id in its title', () => {
    expect(html).toContain(`<code class="id" title="${ID}">${ID}</code>`);
  });

  test('never wrap: one line, no break inside the id, an ellipsis when too long for the card', () => {
    const rule = /\.meta \.id \{([^}]*)\}/.exec(html)?.[1] ?? '';
    expect(rule).toMatch(/white-space: nowrap/);
    expect(rule).toMatch(/overflow-wrap: normal/);
    expect(rule).toMatch(/text-overflow: ellipsis/);
    expect(rule).toMatch(/overflow: hidden/);
    // No other rule lets the id break anywhere.
    expect(html).not.toMatch(/\.meta code \{[^}]*overflow-wrap: anywhere/);
  });
});

describe.skipIf(!hasChromium)('the gallery in headless Chromium', () => {
  test('decodes every image (PNG, JPEG, WebP) and shows prompts as text, totals at the top', {
    timeout: 60_000,
  }, async () => {
    await using client = new ReplicateClient({ apiKey: API_KEY, baseUrl: emu.apiUrl });
    const out = join(dir, 'shots');
    const batches: Array<{ format: string; aspect: string; prompts: string[] }> = [
      { format: 'png', aspect: '1:1', prompts: ['a red fox in fresh snow', 'a lighthouse at dawn', NASTY] },
      { format: 'jpg', aspect: '16:9', prompts: ['a desert highway at noon', 'a city skyline at night'] },
      {
        format: 'webp',
        aspect: '3:4',
        prompts: [
          'a green parrot on a branch',
          'an old map of the sea',
          'this one fails [emulator:fail=the model refused]',
        ],
      },
    ];
    const entries: GalleryEntry[] = [];
    for (const { format, aspect, prompts } of batches) {
      const results = await client.generateImages(prompts, {
        download: { dir: out },
        input: { output_format: format, aspect_ratio: aspect },
      });
      results.forEach((result: ImageResult, i) => {
        entries.push({
          prompt: prompts[i]!,
          predictionId: result.predictionId,
          costUsd: result.success ? result.costUsd : null,
          files: (result.success ? result.files : undefined) ?? [],
          error: result.success ? null : result.error,
        });
      });
    }
    const files = entries.flatMap((e) => e.files);
    expect(files).toHaveLength(7);
    const page = await writeGallery(out, entries, {
      title: 'Gallery test',
      generatedAt: new Date('2026-11-25T18:00:00Z'),
    });
    expect(page).toBe(join(out, 'index.html'));
    const html = await readFile(page, 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/(src|href)="(\/|[a-z]+:)/); // relative paths only: the folder can move

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
      const images = await tab.$$eval('img', (imgs) =>
        imgs.map((img) => ({
          src: img.getAttribute('src'),
          complete: img.complete,
          width: img.naturalWidth,
          height: img.naturalHeight,
        })),
      );
      expect(images).toHaveLength(7);
      for (const image of images) {
        expect(image, `${image.src} did not decode`).toMatchObject({ complete: true });
        expect(image.width, `${image.src} did not decode`).toBeGreaterThan(0);
        expect(image.height).toBeGreaterThan(0);
      }
      expect(new Set(images.map((i) => i.src!.split('.').pop()))).toEqual(new Set(['png', 'jpg', 'webp']));
      // biome-ignore lint/performance/useDomNodeTextContent: the test asserts the text a reader sees (rendered, whitespace collapsed), which is innerText
      const text = await tab.evaluate(() => document.body.innerText);
      expect(text).toContain(NASTY);
      expect(text).toContain('8 prompts · 7 images · 1 failed · total cost $0.021');
      expect(text).toContain('the model refused');
      for (const entry of entries) expect(text).toContain(entry.predictionId!);
      expect(await tab.evaluate(() => document.scripts.length)).toBe(0);

      // Each prediction id on one line, even in cards narrower than the id: its box is one line high.
      for (const width of [1100, 260]) {
        await tab.setViewportSize({ width, height: 900 });
        const ids = await tab.$$eval('.meta .id', (elements) =>
          elements.map((element) => {
            const style = getComputedStyle(element);
            return {
              text: element.textContent,
              height: element.getBoundingClientRect().height,
              lineHeight: Number.parseFloat(style.lineHeight),
            };
          }),
        );
        expect(ids).toHaveLength(entries.length);
        for (const id of ids) {
          expect(id.text).toMatch(/^[a-z0-9]+$/);
          expect(id.height, `${id.text} wraps at ${width}px`).toBeLessThanOrEqual(id.lineHeight + 0.5);
        }
      }
      await tab.setViewportSize({ width: 1100, height: 900 });

      const shot = process.env.GALLERY_SCREENSHOT ? resolve(process.env.GALLERY_SCREENSHOT) : join(dir, 'gallery.png');
      await tab.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
