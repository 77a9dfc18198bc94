// What the CLI writes where. Results go to stdout (human lines, or exactly one JSON document with
// --json); progress goes to stderr: a live status line redrawn in place (`\r` + clear line) when
// stderr is a terminal, plain log lines when it is not (a pipe, a file, CI), nothing with --quiet.
import { relative } from 'node:path';

/** A writable text stream (process.stdout/stderr, or a fake in tests). */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Status of one prediction as shown on the status line. */
export interface PredictionStatusView {
  /** What is running: `image`, `video`, `poll`. */
  label: string;
  predictionId: string | null;
  status: string;
  elapsedMs: number;
  retries: number;
  /** What this prediction will cost (so far, with earlier steps of the same command); null if unknown. */
  costUsd: number | null;
}

/** One file being downloaded. */
export interface DownloadView {
  fileName: string;
  receivedBytes: number;
  totalBytes: number | null;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const spinnerFrame = (frame: number): string => SPINNER[frame % SPINNER.length] ?? '⠋';
const CLEAR_LINE = '\r\x1b[2K';
const REDRAW_MS = 100;

export interface ProgressOptions {
  sink: TextSink;
  /** Redraw a status line in place (a terminal) rather than printing log lines. */
  live: boolean;
  /** Print nothing at all. */
  quiet: boolean;
  color: boolean;
  /** Clock, for elapsed times between updates; default performance.now. */
  now?: () => number;
}

/**
 * Progress reporting on stderr. In live mode one line is redrawn every 100 ms with a spinner and an
 * elapsed time that keeps counting between server answers; `log()` prints a permanent line above it.
 * In plain mode only changes are printed (a new status, a retry, a finished download), each as one
 * timestamped line, so logs stay short and greppable.
 */
export class Progress {
  private readonly sink: TextSink;
  private readonly live: boolean;
  private readonly quiet: boolean;
  private readonly color: boolean;
  private readonly now: () => number;
  private readonly startedAt: number;
  private view:
    | { kind: 'status'; status: PredictionStatusView; at: number }
    | { kind: 'download'; download: DownloadView }
    | { kind: 'text'; text: string }
    | { kind: 'busy'; text: string; at: number }
    | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private frame = 0;
  private shown = false;
  private lastPlainKey = '';

  constructor(options: ProgressOptions) {
    this.sink = options.sink;
    this.live = options.live;
    this.quiet = options.quiet;
    this.color = options.color;
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now();
  }

  /**
   * Shows the state of a prediction. A final status (succeeded, failed, canceled, aborted) is
   * printed as a permanent line; earlier ones only on the live line, or once each in plain mode.
   */
  status(status: PredictionStatusView): void {
    if (this.quiet) return;
    const final = FINAL_STATUSES.has(status.status);
    if (this.live) {
      if (final) {
        this.view = null;
        this.clear();
        const mark = status.status === 'succeeded' ? this.paint('32', '✓') : this.paint('31', '✗');
        this.sink.write(`${mark} ${describeStatus(status)}\n`);
        return;
      }
      this.view = { kind: 'status', status, at: this.now() };
      this.startTimer();
      this.render();
      return;
    }
    const key = `${status.label}|${status.predictionId}|${status.status}|${status.retries}`;
    if (key === this.lastPlainKey) return;
    this.lastPlainKey = key;
    this.plain(describeStatus(status));
  }

  /** Shows the progress of a download. */
  download(download: DownloadView): void {
    if (this.quiet) return;
    if (this.live) {
      // Chunks arrive far faster than anyone reads; the 100 ms redraw picks the latest up.
      const first = this.view?.kind !== 'download' || this.view.download.fileName !== download.fileName;
      this.view = { kind: 'download', download };
      this.startTimer();
      if (first) this.render();
    }
    // Plain mode reports finished downloads through log(), not every chunk.
  }

  /** True when a live line is drawn (a terminal, not --quiet). */
  get isLive(): boolean {
    return this.live && !this.quiet;
  }

  /**
   * Shows a line the caller rendered (the batch progress bar) as the live line, redrawn on the timer;
   * nothing in plain mode, where callers log() what changed.
   */
  showLine(text: string): void {
    if (!this.isLive) return;
    const first = this.view?.kind !== 'text';
    this.view = { kind: 'text', text };
    this.startTimer();
    if (first) this.render();
  }

  /**
   * Shows work without a prediction behind it (saving outputs) as the live line: a spinner, the text
   * and the time since it began. Nothing in plain mode, where the outcome is logged.
   */
  busy(text: string): void {
    if (!this.isLive) return;
    this.view = { kind: 'busy', text, at: this.now() };
    this.startTimer();
    this.render();
  }

  /** Prints a permanent progress line (above the live line on a terminal). */
  log(line: string): void {
    if (this.quiet) return;
    if (this.live) {
      this.clear();
      this.sink.write(`${line}\n`);
      this.render();
    } else {
      this.plain(line);
    }
  }

  /**
   * A line for logs only: printed in plain mode, skipped on a terminal (where the live line already
   * showed it and the result on stdout will list it).
   */
  note(line: string): void {
    if (!this.quiet && !this.live) this.plain(line);
  }

