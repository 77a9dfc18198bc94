#!/usr/bin/env node
// The `replicate-media` bin: wires signals and the process's streams to run(), then exits with its
// code. The first Ctrl-C (SIGINT) or SIGTERM aborts the command's signal, which cancels the running
// prediction on the server before the process exits; a second one exits at once.
import { EXIT_INTERRUPTED } from './exit-codes.js';
import { run } from './run.js';

/** The process entry: wires signals, runs, exits. */
async function main(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signalName: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(
        '\nInterrupted again: exiting without waiting; a prediction may still be running (see `replicate-media predictions`).\n',
      );
      process.exit(signalName === 'SIGTERM' ? 143 : EXIT_INTERRUPTED);
    }
    controller.abort(new Error(`Interrupted by ${signalName}`));
    // Commands stop on the signal (canceling their prediction takes at most the client's 30 s cleanup
    // deadline); should one not, do not leave the user waiting forever.
    setTimeout(() => process.exit(EXIT_INTERRUPTED), 35_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `replicate-media predictions | head`: a closed pipe is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

  const exitCode = await run({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
  process.exitCode = exitCode;
  // Let stdout drain, then leave even if a stray handle (a keep-alive socket) remains.
  setTimeout(() => process.exit(exitCode), 2_000).unref();
}

await main();
