// What every command gets: parsed global flags, where to print, an AbortSignal that Ctrl-C fires,
// and a way to make a client (against Replicate, a --base-url, or an embedded emulator).

import type { Emulator } from '../emulator/index.js';
import { ConfigurationError, ReplicateClient } from '../index.js';
import type { GlobalFlags } from './args.js';
import { NO_API_KEY_MESSAGE, UsageError } from './errors.js';
import { DEFAULT_JOURNAL_LOCATION, EMBEDDED_EMULATOR_SPEED } from './options.js';
import { Output, Progress, type TextSink } from './output.js';

/**
 * How long a create may hold its answer (`Prefer: wait`) in the CLI. Short, so that a slow model's
 * prediction id and status reach the status line within seconds; a fast model still answers in one
 * round trip.
 */
export const CLI_PREFER_WAIT_SECONDS = 5;

/**
 * The journal the CLI keeps by default against a real API (not the embedded emulator, which forgets
 * everything when the command ends): every prediction is recorded there, for `resume` and `history`.
 * `REPLICATE_MEDIA_JOURNAL` chooses another file.
 */
export const DEFAULT_JOURNAL = DEFAULT_JOURNAL_LOCATION;

export interface ClientChoice {
  /** Use an embedded emulator even without --emulator (the demo). */
  embedded?: boolean;
  /** Speed of that emulator. */
  speed?: number;
  /** `Prefer: wait` hold of creates, 0-60 s; default {@link CLI_PREFER_WAIT_SECONDS}. */
  preferWaitSeconds?: number;
  /**
   * The journal (a file, or a postgres:// URL); default `REPLICATE_MEDIA_JOURNAL`, else
   * {@link DEFAULT_JOURNAL}; none with the embedded emulator unless given.
   */
  journal?: string;
  /** `--budget`: the client's `budgetUsd` (the fleet's with a shared journal). */
  budgetUsd?: number;
}

/** An emulator started in this process, and the token it accepts. */
export interface EmbeddedEmulator {
  emulator: Emulator;
  apiKey: string;
}

export interface CommandContext {
  readonly globals: GlobalFlags;
  /** Results (stdout). */
  readonly out: Output;
  /** Progress and the live status line (stderr). */
  readonly progress: Progress;
  readonly stderr: TextSink;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl-C (SIGINT) or SIGTERM. */
  readonly signal: AbortSignal;
  /**
   * Makes the client for this run: against an embedded emulator with --emulator (or `embedded`),
   * else against the configured API (key from the environment). Closed when the command ends.
   */
  createClient(options?: ClientChoice): Promise<ReplicateClient>;
  /** Starts an in-process emulator on a free loopback port; closed when the command ends. */
  startEmbeddedEmulator(options?: { speed?: number }): Promise<EmbeddedEmulator>;
  /** Runs when the command ends, last registered first (close clients, stop emulators). */
  onCleanup(fn: () => Promise<void> | void): void;
  /** The API key in use, so error text can be scrubbed of it; never printed. */
  readonly secrets: string[];
  /**
   * Whether the client runs against an emulator inside this process: its output URLs die when the
   * command ends.
   */
  readonly embeddedEmulator: boolean;
}

export interface ContextInit {
  globals: GlobalFlags;
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export class RunContext implements CommandContext {
  readonly globals: GlobalFlags;
  readonly out: Output;
  readonly progress: Progress;
  readonly stderr: TextSink;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly secrets: string[] = [];
  embeddedEmulator = false;
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  constructor(init: ContextInit) {
    this.globals = init.globals;
    this.env = init.env;
    this.signal = init.signal;
    this.stderr = init.stderr;
    this.out = new Output(init.stdout, init.globals.json);
    const live = init.stderr.isTTY === true && init.env.TERM !== 'dumb';
    this.progress = new Progress({
      sink: init.stderr,
      live,
      quiet: init.globals.quiet,
      color: live && init.env.NO_COLOR === undefined,
    });
  }

  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  async cleanup(): Promise<void> {
    this.progress.stop();
    for (let fn = this.cleanups.pop(); fn !== undefined; fn = this.cleanups.pop()) {
      try {
        await fn();
      } catch {
        // Cleanup must not hide the command's own outcome.
      }
    }
  }

  async startEmbeddedEmulator(options: { speed?: number } = {}): Promise<EmbeddedEmulator> {
    const { startEmulator } = await import('../emulator/index.js');
    // A random token: only this process can use the emulator while it runs.
    const apiKey = `embedded-${globalThis.crypto.randomUUID()}`;
    const emulator = await startEmulator({
      port: 0,
      host: '127.0.0.1',
      token: apiKey,
      speed: options.speed ?? this.globals.speed ?? EMBEDDED_EMULATOR_SPEED,
    });
    this.onCleanup(() => emulator.close());
    return { emulator, apiKey };
  }

  async createClient(options: ClientChoice = {}): Promise<ReplicateClient> {
    let apiKey: string;
    let baseUrl: string | undefined;
    // --emulator with --base-url was refused when parsing (args.ts); the demo takes no --base-url.
    if (this.globals.emulator || options.embedded === true) {
      const embedded = await this.startEmbeddedEmulator(options.speed !== undefined ? { speed: options.speed } : {});
      apiKey = embedded.apiKey;
      baseUrl = embedded.emulator.apiUrl;
      const emulator = embedded.emulator;
      this.embeddedEmulator = true;
      this.progress.log(`Using the embedded emulator at ${emulator.url} (no account, nothing is billed).`);
    } else {
      const key = nonEmpty(this.env.REPLICATE_API_KEY) ?? nonEmpty(this.env.REPLICATE_API_TOKEN);
      if (key === undefined) throw new UsageError(NO_API_KEY_MESSAGE);
      apiKey = key;
      baseUrl = this.globals.baseUrl ?? nonEmpty(this.env.REPLICATE_BASE_URL);
      if (baseUrl !== undefined && !/^https?:\/\/[^/]/i.test(baseUrl)) {
        throw new UsageError(
          `The base URL "${baseUrl}" is not an http(s) URL: pass one like https://api.replicate.com/v1 to --base-url or REPLICATE_BASE_URL.`,
        );
      }
    }
    this.secrets.push(apiKey);
    const embedded = this.globals.emulator || options.embedded === true;
    const journal =
      options.journal ?? (embedded ? undefined : (nonEmpty(this.env.REPLICATE_MEDIA_JOURNAL) ?? DEFAULT_JOURNAL));
    let client: ReplicateClient;
    try {
      client = new ReplicateClient({
        apiKey,
        ...(baseUrl !== undefined ? { baseUrl } : {}),
        preferWaitSeconds: options.preferWaitSeconds ?? CLI_PREFER_WAIT_SECONDS,
        ...(journal !== undefined ? { journal } : {}),
        ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
      });
    } catch (error) {
      if (error instanceof ConfigurationError) {
        throw new UsageError(/API key not provided/i.test(error.message) ? NO_API_KEY_MESSAGE : error.message, {
          cause: error,
        });
      }
      throw error;
    }
    this.onCleanup(() => client.close());
    return client;
  }
}

/** The journal a command that reads one uses: `--journal`, else `REPLICATE_MEDIA_JOURNAL`, else the default. */
export function journalLocation(given: string | undefined, env: NodeJS.ProcessEnv): string {
  return given ?? nonEmpty(env.REPLICATE_MEDIA_JOURNAL) ?? DEFAULT_JOURNAL;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}
