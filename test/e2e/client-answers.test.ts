/**
 * How a client sends its answers. While it waits for the coordinator's verdict, it holds neither the
 * model it received nor the update it made: with many clients in one process (a simulation), that
 * would be two models per client for as long as the coordinator takes to answer them all. An answer
 * socket.io cannot encode fails that round only. A socket.io server on loopback plays the
 * coordinator and withholds its ack until the test has collected garbage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Server } from 'socket.io';
import { createClient, type CohortClient, type RoundDone, type Trainer } from '@cohort/client/connection';
import { PROTOCOL_VERSION, encodeTensors, type Ack } from '@cohort/protocol';
import { quiet } from '../helpers/federation';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Two tensors of 2 MB: the update's delta is two arrays, which the client copies into one payload to send. */
const LENGTH = 500_000;
const SPECS = [
  { name: 'w', shape: [LENGTH], dtype: 'float32' as const },
  { name: 'v', shape: [LENGTH], dtype: 'float32' as const },
];
const weights = SPECS.map(({ name, shape }) => ({ name, shape, data: new Float32Array(LENGTH).fill(0.5) }));
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Keeps weak references to the model a task carried and to the update made from it. */
class WatchedTrainer implements Trainer {
  readonly models: WeakRef<ArrayBuffer>[] = [];
  readonly updates: WeakRef<ArrayBuffer>[] = [];

  constructor(private readonly loss: number = 0.5) {}

  async fit(task: Parameters<Trainer['fit']>[0]) {
    this.models.push(new WeakRef(task.weights[0]!.buffer as ArrayBuffer));
    const delta = task.weights.map((w) => new Float32Array(w.length).fill(0.25));
    this.updates.push(new WeakRef(delta[0]!.buffer));
    return { delta, numExamples: 3, metrics: { loss: this.loss, accuracy: 0.5 } };
  }

  async evaluate(task: Parameters<Trainer['evaluate']>[0]) {
    this.models.push(new WeakRef(task.weights[0]!.buffer as ArrayBuffer));
    return { numExamples: 2, lossSum: 1, confusion: [1, 0, 0, 1] };
  }
}

/** Collects garbage over a few turns of the event loop (a WeakRef's target lives to the end of its job). */
async function settleGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
  }
}

async function coordinatorOnLoopback(task: 'fit' | 'evaluate') {
  const http = createServer();
  const io = new Server(http, { maxHttpBufferSize: 16 * 2 ** 20, serveClient: false });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
  const { manifest, payload } = encodeTensors(weights);
  // Only the size of what arrived is kept: the test must hold no copy of the update itself.
  let reportError: (message: string) => void;
  const clientError = new Promise<string>((resolve) => (reportError = resolve));
  const answered = new Promise<{ payloadBytes: number; ack: (reply: Ack) => void }>((resolve) => {
    io.on('connection', (socket) => {
      socket.on('round:error', (report: { message: string }) => reportError(report.message));
      socket.on(task === 'fit' ? 'round:update' : 'round:evaluation', (message: { payload?: Uint8Array }, ack) =>
        resolve({ payloadBytes: message.payload?.byteLength ?? 0, ack }),
      );
      socket.emit('model:describe', {
        protocolVersion: PROTOCOL_VERSION,
        runId: 'run-1',
        topology: {},
        weightSpecs: SPECS,
        numClasses: 2,
      });
      socket.emit('round:start', {
        protocolVersion: PROTOCOL_VERSION,
        runId: 'run-1',
        round: 1,
        task,
        config: { localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 7 },
        manifest,
        payload,
      });
    });
  });
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, answered, clientError };
}

function connect(url: string, trainer: Trainer): CohortClient {
  const client = createClient({ serverUrl: url, clientId: 'watched', trainer, logger: quiet, sealUpdates: false });
  cleanups.push(() => client.close());
  return client;
}

describe('a client waiting for the verdict on its answer', () => {
  it('holds neither the model it trained nor its update, and reports the verdict when it comes', async () => {
    const { url, answered } = await coordinatorOnLoopback('fit');
    await settleGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const trainer = new WatchedTrainer();
    const client = connect(url, trainer);
    const done = new Promise<RoundDone>((resolve) => client.on('round', resolve));

    const { payloadBytes, ack } = await answered;
    expect(payloadBytes).toBe(2 * LENGTH * 4);
    await settleGarbage();
    expect(trainer.models[0]!.deref()).toBeUndefined();
    expect(trainer.updates[0]!.deref()).toBeUndefined();
    // Nor the payload it encoded from the delta, which no reference watches: nothing of 2 MB or more is left.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(LENGTH * 4);

    ack({ ok: true });
    expect(await done).toMatchObject({ round: 1, task: 'fit', accepted: true, numExamples: 3, loss: 0.5 });
  });

  it('holds no model while an evaluation waits for its verdict', async () => {
    const { url, answered } = await coordinatorOnLoopback('evaluate');
    const trainer = new WatchedTrainer();
    const client = connect(url, trainer);
    const done = new Promise<RoundDone>((resolve) => client.on('round', resolve));

    const { ack } = await answered;
    await settleGarbage();
    expect(trainer.models[0]!.deref()).toBeUndefined();

    ack({ ok: false, code: 'WRONG_ROUND', message: 'no round is open' });
    expect(await done).toMatchObject({
      round: 1,
      task: 'evaluate',
      accepted: false,
      numExamples: 2,
      loss: 0.5,
      rejection: { code: 'WRONG_ROUND', message: 'no round is open' },
    });
  });

  it('fails only that round when socket.io cannot encode the answer, and closes without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => void process.off('unhandledRejection', onUnhandled));
    const { url, clientError } = await coordinatorOnLoopback('fit');
    // JSON has no BigInt: socket.io's encoder throws while the update is being sent.
    const client = connect(url, new WatchedTrainer(1n as unknown as number));

    expect(await clientError).toMatch(/BigInt/);
    await client.close();
    await settleGarbage();
    expect(unhandled).toEqual([]);
  });
});
