/**
 * What q8 update compression saves and costs, on the default job's model (the McMahan 2NN, 199,210
 * parameters):
 * - encode and decode throughput of one update, q8 (CSPRNG rounding; decoding includes the
 *   coordinator's checks) against float32;
 * - the default job (MNIST, 10 IID clients, batch 10, lr 0.1, each client its own device key, so
 *   updates are signed and sealed as in `npm run simulate`) for ROUNDS rounds with and without q8:
 *   bytes per update through a counting TCP relay (framing included) and as the coordinator
 *   receives them, and the test accuracy reached. The Simulation API takes no compression option
 *   (yet), so the federation is built here the way it builds one.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, initBackend, initialModel, type CohortClient } from '@cohort/client';
import { Coordinator, type RoundReport } from '@cohort/coordinator';
import { generateDeviceIdentity } from '@cohort/privacy/identity';
import {
  cryptoRandomBytes,
  decodeUpdateTensors,
  encodeTensors,
  quantiseQ8,
  specsOf,
  type Compression,
  type NamedTensor,
} from '@cohort/protocol';
import { PooledTrainer, WorkerPool, createRng, loadMnist, partition } from '@cohort/simulations';
import { CountingProxy } from '../lib/counting-proxy';
import { filled, parameterCount } from '../lib/model';
import type { Benchmark } from '../lib/result';
import { silentLogger } from '../lib/silent';
import { figure, interleaved, median, perSecond } from '../lib/stats';

const CLIENTS = 10;
/** Rounds 2 … ROUNDS − 1 carry updates only (evaluation runs at round 0 and the last): their bytes are counted. */
const ROUNDS = 5;
const SEED = 0;
const MNIST_2NN_SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];

interface JobFigures {
  accuracy: number;
  /** TCP bytes from the clients per update, rounds 2 … ROUNDS − 1. */
  wireBytes: number[];
  /** Payload bytes the coordinator received per update (RoundReport.bytesIn). */
  payloadBytes: number[];
  roundMs: number[];
}

