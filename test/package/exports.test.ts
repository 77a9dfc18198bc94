// The public surface, pinned: the run-time names each entry point exports, sorted. A change here is a
// change to what users can import, so it must be deliberate (and README's "API at a glance" kept true).
// Types are erased at run time; they travel with the names they belong to.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

const MAIN = [
  'AuthenticationError',
  'BudgetExceededError',
  'CATALOGUE',
  'CanceledError',
  'ClosedError',
  'ConfigurationError',
  'DEFAULTS',
  'DEFAULT_IMAGE_MODEL',
  'DEFAULT_PRICES',
  'DEFAULT_RATE_LIMIT',
  'DEFAULT_RETRY',
  'DEFAULT_VIDEO_MODEL',
  'DataRemovedError',
  'DownloadError',
  'ERROR_CODES',
  'HttpError',
  'InvalidInputError',
  'JournalError',
  'NetworkError',
  'PredictionFailedError',
  'REDACTED',
  'RateLimitError',
  'ReplicateClient',
  'ReplicateError',
  'ResponseTooLargeError',
  'TimeoutError',
  'VERSION',
  'VIDEO_INPUT_ADAPTERS',
  'catalogueEntry',
  'createNodeWebhookHandler',
  'createWebhookHandler',
  'describeMp4',
  'downloadOutput',
  'estimateCost',
  'isTerminalStatus',
  'joinMp4',
  'modelsForSameJob',
  'planTransitions',
  'verifyWebhook',
  'writeGallery',
];

const JOURNAL = [
  'FileJournalStore',
  'JOURNAL_VERSION',
  'LATEST_SCHEMA_VERSION',
  'PostgresJournalStore',
  'foldJournal',
  'isPostgresUrl',
  'journalTotals',
  'needsResume',
  'openJournalStore',
  'parseJournal',
  'readJournal',
];

const EMULATOR = ['MODELS', 'imageSize', 'signWebhook', 'startEmulator'];

describe('the export list of each entry point', () => {
  it('replicate-media', async () => {
    const lib = await import('../../src/index.js');
    expect(Object.keys(lib).sort()).toEqual(MAIN);
  });

  it('replicate-media/journal', async () => {
    const lib = await import('../../src/entries/journal.js');
    expect(Object.keys(lib).sort()).toEqual(JOURNAL);
  });

  it('replicate-media/emulator', async () => {
    const lib = await import('../../src/emulator/index.js');
    expect(Object.keys(lib).sort()).toEqual(EMULATOR);
  });

  it('package.json maps each subpath to its built entry, and VERSION is the package version', async () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
      version: string;
      exports: Record<string, unknown>;
    };
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './emulator', './journal', './package.json']);
    expect(pkg.exports['./journal']).toEqual({
      types: './dist/entries/journal.d.ts',
      default: './dist/entries/journal.js',
    });
    const { VERSION } = await import('../../src/index.js');
    expect(VERSION).toBe(pkg.version);
  });
});
