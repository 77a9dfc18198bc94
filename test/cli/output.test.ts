// The status line and formatting, with a fake terminal: no subprocess needed.
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatTable,
  formatUsd,
  Output,
  Progress,
  type TextSink,
} from '../../src/cli/output.js';

function sink(isTTY: boolean): TextSink & { text: string } {
  return {
    text: '',
    isTTY,
    columns: 80,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

const view = {
  label: 'image',
  predictionId: 'abc123',
  status: 'processing',
  elapsedMs: 1200,
  retries: 0,
  costUsd: 0.003,
};

describe('formatting', () => {
  it('prints dollars with cents, and more digits only when there are some', () => {
    expect(formatUsd(3.03)).toBe('$3.03');
    expect(formatUsd(0.003)).toBe('$0.003');
    expect(formatUsd(0.309)).toBe('$0.309');
    expect(formatUsd(0.3)).toBe('$0.30');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.1 + 0.2)).toBe('$0.30');
  });

  it('prints durations and sizes for people', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(123_000)).toBe('2m 03s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12_600)).toBe('12.3 KB');
    expect(formatBytes(4 * 1024 * 1024)).toBe('4.0 MB');
  });

  it('aligns table columns', () => {
    expect(
      formatTable(
        ['ID', 'STATUS'],
        [
          ['a', 'succeeded'],
          ['bbbb', 'failed'],
        ],
      ),
    ).toBe('ID    STATUS\na     succeeded\nbbbb  failed');
  });
});

describe('Progress on a terminal', () => {
  it('redraws one line in place with \\r and clear-line, then leaves a final line', () => {
    const out = sink(true);
    const progress = new Progress({ sink: out, live: true, quiet: false, color: false, now: () => 0 });
    progress.status(view);
    progress.status({ ...view, retries: 1 });
    expect(out.text).not.toContain('\n');
    expect(out.text.split('\r\x1b[2K').filter(Boolean)).toEqual([
      '⠋ image · abc123 · processing · 1.2s · retries 0 · cost $0.003',
      '⠋ image · abc123 · processing · 1.2s · retries 1 · cost $0.003',
    ]);
    progress.status({ ...view, status: 'succeeded', elapsedMs: 2500 });
    expect(out.text.endsWith('\r\x1b[2K✓ image abc123 succeeded in 2.5s, cost $0.003\n')).toBe(true);
    progress.stop();
  });

  it('keeps counting elapsed time between server answers', async () => {
    const out = sink(true);
    let now = 0;
    const progress = new Progress({ sink: out, live: true, quiet: false, color: false, now: () => now });
    progress.status(view);
    now = 3000;
    await new Promise((r) => setTimeout(r, 150));
    expect(out.text).toContain('processing · 4.2s');
    progress.stop();
    expect(out.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('does not cut the line short on a terminal that reports 0 columns', () => {
    const out = { ...sink(true), columns: 0 };
    const progress = new Progress({ sink: out, live: true, quiet: false, color: false, now: () => 0 });
    progress.status(view);
    expect(out.text).toContain('cost $0.003');
    progress.stop();
  });

  it('prints log lines above the live line', () => {
    const out = sink(true);
    const progress = new Progress({ sink: out, live: true, quiet: false, color: false, now: () => 0 });
    progress.status(view);
    progress.log('hello');
    expect(out.text).toContain('\r\x1b[2Khello\n\r\x1b[2K⠋ image');
    progress.stop();
  });
});

describe('Progress in a log', () => {
  it('prints one plain line per change, none for repeats, no escape codes', () => {
    const out = sink(false);
    const progress = new Progress({ sink: out, live: false, quiet: false, color: false, now: () => 0 });
    progress.status({ ...view, status: 'creating', predictionId: null });
    progress.status(view);
    progress.status({ ...view, elapsedMs: 5000 });
    progress.download({ fileName: 'x', receivedBytes: 10, totalBytes: 100 });
    progress.status({ ...view, status: 'succeeded', elapsedMs: 6000 });
    progress.note('saved x.webp');
    progress.stop();
    expect(out.text).toBe(
      [
        '[  0.0s] image: creating the prediction',
        '[  0.0s] image abc123 processing after 1.2s',
        '[  0.0s] image abc123 succeeded in 6.0s, cost $0.003',
        '[  0.0s] saved x.webp',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing with quiet', () => {
    const out = sink(false);
    const progress = new Progress({ sink: out, live: false, quiet: true, color: false });
    progress.status(view);
    progress.log('x');
    progress.note('y');
    expect(out.text).toBe('');
  });
});

describe('Output', () => {
  it('prints lines for people, or only the JSON document', () => {
    const human = sink(false);
    new Output(human, false).line('hi');
    new Output(human, false).json({ a: 1 });
    expect(human.text).toBe('hi\n');
    const json = sink(false);
    new Output(json, true).line('hi');
    new Output(json, true).json({ a: 1 });
    expect(JSON.parse(json.text)).toEqual({ a: 1 });
  });
});
