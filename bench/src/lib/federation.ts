/**
 * A real Coordinator (SQLite in a temporary directory, loopback only) with `clients` real socket.io
 * clients using the no-op trainer. Closes clients, server and database and removes the directory,
 * whatever happens. Open by default (plain client ids); with `identities`, enrolled (signed, sealed).
 * The clients come from `@cohort/client/connection`: the no-op trainer needs no TensorFlow.js, and its
 * ~40 MB of heap would otherwise make every garbage collection of the process dearer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Coordinator,
  SocketTransport,
  type CoordinatorOptions,
  type InitialModel,
  type RoundReport,
  type Strategy,
} from '@cohort/coordinator';
import { createClient, type CohortClient } from '@cohort/client/connection';
import { publicIdentity, type DeviceIdentity } from '@cohort/privacy/identity';
import { NoopTrainer } from './noop-trainer';
import { silentLogger } from './silent';

export interface NoopFederationOptions {
  model: InitialModel;
  rounds: number;
  clients: number;
  /** Maps the coordinator's port to the URL the clients dial (e.g. a counting proxy's). */
  clientUrl?: (coordinatorPort: number) => Promise<string>;
  /** Called on each round's report (after its evaluation, when one is due), with performance.now() at the 'round' event. */
  onRound?: (report: RoundReport, atMs: number) => void;
  /** @default 120000 */
  roundTimeoutMs?: number;
  /** Federated evaluation every this many rounds (the initial and final models too); 0: none. @default 0 */
  evalEvery?: number;
  /**
   * One device identity per client, in client order: the coordinator then admits these devices only
   * (an enrolment file listing them), so every update is signed and sealed to its key.
   * @default undefined (open mode: clients connect with plain ids, nothing is signed or sealed)
   */
  identities?: readonly DeviceIdentity[];
  /** Coordinator limits to raise, e.g. for more than 1,000 clients on loopback. @default the coordinator's defaults */
  limits?: Pick<CoordinatorOptions, 'maxConnectionsPerAddress' | 'maxConnections' | 'handshakeTimeoutMs'>;
  /**
   * Connects the `clients` clients from elsewhere (another process), given the URL to dial; the
   * federation then opens none of its own. Open mode only.
   * @default undefined (the clients run in this process)
   */
  connectClients?: (url: string) => Promise<void>;
  /** @default the coordinator's default FedAvg */
  strategy?: Strategy;
}

export interface NoopFederationOutcome {
  reports: RoundReport[];
  /** performance.now() at each 'round' event. */
  eventTimes: number[];
  /** Large messages the coordinator received into memory allocated for them, and into memory reused (transport/frame-pool.ts). */
  frames: { allocated: number; reused: number };
}

export async function runNoopFederation(options: NoopFederationOptions): Promise<NoopFederationOutcome> {
  const { identities } = options;
  if (identities && identities.length !== options.clients)
    throw new RangeError(`runNoopFederation: identities must hold one identity per client (${options.clients}), got ${identities.length}.`);
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-'));
  const enrolPath = identities ? join(dir, 'enrolment.json') : undefined;
  if (enrolPath) writeFileSync(enrolPath, JSON.stringify({ devices: identities!.map(publicIdentity) }));
  const transport = new SocketTransport({ ...options.limits, log: silentLogger });
  const coordinator = new Coordinator({
    rounds: options.rounds,
    minClients: options.clients,
    evalEvery: options.evalEvery ?? 0,
    maxRoundAttempts: 1,
    roundTimeoutMs: options.roundTimeoutMs ?? 120_000,
    fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
    dbPath: join(dir, 'coordinator.db'),
    model: options.model,
    logger: silentLogger,
    ...options.limits,
    ...(enrolPath ? { enrolPath } : {}),
    ...(options.strategy ? { strategy: options.strategy } : {}),
    transport,
  });
  const clients: CohortClient[] = [];
  const reports: RoundReport[] = [];
  const eventTimes: number[] = [];
  try {
    const url = await coordinator.start();
    const port = Number(new URL(url).port);
    const dial = options.clientUrl ? await options.clientUrl(port) : url;
    coordinator.on('round', (report) => {
      const at = performance.now();
      reports.push(report);
      eventTimes.push(at);
      options.onRound?.(report, at);
    });
    if (options.connectClients) {
      if (identities) throw new RangeError('runNoopFederation: clients connected from elsewhere run in open mode, without identities.');
      await options.connectClients(dial);
    } else {
      for (let i = 0; i < options.clients; i++) {
        clients.push(
          createClient({
            serverUrl: dial,
            // Open mode measures the bare round: no signature, no seal.
            ...(identities ? { identity: identities[i]! } : { clientId: `bench-${String(i).padStart(4, '0')}`, sealUpdates: false }),
            trainer: new NoopTrainer(),
            logger: silentLogger,
          }),
        );
      }
    }
    const outcome = await coordinator.runRounds();
    if (outcome.status !== 'finished') throw new Error(`the run ended ${outcome.status}: ${outcome.reason}`);
    const { allocated, reused } = transport.frames;
    return { reports, eventTimes, frames: { allocated, reused } };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await coordinator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
