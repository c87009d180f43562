/** Builds small real federations for end-to-end tests: a coordinator on loopback, real clients. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { Coordinator, type CoordinatorOptions, type RoundReport } from '@cohort/coordinator';
import {
  LocalTrainer,
  createClient,
  initBackend,
  initialModel,
  selectRows,
  type ClientOptions,
  type CohortClient,
  type Examples,
} from '@cohort/client';
import {
  PROTOCOL_VERSION,
  answerSigningBytes,
  elementCount,
  encodeTensors,
  handshakeProofBytes,
  type Ack,
  type AuthChallenge,
  type AuthRefusal,
  type ModelDescription,
  type RoundStart,
  type UpdateMessage,
} from '@cohort/protocol';
import { signMessage, type DeviceIdentity } from '@cohort/privacy/identity';
import { createRng, featureValues, makeSynthetic, partition, type Dataset } from '@cohort/simulations';

export const quiet = pino({ level: 'silent' });

export function tempDir(prefix = 'cohort-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function syntheticData(seed = 1): Dataset {
  return makeSynthetic({ seed, count: 3000, numFeatures: 10, numClasses: 2 });
}

export async function startCoordinator(dataset: Dataset, options: Partial<CoordinatorOptions> = {}) {
  await initBackend();
  const model = await initialModel('mlp', { numFeatures: dataset.numFeatures, numClasses: dataset.numClasses }, 1);
  const coordinator = new Coordinator({
    rounds: 3,
    minClients: 2,
    roundTimeoutMs: 20_000,
    fit: { localEpochs: 1, batchSize: 16, learningRate: 0.1 },
    dbPath: join(tempDir(), 'coordinator.db'),
    model,
    logger: quiet,
    ...options,
  });
  const reports: RoundReport[] = [];
  coordinator.on('round', (r) => reports.push(r));
  const url = await coordinator.start();
  return { coordinator, url, reports };
}

/**
 * Writes every `clients`-th training row of `dataset`, from `index`, as `dir`/client-INDEX.csv
 * (features f0…, then label): one site's data for a `cohort client` process.
 */
