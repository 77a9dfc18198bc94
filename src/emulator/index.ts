// The public entry of `replicate-media/emulator`: start a local, stateful Replicate API emulator.
//
//   const emu = await startEmulator({ port: 0 });
//   const replicate = new Replicate({ auth: 'test', baseUrl: emu.apiUrl });
//   ...
//   await emu.close();

import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createLocalCertificates } from './certificate.js';
import { EmulatorServer } from './server.js';
import { EmulatorState } from './state.js';
import type { Emulator, EmulatorOptions } from './types.js';

export { imageSize, MODELS, type ModelSpec, type OutputFile, type OutputPlan, type PlanContext } from './models.js';
export type { PredictionQuirk } from './predictions.js';
export type { FieldSchema, InputSchema } from './schema.js';
export type {
  Emulator,
  EmulatorOptions,
  EmulatorStats,
  FaultRule,
  FaultType,
  ModelTimings,
  RouteName,
  Scenario,
} from './types.js';
export { signWebhook } from './webhooks.js';

/** Starts an emulator on `host:port` (default 127.0.0.1, a free port) and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  if (options.caFile !== undefined && options.https !== true)
    throw new TypeError('caFile is only written in HTTPS mode: pass https: true with it');
  const certificates = options.https === true ? createLocalCertificates([host]) : undefined;
  // Written before listening: a path that cannot be written fails the start, not a client later.
  if (certificates && options.caFile !== undefined) await writeFile(options.caFile, certificates.caCertificatePem);
  const state = new EmulatorState(options);
  const front = new EmulatorServer(state, certificates);
  await new Promise<void>((resolve, reject) => {
    front.server.once('error', reject);
    front.server.listen(options.port ?? 0, host, () => {
      front.server.off('error', reject);
      resolve();
    });
  });
  const { port } = front.server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  state.origin = `${certificates ? 'https' : 'http'}://${urlHost}:${port}`;
  state.log(`Replicate emulator listening on ${state.origin}`);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      state.scheduler.close();
      state.webhooks.close();
      for (const release of [...state.openHandles]) release();
      front.server.close(() => resolve());
      front.server.closeAllConnections();
    }));

  return {
    url: state.origin,
    apiUrl: state.apiUrl,
    caCertificatePem: certificates?.caCertificatePem,
    close,
    [Symbol.asyncDispose]: close,
    addFault: (rule) => state.faults.add(rule),
    clearFaults: () => state.faults.clear(),
    addScenario: (scenario) => state.scenarios.add(scenario),
    advanceClock: (ms) => {
      state.clock.advance(ms);
      state.scheduler.runDue();
    },
    addBackgroundPredictions: (count, model) => state.addBackgroundPredictions(count, model),
    stats: () => state.stats(),
    reset: () => state.reset(),
  };
}
