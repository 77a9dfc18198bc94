// `replicate-media emulator`: run the Replicate emulator in the foreground until SIGINT/SIGTERM.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { numberOption, positiveOption, stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { HELP_OPTION, JSON_OPTION } from '../options.js';

export const DEFAULT_EMULATOR_PORT = 8787;

export interface EmulatorCommandOptions {
  port: number;
  host: string;
  token: string | undefined;
  speed: number;
  retentionSeconds: number | undefined;
  rateLimits: boolean;
  /** Log every request to stderr. */
  logRequests: boolean;
  /** Hosts webhooks may be delivered to besides loopback (`*`: any). */
  webhookAllow: string[];
  /** Serve HTTPS; the CA certificate (PEM) is written to `caFile`. */
  https: boolean;
  caFile: string | undefined;
}

export const emulatorCommand = defineCommand<EmulatorCommandOptions>({
  name: 'emulator',
  summary: 'run a local Replicate emulator (for your tests, or to try things offline)',
  usage: '[options]',
  description: `Serves Replicate's HTTP API locally, then prints one line:
  Replicate emulator listening on http://HOST:PORT
and runs until Ctrl-C (SIGINT) or SIGTERM. Point a client at it with
REPLICATE_BASE_URL=http://HOST:PORT/v1 and any REPLICATE_API_KEY (or the --token you chose);
Replicate's Python client takes the origin instead: REPLICATE_BASE_URL=http://HOST:PORT (no /v1).`,
  options: [
    {
      name: 'port',
      type: 'string',
      short: 'p',
      value: 'N',
      description: 'port; 0 picks a free one',
      default: String(DEFAULT_EMULATOR_PORT),
    },
    { name: 'host', type: 'string', value: 'H', description: 'interface to listen on', default: '127.0.0.1' },
    {
      name: 'token',
      type: 'string',
      value: 'T',
      description: 'accept only this API token',
      whenAbsent: 'any non-empty token',
    },
    {
      name: 'speed',
      type: 'string',
      value: 'N',
      description: 'divide model timings by N; 1 is about as slow as Replicate',
      default: '1',
    },
    {
      name: 'retention-seconds',
      type: 'string',
      value: 'S',
      description: 'how long outputs stay downloadable, like Replicate',
      default: '3600',
    },
    {
      name: 'no-rate-limits',
      type: 'boolean',
      description: 'turn off the rate limits (600 creates and 3000 other requests a minute)',
    },
    {
      name: 'webhook-allow',
      type: 'string',
      multiple: true,
      value: 'HOST',
      description: 'also deliver webhooks to HOST (repeatable; * for any)',
      whenAbsent: 'loopback only',
    },
    {
      name: 'https',
      type: 'boolean',
      description:
        'serve HTTPS with a certificate for 127.0.0.1 and localhost, signed by a CA made for this run (clients turn only https: outputs into file objects)',
    },
    {
      name: 'ca-file',
      type: 'string',
      value: 'PATH',
      description:
        'with --https: write the CA certificate (PEM) here; trust it with NODE_EXTRA_CA_CERTS, SSL_CERT_FILE or REQUESTS_CA_BUNDLE',
      whenAbsent: 'a temporary file',
    },
    // The emulator's own meaning of --verbose (it replaces the global one here).
    { name: 'verbose', type: 'boolean', description: 'log every request to stderr' },
  ],
  // It prints one line and no progress: nothing for --quiet to silence.
  globals: [JSON_OPTION, HELP_OPTION],
  refusals: {
    emulator: 'it is the emulator; other commands reach it with --base-url http://HOST:PORT/v1',
    'base-url': 'it serves an API rather than calling one',
  },

  parse({ values, positionals }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}": see \`replicate-media emulator --help\`.`);
    const https = values.https === true;
    let caFile = stringOption(values, 'ca-file');
    if (caFile !== undefined && !https) throw new UsageError('--ca-file is for HTTPS mode: add --https.');
    if (https) caFile = resolve(caFile ?? join(tmpdir(), `replicate-emulator-ca-${process.pid}.pem`));
    const token = stringOption(values, 'token');
    if (token !== undefined && token.trim() === '') throw new UsageError('--token must not be empty.');
    return {
      port: numberOption(values, 'port', { integer: true, min: 0, max: 65_535 }) ?? DEFAULT_EMULATOR_PORT,
      host: stringOption(values, 'host') ?? '127.0.0.1',
      token,
      speed: positiveOption(values, 'speed') ?? 1,
      retentionSeconds: numberOption(values, 'retention-seconds', { min: 0 }),
      rateLimits: values['no-rate-limits'] !== true,
      logRequests: values.verbose === true,
      webhookAllow: Array.isArray(values['webhook-allow']) ? values['webhook-allow'].map(String) : [],
      https,
      caFile,
    };
  },

  async run(ctx, { port, host, token, speed, retentionSeconds, rateLimits, logRequests, webhookAllow, https, caFile }) {
    const { startEmulator } = await import('../../emulator/index.js');
    let emulator: Emulator;
    try {
      emulator = await startEmulator({
        port,
        host,
        ...(token !== undefined ? { token } : {}),
        speed,
        ...(retentionSeconds !== undefined ? { outputRetentionMs: Math.round(retentionSeconds * 1000) } : {}),
        ...(rateLimits ? {} : { rateLimits: false as const }),
        ...(webhookAllow.length > 0 ? { webhookAllow } : {}),
        ...(https ? { https, caFile } : {}),
        ...(logRequests ? { logger: (line: string) => ctx.stderr.write(`${line}\n`) } : {}),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new UsageError(
          `Port ${port} on ${host} is already in use: pick another with --port (0 picks a free one).`,
          { cause: error },
        );
      }
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
        throw new UsageError(`Cannot listen on ${host}:${port} (${code}): choose another --host or --port.`, {
          cause: error,
        });
      }
      if (caFile !== undefined && (error as NodeJS.ErrnoException).path === caFile) {
        throw new UsageError(`Cannot write the CA certificate to ${caFile} (${code}): choose another --ca-file.`, {
          cause: error,
        });
      }
      throw error;
    }
    ctx.onCleanup(() => emulator.close());
    ctx.out.json({
      success: true,
      command: 'emulator',
      url: emulator.url,
      apiUrl: emulator.apiUrl,
      ...(caFile !== undefined ? { caFile } : {}),
    });
    ctx.out.line(`Replicate emulator listening on ${emulator.url}`);
    if (caFile !== undefined) {
      ctx.out.line(`CA certificate (made for this run) written to ${caFile}; trust it in the client:`);
      ctx.out.line(`  Node:            NODE_EXTRA_CA_CERTS=${caFile}`);
      ctx.out.line(`  Python (httpx):  SSL_CERT_FILE=${caFile}`);
      ctx.out.line(`  Python requests: REQUESTS_CA_BUNDLE=${caFile}`);
      ctx.out.line(`  curl:            --cacert ${caFile}`);
    }

    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await emulator.close();
  },
});
