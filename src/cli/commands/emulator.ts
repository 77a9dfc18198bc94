// `replicate-media emulator`: run the Replicate emulator in the foreground until SIGINT/SIGTERM.
import { numberOption, stringOption } from '../args.js';
import { type Command, GLOBAL_HELP } from '../command.js';
import { UsageError } from '../errors.js';

export const DEFAULT_EMULATOR_PORT = 8787;

export const emulatorCommand: Command = {
  name: 'emulator',
  summary: 'run a local Replicate emulator (for your tests, or to try things offline)',
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    token: { type: 'string' },
    'retention-seconds': { type: 'string' },
    'no-rate-limits': { type: 'boolean' },
    'webhook-allow': { type: 'string', multiple: true },
  },
  help: `Usage: replicate-media emulator [--port ${DEFAULT_EMULATOR_PORT}] [--host 127.0.0.1] [--token T] [--speed N]

Serves Replicate's HTTP API locally, then prints one line:
  Replicate emulator listening on http://HOST:PORT
and runs until Ctrl-C (SIGINT) or SIGTERM. Point a client at it with
REPLICATE_BASE_URL=http://HOST:PORT/v1 and any REPLICATE_API_KEY (or the --token you chose).

Options:
  -p, --port N                port (default ${DEFAULT_EMULATOR_PORT}; 0 picks a free one)
      --host H                interface to listen on (default 127.0.0.1)
      --token T               accept only this API token (default: any non-empty token)
      --speed N               divide model timings by N (default 1: about as slow as Replicate)
      --retention-seconds S   how long outputs stay downloadable (default 3600, like Replicate)
      --no-rate-limits        turn off the rate limits (600 creates and 3000 other requests a minute)
      --webhook-allow HOST    also deliver webhooks to HOST (repeatable; * for any; default loopback only)
      --verbose               log every request to stderr

${GLOBAL_HELP}`,

  async run(ctx, { values, positionals }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}": see \`replicate-media emulator --help\`.`);
    if (ctx.globals.emulator) throw new UsageError('The emulator command does not take --emulator.');
    const port = numberOption(values, 'port', { integer: true, min: 0, max: 65_535 }) ?? DEFAULT_EMULATOR_PORT;
    const host = stringOption(values, 'host') ?? '127.0.0.1';
    const token = stringOption(values, 'token');
    if (token !== undefined && token.trim() === '') throw new UsageError('--token must not be empty.');
    const retentionSeconds = numberOption(values, 'retention-seconds', { min: 0 });
    const { startEmulator } = await import('../../emulator/index.js');
    let emulator: import('../../emulator/index.js').Emulator;
    try {
      emulator = await startEmulator({
        port,
        host,
        ...(token !== undefined ? { token } : {}),
        ...(ctx.globals.speed !== undefined ? { speed: ctx.globals.speed } : {}),
        ...(retentionSeconds !== undefined ? { outputRetentionMs: Math.round(retentionSeconds * 1000) } : {}),
        ...(values['no-rate-limits'] === true ? { rateLimits: false as const } : {}),
        ...(Array.isArray(values['webhook-allow']) ? { webhookAllow: values['webhook-allow'].map(String) } : {}),
        ...(ctx.globals.verbose ? { logger: (line: string) => ctx.stderr.write(`${line}\n`) } : {}),
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
      throw error;
    }
    ctx.onCleanup(() => emulator.close());
    ctx.out.json({ success: true, command: 'emulator', url: emulator.url, apiUrl: emulator.apiUrl });
    ctx.out.line(`Replicate emulator listening on ${emulator.url}`);

    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await emulator.close();
  },
};