  /** Removes the live line and stops redrawing. Call before printing results or errors. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.view = null;
    this.clear();
  }

  private plain(line: string): void {
    const seconds = ((this.now() - this.startedAt) / 1000).toFixed(1).padStart(5);
    this.sink.write(`[${seconds}s] ${line}\n`);
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.frame = (this.frame + 1) % SPINNER.length;
      this.render();
    }, REDRAW_MS);
    this.timer.unref?.();
  }

  private clear(): void {
    if (this.live && this.shown) {
      this.sink.write(CLEAR_LINE);
      this.shown = false;
    }
  }

  private render(): void {
    if (!this.live || !this.view) return;
    let text: string;
    if (this.view.kind === 'status') {
      const s = this.view.status;
      const elapsed = s.elapsedMs + (this.now() - this.view.at);
      const parts = [
        `${this.paint('36', spinnerFrame(this.frame))} ${s.label}`,
        ...(s.predictionId !== null ? [s.predictionId] : []),
        this.paint(statusColor(s.status), s.status === 'creating' ? 'creating the prediction' : s.status),
        formatDuration(elapsed),
        `retries ${s.retries}`,
      ];
      if (s.costUsd !== null) parts.push(`cost ${formatUsd(s.costUsd)}`);
      text = parts.join(this.paint('2', ' · '));
    } else if (this.view.kind === 'text') {
      text = this.view.text;
    } else if (this.view.kind === 'busy') {
      text = `${this.paint('36', spinnerFrame(this.frame))} ${this.view.text} · ${formatDuration(this.now() - this.view.at)}`;
    } else {
      const d = this.view.download;
      const amount =
        d.totalBytes !== null && d.totalBytes > 0
          ? `${Math.floor((100 * d.receivedBytes) / d.totalBytes)}% ${formatBytes(d.receivedBytes)}/${formatBytes(d.totalBytes)}`
          : formatBytes(d.receivedBytes);
      text = `${this.paint('36', '↓')} downloading ${d.fileName} ${amount}`;
    }
    // A terminal without a window size (`script`, some CI ptys) reports 0 columns.
    const width = this.sink.columns !== undefined && this.sink.columns > 0 ? this.sink.columns : 100;
    this.sink.write(CLEAR_LINE + truncateVisible(text, Math.max(20, width - 1)));
    this.shown = true;
  }

  private paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

const FINAL_STATUSES = new Set(['succeeded', 'failed', 'canceled', 'aborted']);

/** `image abc123 processing after 1.2s, retries 1`, for log lines and final lines. */
function describeStatus(s: PredictionStatusView): string {
  if (s.status === 'creating')
    return `${s.label}: creating the prediction${s.retries > 0 ? ` (retries ${s.retries})` : ''}`;
  const final = FINAL_STATUSES.has(s.status);
  const parts = [
    `${s.label} ${s.predictionId ?? ''} ${s.status} ${final ? 'in' : 'after'} ${formatDuration(s.elapsedMs)}`,
  ];
  if (s.retries > 0) parts.push(`retries ${s.retries}`);
  if (final && s.status === 'succeeded' && s.costUsd !== null) parts.push(`cost ${formatUsd(s.costUsd)}`);
  return parts.join(', ');
}

function statusColor(status: string): string {
  if (status === 'succeeded') return '32';
  if (status === 'failed' || status === 'aborted' || status === 'canceled') return '31';
  if (status === 'processing') return '33';
  return '2';
}

/** Cuts a string with ANSI color codes to `max` visible characters. */
function truncateVisible(text: string, max: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\x1b') {
      const end = text.indexOf('m', i);
      if (end !== -1) {
        out += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= max) {
      out += '\x1b[0m';
      break;
    }
    out += text[i];
    visible++;
  }
  return out;
}

/** `$3.03`, `$0.003`, `$0.309`: at least cents, more digits only when the amount has them. */
export function formatUsd(usd: number): string {
  const rounded = Math.round(usd * 1e6) / 1e6;
  let text = rounded.toFixed(6).replace(/0+$/, '');
  const decimals = text.split('.')[1] ?? '';
  if (decimals.length < 2) text = rounded.toFixed(2);
  return `$${text}`;
}

/** `850ms`, `1.2s`, `2m 03s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** `512 B`, `12.3 KB`, `4.0 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A plain-text table with left-aligned columns separated by two spaces. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * Where results go. Human mode prints lines to stdout; JSON mode prints nothing until `json()` is
 * called once with the whole result, so stdout is always exactly one parseable document.
 */
export class Output {
  constructor(
    private readonly stdout: TextSink,
    readonly jsonMode: boolean,
  ) {}

  /** A result line for people; dropped in JSON mode. */
  line(text = ''): void {
    if (!this.jsonMode) this.stdout.write(`${text}\n`);
  }

  /** The one JSON document of a --json run. */
  json(document: unknown): void {
    if (this.jsonMode) this.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }
}

/** A saved file's path for people: relative to the working directory when it is inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}
