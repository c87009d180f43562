/**
 * Large messages received into reused memory (transport/frame-pool.ts, pooled-ws-engine.ts), over
 * real socket.io connections on loopback: every byte arrives intact whatever memory it lands in,
 * memory is reused only once its reader hands it back, and a federation's updates from round 2 on
 * arrive in the memory round 1's came in, with the models FedAvg gives on copies of the same updates.
 * These also fail if a ws release changes the internals the pool depends on.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { Coordinator, FedAvg, SocketTransport, type InitialModel } from '@cohort/coordinator';
import type { FitOutcome } from '@cohort/client';
import { createClient, type CohortClient, type FitTask, type Trainer } from '@cohort/client/connection';
import { contiguousFloat32 } from '@cohort/protocol';
import { handBack, lentMemoryOf } from '../../packages/coordinator/src/lent-memory';
import { FramePool, POOLED_MESSAGE_BYTES } from '../../packages/coordinator/src/transport/frame-pool';
import { pooledWsEngine } from '../../packages/coordinator/src/transport/pooled-ws-engine';
import { quiet, tempDir } from '../helpers/federation';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Bytes that differ from seed to seed, and are checked by their hash. */
function bytesOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 131 + seed * 7919 + (i >> 8) * seed) & 0xff);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Received {
  memory: ArrayBuffer;
  intact: boolean;
  lent: boolean;
}

/**
 * A socket.io server on the pooled engine, and one client. The server checks each `blob` against the
 * hash sent with it, and hands its memory back at once unless `keep` says not to.
 */
