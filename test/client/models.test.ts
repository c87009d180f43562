import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPreset, buildTrainable, evaluateLocally, fitLocally, initBackend, initialModel } from '@cohort/client';
import { writeLayersModel } from '@cohort/coordinator';
import { encodeTensors } from '@cohort/protocol';
import { tempDir } from '../helpers/federation';
import * as tf from '@tensorflow/tfjs';

const count = (weights: { data: ArrayLike<number> }[]) => weights.reduce((n, w) => n + w.data.length, 0);

describe('model presets', () => {
  it('builds the 2NN and CNN of McMahan et al. 2017 with their published parameter counts', async () => {
    await initBackend('wasm');
    const shape = { numFeatures: 784, numClasses: 10 };
    expect(count((await initialModel('mnist-2nn', shape, 0)).weights)).toBe(199_210);
    expect(count((await initialModel('mnist-cnn', shape, 0)).weights)).toBe(1_663_370);
  });

  it('sizes the mlp from the data and initialises reproducibly by seed', async () => {
    const a = await initialModel('mlp', { numFeatures: 12, numClasses: 3 }, 4);
    const b = await initialModel('mlp', { numFeatures: 12, numClasses: 3 }, 4);
    const c = await initialModel('mlp', { numFeatures: 12, numClasses: 3 }, 5);
    expect(a.weights.map((w) => w.shape)).toEqual([[12, 24], [24], [24, 12], [12], [12, 3], [3]]);
    expect(encodeTensors(a.weights).payload).toEqual(encodeTensors(b.weights).payload);
    expect(encodeTensors(a.weights).payload).not.toEqual(encodeTensors(c.weights).payload);
  });

  it('refuses a preset that does not fit the data, with the reason', async () => {
    await expect(initialModel('mnist-2nn', { numFeatures: 10, numClasses: 10 }, 0)).rejects.toThrow(/takes 784 features/);
    await expect(initialModel('no-such-model', { numFeatures: 10, numClasses: 2 }, 0)).rejects.toThrow(/neither a preset/);
  });

  it('accepts a tfjs Layers model.json, with its weights when they sit beside it', async () => {
    const source = await initialModel('mlp', { numFeatures: 6, numClasses: 2 }, 9);
    const dir = tempDir();
    writeLayersModel(
      dir,
      source.topology,
      source.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
      encodeTensors(source.weights).payload,
    );
    const loaded = await initialModel(join(dir, 'model.json'), { numFeatures: 6, numClasses: 2 }, 0);
    expect(encodeTensors(loaded.weights).payload).toEqual(encodeTensors(source.weights).payload);
    const topologyOnly = join(dir, 'topology.json');
    writeFileSync(topologyOnly, JSON.stringify({ modelTopology: source.topology }));
    const fresh = await initialModel(topologyOnly, { numFeatures: 6, numClasses: 2 }, 0);
    expect(fresh.weights.map((w) => w.shape)).toEqual(source.weights.map((w) => w.shape));
  });

  it('trains the CNN preset on wasm: local steps lower its loss', async () => {
    await initBackend('wasm');
    const model = await buildTrainable(async () => buildPreset('mnist-cnn', { numFeatures: 784, numClasses: 10 }, 0));
    const global = model.getWeights().map((w) => w.dataSync() as Float32Array);
    const n = 10;
    const x = new Float32Array(n * 784).map((_, i) => ((i * 7919) % 255) / 255);
    const y = Int32Array.from({ length: n }, (_, i) => i % 10);
    const data = { x, y, count: n, numFeatures: 784 };
    const before = await evaluateLocally(model, global, data, 10);
    const out = await fitLocally(model, global, data, { localEpochs: 2, batchSize: 5, learningRate: 0.05, seed: 1 }, 10);
    const after = await evaluateLocally(
      model,
      global.map((g, i) => g.map((v, j) => v + out.delta[i]![j]!)),
      data,
      10,
    );
    expect(after.lossSum).toBeLessThan(before.lossSum);
    expect(tf.getBackend()).toBe('wasm');
    model.dispose();
  }, 120_000);
});