async function defaultJob(compression: Compression | undefined): Promise<JobFigures> {
  const dataset = await loadMnist();
  const rng = createRng(SEED);
  const trainParts = partition(dataset.train.y, CLIENTS, 'iid', rng.fork('train'));
  const evalParts = partition(dataset.test.y, CLIENTS, 'iid', rng.fork('evaluation'));
  await initBackend();
  const model = await initialModel('mnist-2nn', { numFeatures: dataset.numFeatures, numClasses: dataset.numClasses }, SEED);
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-compression-'));
  const pool = new WorkerPool(availableParallelism(), {
    numFeatures: dataset.numFeatures,
    train: dataset.train,
    test: dataset.test,
    trainParts,
    evalParts,
  });
  const coordinator = new Coordinator({
    rounds: ROUNDS,
    minClients: CLIENTS,
    evalEvery: ROUNDS,
    fit: { localEpochs: 1, batchSize: 10, learningRate: 0.1 },
    seed: SEED,
    dbPath: join(dir, 'coordinator.db'),
    model,
    logger: silentLogger,
    ...(compression ? { compression } : {}),
  });
  let proxy: CountingProxy | undefined;
  let clients: CohortClient[] = [];
  try {
    const [, url] = await Promise.all([pool.ready, coordinator.start()]);
    proxy = new CountingProxy(Number(new URL(url).port));
    const dial = `http://127.0.0.1:${await proxy.listen()}`;
    const counted: { report: RoundReport; up: number }[] = [];
    coordinator.on('round', (report) => counted.push({ report, up: proxy!.up }));
    clients = Array.from({ length: CLIENTS }, (_, i) =>
      createClient({
        serverUrl: dial,
        identity: generateDeviceIdentity(`sim-${i}`),
        trainer: new PooledTrainer(pool, i),
        logger: silentLogger,
      }),
    );
    await Promise.all(clients.map((c) => (c.connected ? undefined : once(c, 'connected'))));
    const outcome = await coordinator.runRounds();
    if (outcome.status !== 'finished') throw new Error(`the default job with compression ${compression} ended ${outcome.status}`);
    const fitOnly = counted.filter(({ report }) => report.round >= 2 && report.round < ROUNDS);
    return {
      accuracy: outcome.finalEvaluation!.accuracy,
      wireBytes: fitOnly.map(({ report, up }) => (up - counted.find((c) => c.report.round === report.round - 1)!.up) / CLIENTS),
      payloadBytes: fitOnly.map(({ report }) => report.participation!.bytesIn / CLIENTS),
      roundMs: counted.filter(({ report }) => report.round >= 1).map(({ report }) => report.durationMs),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await coordinator.close();
    await proxy?.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function codecThroughput() {
  const update: NamedTensor[] = MNIST_2NN_SHAPES.map((shape, i) => ({
    name: `t${i}`,
    shape,
    data: filled(
      shape.reduce((a, b) => a * b, 1),
      i + 1,
    ).map((v) => v * 0.02),
  }));
  const bounds = { maxBytes: Number.MAX_SAFE_INTEGER, maxTensors: update.length, expected: specsOf(update) };
  const plain = encodeTensors(update);
  const q8 = { ...quantiseQ8(update, cryptoRandomBytes), compression: 'q8' as const };
  let sink = 0;
  const times = await interleaved(
    {
      encodeFloat32: () => (sink += encodeTensors(update).payload.byteLength),
      encodeQ8: () => (sink += quantiseQ8(update, cryptoRandomBytes).payload.byteLength),
      decodeFloat32: () => (sink += decodeUpdateTensors(plain, bounds).length),
      decodeQ8: () => (sink += decodeUpdateTensors(q8, bounds).length),
    },
    { warmup: 3, reps: 15 },
  );
  const millions = parameterCount(update) / 1e6;
  const rate = (key: keyof typeof times) => perSecond(millions, times[key]);
  return {
    encodeFloat32: figure('encode float32 (encodeTensors), 2NN update', rate('encodeFloat32'), 'M values/s', true),
    encodeQ8: figure('encode q8 (quantiseQ8, CSPRNG rounding), 2NN update', rate('encodeQ8'), 'M values/s'),
    decodeFloat32: figure('decode float32 with shape checks, 2NN update', rate('decodeFloat32'), 'M values/s', true),
    decodeQ8: figure('decode q8 with header, layout and shape checks, 2NN update', rate('decodeQ8'), 'M values/s'),
    bytes: { plain: plain.payload.byteLength, q8: q8.payload.byteLength },
    checksum: Number.isFinite(sink),
  };
}

export const run: Benchmark = async () => {
  const codec = await codecThroughput();
  const plain = await defaultJob(undefined);
  const q8 = await defaultJob('q8');
  const wirePlain = figure('client → coordinator TCP bytes per update, float32', plain.wireBytes, 'B', true);
  const wireQ8 = figure('client → coordinator TCP bytes per update, q8', q8.wireBytes, 'B');
  const accuracyPlain = figure(`test accuracy after ${ROUNDS} rounds, float32`, [plain.accuracy], '', true);
  const accuracyQ8 = figure(`test accuracy after ${ROUNDS} rounds, q8`, [q8.accuracy], '');
  return {
    figures: [
      codec.encodeFloat32,
      codec.encodeQ8,
      codec.decodeFloat32,
      codec.decodeQ8,
      wirePlain,
      wireQ8,
      figure('payload bytes per update as received (sealed), float32', plain.payloadBytes, 'B', true),
      figure('payload bytes per update as received (sealed), q8', q8.payloadBytes, 'B'),
      accuracyPlain,
      accuracyQ8,
      figure('fit round (sampling to commit), float32', plain.roundMs, 'ms', true),
      figure('fit round (sampling to commit), q8', q8.roundMs, 'ms'),
    ],
    ratios: [
      {
        label: 'q8 ÷ float32 wire bytes per update (TCP)',
        value: wireQ8.value / wirePlain.value,
        meaning: '0.25 = one byte per value, no overhead',
      },
      { label: 'q8 ÷ float32 update payload bytes', value: codec.bytes.q8 / codec.bytes.plain, meaning: 'chunk headers and magic only' },
      {
        label: `q8 − float32 test accuracy after ${ROUNDS} rounds of the default job`,
        value: q8.accuracy - plain.accuracy,
        meaning: '0 = no accuracy cost; one run each, so ±1 test example is 0.0005',
      },
      {
        label: 'q8 ÷ float32 encode throughput',
        value: codec.encodeQ8.value / codec.encodeFloat32.value,
        meaning: '1 = as fast as float32',
      },
      {
        label: 'q8 ÷ float32 decode throughput',
        value: codec.decodeQ8.value / codec.decodeFloat32.value,
        meaning: '1 = as fast as float32',
      },
      {
        label: 'q8 ÷ float32 fit round time',
        value: median(q8.roundMs) / median(plain.roundMs),
        meaning: '1 = no time cost; training dominates',
      },
    ],
    notes: [
      `default job: MNIST (8,000 train, 2,000 test), mnist-2nn, ${CLIENTS} IID clients, batch 10, lr 0.1, seed ${SEED}, ${ROUNDS} rounds, ${availableParallelism()} training workers; float32 run first, then q8`,
      `wire bytes from rounds 2–${ROUNDS - 1} (no evaluation traffic); codec: 3 warm-ups, 15 interleaved reps; checksum ${codec.checksum}`,
    ],
  };
};