async function startRig(keep: (index: number) => boolean = () => false) {
  const pool = new FramePool();
  let unsupported = 0;
  const http = createServer();
  const io = new Server(http, {
    maxHttpBufferSize: 4 << 20,
    serveClient: false,
    wsEngine: pooledWsEngine(pool, () => unsupported++),
  });
  const received: Received[] = [];
  io.on('connection', (socket) => {
    socket.on('blob', (hash: string, blob: Buffer, ack: () => void) => {
      const views = [new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4)];
      const lent = lentMemoryOf(views);
      received.push({ memory: blob.buffer as ArrayBuffer, intact: sha256(blob) === hash, lent: lent !== undefined });
      if (lent && !keep(received.length - 1)) handBack(lent);
      ack();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client: Socket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  closers.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
  closers.push(() => void client.disconnect());
  const send = (bytes: Uint8Array) => client.emitWithAck('blob', sha256(bytes), bytes);
  return { pool, received, send, unsupported: () => unsupported };
}

describe('large messages received into reused memory', () => {
  it('receives each message intact, and one after another into the same memory once each is handed back', async () => {
    const rig = await startRig();
    for (let i = 0; i < 8; i++) await rig.send(bytesOf(1 << 20, i + 1));
    expect(rig.received.map((r) => r.intact)).toEqual(Array(8).fill(true));
    expect(rig.received.every((r) => r.lent && r.memory === rig.received[0]!.memory)).toBe(true);
    expect([rig.pool.allocated, rig.pool.reused]).toEqual([1, 7]);
    expect(rig.unsupported()).toBe(0);
  });

  it('keeps messages sent back to back apart, whatever socket reads they share', async () => {
    const rig = await startRig();
    // Odd sizes (multiples of 4 for the views), all in flight at once: a message's last bytes share a socket read with the next one's header.
    const sizes = [POOLED_MESSAGE_BYTES, 1_000_004, 300_000, 2_097_156, 1_000_004, 777_780];
    await Promise.all(sizes.map((n, i) => rig.send(bytesOf(n, 100 + i))));
    expect(rig.received.map((r) => r.intact)).toEqual(Array(sizes.length).fill(true));
    expect(rig.received.every((r) => r.lent)).toBe(true);
  });

  it('never receives into memory still in use, and leaves small messages as ws receives them', async () => {
    // The first two are kept (never handed back): the messages after them must land elsewhere.
    const rig = await startRig((i) => i < 2);
    for (let i = 0; i < 4; i++) await rig.send(bytesOf(1 << 20, 200 + i));
    const [a, b, c, d] = rig.received;
    expect(rig.received.map((r) => r.intact)).toEqual([true, true, true, true]);
    expect(new Set([a!.memory, b!.memory, c!.memory]).size).toBe(3);
    expect(d!.memory).toBe(c!.memory);
    await rig.send(bytesOf(POOLED_MESSAGE_BYTES - 4, 300));
    expect(rig.received[4]).toMatchObject({ intact: true, lent: false });
  });
});

/** A 75,250-parameter model (301 KB per update, above POOLED_MESSAGE_BYTES), never built: the trainer only returns deltas. */
const MODEL: InitialModel = {
  topology: { class_name: 'TestPlaceholder', config: {} },
  weights: [
    { name: 'dense/kernel', shape: [300, 250], data: Float32Array.from(bytesOf(75_000, 1), (b) => (b - 128) / 256) },
    { name: 'dense/bias', shape: [250], data: new Float32Array(250).fill(0.5) },
  ],
  numClasses: 2,
};

/** Client `index`'s delta in `round`: distinct values, a distinct weight, and later ids answering first (so earlier ones' updates wait for their turn). */
class SeededTrainer implements Trainer {
  readonly seen = new Map<number, Float32Array[]>();
  constructor(private readonly index: number) {}

  async fit(task: FitTask): Promise<FitOutcome> {
    this.seen.set(
      task.round,
      task.weights.map((w) => w.slice()),
    );
    await new Promise((resolve) => setTimeout(resolve, (4 - this.index) * 40));
    return { delta: deltaOf(this.index, task.round), numExamples: 10 + this.index, metrics: { loss: 1, accuracy: 0.5 } };
  }

  async evaluate(): Promise<never> {
    throw new Error('no evaluation in this test');
  }
}

function deltaOf(index: number, round: number): Float32Array[] {
  const delta = contiguousFloat32(MODEL.weights.map((w) => w.data.length));
  const values = bytesOf(
    delta.reduce((n, d) => n + d.length, 0),
    1000 * round + index,
  );
  let at = 0;
  for (const d of delta) for (let i = 0; i < d.length; i++) d[i] = (values[at++]! - 128) / 1024;
  return delta;
}

describe('a federation over the pooled transport', () => {
  it("receives rounds 2 and on into round 1's memory, and gives the models FedAvg gives on copies of the same updates", async () => {
    const transport = new SocketTransport({ log: quiet });
    const coordinator = new Coordinator({
      rounds: 4,
      minClients: 4,
      evalEvery: 0,
      roundTimeoutMs: 30_000,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath: `${tempDir()}/coordinator.db`,
      model: MODEL,
      logger: quiet,
      transport,
    });
    closers.push(() => coordinator.close());
    const url = await coordinator.start();
    const trainers = [0, 1, 2, 3].map((i) => new SeededTrainer(i));
    const clients: CohortClient[] = trainers.map((trainer, i) =>
      createClient({ serverUrl: url, clientId: `site-${i}`, sealUpdates: false, trainer, logger: quiet }),
    );
    closers.push(() => Promise.all(clients.map((c) => c.close())).then(() => undefined));
    expect((await coordinator.runRounds()).status).toBe('finished');

    // Each model the clients were sent, from round 2 on, is FedAvg's on fresh copies of the round before's updates.
    let model = MODEL.weights.map((w) => w.data as Float32Array);
    for (let round = 1; round < 4; round++) {
      const results = trainers.map((_, i) => ({ clientId: `site-${i}`, numExamples: 10 + i, delta: deltaOf(i, round) }));
      model = new FedAvg().aggregateFit(round, results, [], model).weights;
      for (const trainer of trainers) expect(trainer.seen.get(round + 1)).toEqual(model);
    }
    // Round 1's four updates came in memory of their own; the twelve after them in the same four.
    expect([transport.frames.allocated, transport.frames.reused]).toEqual([4, 12]);
  });
});