export function writeClientCsv(dataset: Dataset, dir: string, index: number, clients: number): string {
  const header = [...Array.from({ length: dataset.numFeatures }, (_, j) => `f${j}`), 'label'].join(',');
  const rows: string[] = [header];
  for (let i = index; i < dataset.train.count; i += clients) {
    const features = Array.from(featureValues(dataset.train, dataset.numFeatures, i, i + 1), (v) => v.toFixed(6));
    rows.push([...features, String(dataset.train.y[i])].join(','));
  }
  const path = join(dir, `client-${index}.csv`);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

/** `count` honest clients, each with its own disjoint shard of the dataset (and, when given, its device identity). */
export function honestClients(
  url: string,
  dataset: Dataset,
  count: number,
  prefix = 'honest',
  identities?: readonly DeviceIdentity[],
  extra: Partial<ClientOptions> = {},
): CohortClient[] {
  const rng = createRng(7);
  const trainParts = partition(dataset.train.y, count, 'iid', rng.fork('train'));
  const evalParts = partition(dataset.test.y, count, 'iid', rng.fork('eval'));
  const table = (split: Dataset['train']): Examples => ({
    x: featureValues(split, dataset.numFeatures),
    y: split.y,
    count: split.count,
    numFeatures: dataset.numFeatures,
  });
  return trainParts.map((part, i) =>
    createClient({
      serverUrl: url,
      ...(identities ? { identity: identities[i]! } : { clientId: `${prefix}-${i}` }),
      trainer: new LocalTrainer({
        train: selectRows(table(dataset.train), part),
        evaluation: selectRows(table(dataset.test), evalParts[i]!),
      }),
      logger: quiet,
      ...extra,
    }),
  );
}

/**
 * A hand-driven client speaking the wire protocol directly, for misbehaviour the real client never
 * shows. `onRound` builds the message it sends back; the coordinator's acks are collected.
 */
export class RawClient {
  readonly socket: Socket;
  readonly acks: Ack[] = [];
  description: ModelDescription | undefined;
  /** What the coordinator said when it refused this client, if it did. */
  refusal: AuthRefusal | undefined;

  /**
   * With `keys`, the client presents `keys.signing.publicKey` (or `presentedKey`, to pose as another
   * device) and answers the challenge with `keys.signing.secretKey`.
   */
  constructor(
    url: string,
    readonly clientId: string,
    onRound: (client: RawClient, start: RoundStart) => void,
    protocolVersion = PROTOCOL_VERSION,
    readonly keys?: { signing: { publicKey: Uint8Array; secretKey: Uint8Array }; presentedKey?: Uint8Array },
  ) {
    const signingKey = keys && Buffer.from(keys.presentedKey ?? keys.signing.publicKey).toString('base64');
    this.socket = io(url, {
      auth: { protocolVersion, clientId, ...(signingKey ? { signingKey } : {}) },
      transports: ['websocket'],
      reconnection: false,
    });
    this.socket.on('model:describe', (d: ModelDescription) => (this.description = d));
    this.socket.on('round:start', (start: RoundStart) => onRound(this, start));
    this.socket.on('auth:refused', (r: AuthRefusal) => (this.refusal = r));
    this.socket.on('auth:challenge', (challenge: AuthChallenge, ack: (proof: { signature: string }) => void) => {
      const bytes = handshakeProofBytes({
        nonce: challenge.nonce,
        clientId,
        signingKey: signingKey!,
        coordinatorKey: challenge.coordinatorKey,
      });
      ack({ signature: Buffer.from(signMessage(bytes, keys!.signing.secretKey)).toString('base64') });
    });
  }

  send(event: 'round:update' | 'round:evaluation', message: Record<string, unknown>): void {
    this.socket.emit(event, message, (ack: Ack) => this.acks.push(ack));
  }

  /** `message` with this client's signature of it (as a fit update), when the client has keys. */
  signed(message: Record<string, unknown>, task: 'fit' | 'evaluate' = 'fit'): Record<string, unknown> {
    const bytes = answerSigningBytes(task as 'fit', message as unknown as UpdateMessage);
    return { ...message, signature: Buffer.from(signMessage(bytes, this.keys!.signing.secretKey)).toString('base64') };
  }

  close(): void {
    this.socket.disconnect();
  }
}

/**
 * A fast stand-in for a DP client: answers every fit round (or those `answers` picks) at once with an
 * all-zero update (one example, no metrics, as clients do under DP), and records which rounds it was
 * asked to train.
 */
export function zeroUpdateClient(
  url: string,
  clientId: string,
  answers: (round: number) => boolean = () => true,
): RawClient & { fitRounds: number[] } {
  const fitRounds: number[] = [];
  const client = new RawClient(url, clientId, (c, start) => {
    if (start.task !== 'fit') return;
    fitRounds.push(start.round);
    if (!answers(start.round)) return;
    const specs = c.description!.weightSpecs;
    const { manifest, payload } = encodeTensors(
      specs.map((s) => ({ name: s.name, shape: s.shape, data: new Float32Array(elementCount(s.shape)) })),
    );
    c.send('round:update', {
      protocolVersion: PROTOCOL_VERSION,
      runId: start.runId,
      round: start.round,
      clientId,
      numExamples: 1,
      manifest,
      payload,
    });
  });
  return Object.assign(client, { fitRounds });
}

/**
 * A keyed raw client whose every fit answer is `value` in every weight, claiming `numExamples`, signed;
 * `tamper` may alter it after signing.
 */
export function signingClient(
  url: string,
  identity: DeviceIdentity,
  tamper?: (m: Record<string, unknown>, start: RoundStart) => Record<string, unknown>,
  { value = 0.001, numExamples = 10 } = {},
) {
  const sent: Record<string, unknown>[] = [];
  const client = new RawClient(
    url,
    identity.id,
    (c, start) => {
      if (start.task !== 'fit') return;
      const specs = c.description!.weightSpecs;
      const { manifest, payload } = encodeTensors(
        specs.map((s) => ({ name: s.name, shape: s.shape, data: new Float32Array(elementCount(s.shape)).fill(value) })),
      );
      const message = c.signed({
        protocolVersion: PROTOCOL_VERSION,
        runId: start.runId,
        round: start.round,
        clientId: identity.id,
        numExamples,
        manifest,
        payload,
      });
      sent.push(message);
      c.send('round:update', tamper ? tamper(message, start) : message);
    },
    PROTOCOL_VERSION,
    identity,
  );
  return Object.assign(client, { sent });
}

/** A pino logger at `level` whose lines are parsed into `lines`, for tests that read what is logged. */
export function capturingLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level }, stream), lines };
}

export async function waitUntil(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
