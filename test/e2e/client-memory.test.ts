/**
 * While a client waits for the coordinator's verdict on its answer, it holds neither the model it
 * received nor the update it made: with many clients in one process (a simulation), that would be
 * two models per client for as long as the coordinator takes to answer them all. A socket.io server
 * on loopback plays the coordinator and withholds its ack until the test has collected garbage.
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

const LENGTH = 250_000;
const weights = [{ name: 'w', shape: [LENGTH], data: new Float32Array(LENGTH).fill(0.5) }];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Keeps weak references to the model a task carried and to the update made from it. */
class WatchedTrainer implements Trainer {
  readonly models: WeakRef<ArrayBuffer>[] = [];
  readonly updates: WeakRef<ArrayBuffer>[] = [];

  async fit(task: Parameters<Trainer['fit']>[0]) {
    this.models.push(new WeakRef(task.weights[0]!.buffer as ArrayBuffer));
    const delta = task.weights.map((w) => new Float32Array(w.length).fill(0.25));
    this.updates.push(new WeakRef(delta[0]!.buffer));
    return { delta, numExamples: 3, metrics: { loss: 0.5, accuracy: 0.5 } };
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
  const answered = new Promise<{ message: { payload?: Uint8Array }; ack: (reply: Ack) => void }>((resolve) => {
    io.on('connection', (socket) => {
      socket.on(task === 'fit' ? 'round:update' : 'round:evaluation', (message, ack) => resolve({ message, ack }));
      socket.emit('model:describe', {
        protocolVersion: PROTOCOL_VERSION,
        runId: 'run-1',
        topology: {},
        weightSpecs: [{ name: 'w', shape: [LENGTH], dtype: 'float32' }],
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
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, answered };
}

function connect(url: string, trainer: Trainer): CohortClient {
  const client = createClient({ serverUrl: url, clientId: 'watched', trainer, logger: quiet, sealUpdates: false });
  cleanups.push(() => client.close());
  return client;
}

describe('a client waiting for the verdict on its answer', () => {
  it('holds neither the model it trained nor its update, and reports the verdict when it comes', async () => {
    const { url, answered } = await coordinatorOnLoopback('fit');
    const trainer = new WatchedTrainer();
    const client = connect(url, trainer);
    const done = new Promise<RoundDone>((resolve) => client.on('round', resolve));

    const { message, ack } = await answered;
    expect(message.payload?.byteLength).toBe(LENGTH * 4);
    await settleGarbage();
    expect(trainer.models[0]!.deref()).toBeUndefined();
    expect(trainer.updates[0]!.deref()).toBeUndefined();

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
});
