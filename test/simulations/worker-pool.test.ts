/**
 * The simulation's worker pool: real worker threads training with TensorFlow.js. A round's jobs carry
 * the same global model, which the pool sends a worker once; these tests hold it to sending the
 * weights again whenever they differ from what that worker holds, in place or in content.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ModelTask } from '@cohort/client';
import { WorkerPool, makeSynthetic } from '@cohort/simulations';

describe('WorkerPool', () => {
  const data = makeSynthetic({ seed: 3, count: 120, numFeatures: 6, numClasses: 3 });
  let pool: WorkerPool;
  let base: Omit<ModelTask, 'weights'>;
  let initial: Float32Array[];

  beforeAll(async () => {
    pool = new WorkerPool(1, {
      numFeatures: data.numFeatures,
      train: data.train,
      test: data.test,
      trainParts: [Int32Array.from({ length: 40 }, (_, i) => i)],
      evalParts: [Int32Array.from({ length: 20 }, (_, i) => i)],
    });
    await pool.ready;
    const model = await pool.describe('mlp', { numFeatures: data.numFeatures, numClasses: data.numClasses }, 1);
    initial = model.weights.map((w) => Float32Array.from(w.data as Float32Array));
    base = {
      round: 1,
      topology: model.topology,
      weightSpecs: model.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' as const })),
      numClasses: data.numClasses,
    };
  }, 60_000);
  afterAll(() => pool?.close());

  const lossOf = async (weights: Float32Array[]) => (await pool.evaluate(0, { ...base, weights })).lossSum;

  it('evaluates each job with its own weights, whether sent or already held', async () => {
    const first = await lossOf(initial);
    expect(await lossOf(initial.map((t) => Float32Array.from(t)))).toBe(first); // equal content: held, same answer
    const scaled = initial.map((t) => t.map((v) => v * 3));
    const other = await lossOf(scaled);
    expect(other).not.toBe(first);
    expect(await lossOf(initial)).toBe(first); // back to the first weights: sent again
  }, 60_000);

  it('sends weights changed in place since the worker last got them', async () => {
    const weights = initial.map((t) => Float32Array.from(t));
    const before = await lossOf(weights);
    for (const t of weights) t.fill(0.5);
    const after = await lossOf(weights);
    expect(after).not.toBe(before);
    expect(after).toBe(await lossOf(initial.map((t) => new Float32Array(t.length).fill(0.5))));
  }, 60_000);

  it('trains a fit on held weights exactly as on weights sent with it', async () => {
    const config = { localEpochs: 1, batchSize: 8, learningRate: 0.1, seed: 5 };
    await lossOf(initial);
    const held = await pool.fit(0, { ...base, weights: initial, config });
    await lossOf(initial.map((t) => t.map((v) => v * 2))); // the worker now holds other weights
    const sent = await pool.fit(0, { ...base, weights: initial.map((t) => Float32Array.from(t)), config });
    expect(held.delta.map((d) => Array.from(d))).toEqual(sent.delta.map((d) => Array.from(d)));
  }, 60_000);

  it('sends a worker the weights once while they stay the same', async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      await lossOf(initial.map((t) => t.map((v) => v / 2)));
      await lossOf(initial.map((t) => t.map((v) => v / 2)));
      await pool.fit(0, {
        ...base,
        weights: initial.map((t) => t.map((v) => v / 2)),
        config: { localEpochs: 1, batchSize: 8, learningRate: 0.1, seed: 5 },
      });
      const weights = post.mock.calls.map(([job]) => (job as { weights: unknown }).weights);
      expect(weights.map((w) => w === null)).toEqual([false, true, true]);
    } finally {
      post.mockRestore();
    }
  }, 60_000);
});
