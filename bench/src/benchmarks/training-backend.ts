/**
 * Runs in a helper process, one per TensorFlow.js backend (initBackend holds one per thread):
 * `prepare` initialises the backend, MNIST and the mnist-2nn model and warms up; `epoch` times one
 * fitLocally epoch from the same initial weights and returns examples per second; `writeExamples`
 * hands the same examples to the PyTorch reference.
 */
import { writeFileSync } from 'node:fs';
import type * as Tf from '@tensorflow/tfjs';
import type { Examples } from '@cohort/client';
import type { BackendName } from '@cohort/client';

let state: { model: Tf.LayersModel; global: Float32Array[]; data: Examples; numClasses: number } | undefined;
let fit: typeof import('@cohort/client').fitLocally;

export async function prepare({
  backend,
  examples,
  batchSizes,
}: {
  backend: BackendName;
  examples: number;
  batchSizes: number[];
}): Promise<string> {
  const tf = await import('@tensorflow/tfjs');
  const { buildPreset, fitLocally, initBackend, selectRows } = await import('@cohort/client');
  const { featureValues, loadMnist } = await import('@cohort/simulations');
  fit = fitLocally;
  const chosen = await initBackend(backend);
  if (chosen !== backend || tf.getBackend() !== backend) throw new Error(`backend ${backend} is unavailable (initBackend chose ${chosen})`);
  const mnist = await loadMnist();
  const rows = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const { y, count } = mnist.train;
  const data = selectRows({ x: featureValues(mnist.train, mnist.numFeatures), y, count, numFeatures: mnist.numFeatures }, rows(examples));
  const model = buildPreset('mnist-2nn', { numFeatures: mnist.numFeatures, numClasses: mnist.numClasses }, 0);
  state = { model, global: model.getWeights().map((w) => w.dataSync() as Float32Array), data, numClasses: mnist.numClasses };
  const warm = selectRows(data, rows(Math.min(200, examples)));
  for (const batchSize of batchSizes) await fitLocally(model, state.global, warm, config(batchSize), state.numClasses);
  return chosen;
}

function config(batchSize: number) {
  return { localEpochs: 1, batchSize, learningRate: 0.05, seed: 1 };
}

/** Examples per second of wall-clock time and of this process's CPU time (all its threads). */
export interface EpochRates {
  wall: number;
  cpu: number;
}

/** One epoch over the prepared examples. */
export async function epoch({ batchSize }: { batchSize: number }): Promise<EpochRates> {
  if (!state) throw new Error('prepare() first');
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await fit(state.model, state.global, state.data, config(batchSize), state.numClasses);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (state.data.count * 1000) / wallMs, cpu: (state.data.count * 1e6) / (cpu.user + cpu.system) };
}

/** Writes the prepared examples to `path`: float32 features row by row, then int32 labels, little-endian. */
export function writeExamples({ path }: { path: string }): { count: number; features: number } {
  if (!state) throw new Error('prepare() first');
  const { x, y, count, numFeatures } = state.data;
  writeFileSync(
    path,
    Buffer.concat([Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)]),
  );
  return { count, features: numFeatures };
}

export function shutdown(): void {
  state?.model.dispose();
  state = undefined;
}
