import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset, Split } from '@cohort/simulations';
import { SimulationError, featureValues } from '@cohort/simulations';
import { loadDataset } from '@cohort/simulations';
import { makeSynthetic } from '@cohort/simulations';
import { classCounts, sameBytes } from '../helpers/arrays';
import { RowGather } from '../../simulations/src/data/dataset';

/**
 * Multinomial logistic regression by full-batch gradient descent: a baseline written with plain
 * loops, independent of the code under test.
 */
function softmaxRegressionAccuracy(data: Dataset, epochs = 150, rate = 0.5): number {
  const { numFeatures: d, numClasses: k, train, test } = data;
  const [trainX, testX] = [featureValues(train, d), featureValues(test, d)];
  const w = new Float64Array(k * (d + 1));
  const grad = new Float64Array(w.length);
  const logits = new Float64Array(k);
  const scores = (x: Float32Array, row: number) => {
    for (let c = 0; c < k; c++) {
      let s = w[c * (d + 1) + d]!;
      for (let f = 0; f < d; f++) s += w[c * (d + 1) + f]! * x[row * d + f]!;
      logits[c] = s;
    }
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    grad.fill(0);
    for (let i = 0; i < train.count; i++) {
      scores(trainX, i);
      const max = Math.max(...logits);
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(logits[c]! - max);
      for (let c = 0; c < k; c++) {
        const err = Math.exp(logits[c]! - max) / z - (train.y[i] === c ? 1 : 0);
        for (let f = 0; f < d; f++) grad[c * (d + 1) + f]! += err * trainX[i * d + f]!;
        grad[c * (d + 1) + d]! += err;
      }
    }
    for (let j = 0; j < w.length; j++) w[j]! -= (rate * grad[j]!) / train.count;
  }
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    scores(testX, i);
    if (logits.indexOf(Math.max(...logits)) === test.y[i]) correct++;
  }
  return correct / test.count;
}

describe('makeSynthetic', () => {
  it('is deterministic by seed', () => {
    const a = makeSynthetic({ seed: 7 });
    const b = makeSynthetic({ seed: 7 });
    const c = makeSynthetic({ seed: 8 });
    expect(sameBytes(b.train.x, a.train.x)).toBe(true);
    expect(sameBytes(b.test.y, a.test.y)).toBe(true);
    expect(sameBytes(c.train.x, a.train.x)).toBe(false);
    expect(a).toMatchObject({ name: 'synthetic', inputShape: [10], numFeatures: 10, numClasses: 2 });
    expect([a.train.count, a.test.count]).toEqual([4800, 1200]);
    expect(a.train.x.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('has both classes in both splits, roughly balanced', () => {
    for (let seed = 0; seed < 5; seed++) {
      const data = makeSynthetic({ seed });
      for (const split of [data.train, data.test]) {
        const [zeros, ones] = classCounts(split, 2);
        expect(zeros! / split.count).toBeGreaterThan(0.3);
        expect(ones! / split.count).toBeGreaterThan(0.3);
      }
    }
  });

  it.each([
    { seed: 1, numClasses: 2 },
    { seed: 2, numClasses: 2 },
    { seed: 3, numClasses: 4, numFeatures: 8 },
  ])('is learnable: logistic regression on train beats 0.8 on test (%o)', (options) => {
    const data = makeSynthetic({ ...options, count: 3000 });
    expect(softmaxRegressionAccuracy(data)).toBeGreaterThan(0.8);
  });

  it('is not learnable when the labels are pure noise (the baseline is not fooling us)', () => {
    const data = makeSynthetic({ seed: 1, count: 3000, labelNoise: 0.999 });
    expect(softmaxRegressionAccuracy(data)).toBeLessThan(0.6);
  });

  it('refuses bad options, naming the field', () => {
    expect(() => makeSynthetic({ seed: 1, numClasses: 1 })).toThrow(/numClasses must be an integer ≥ 2/);
    expect(() => makeSynthetic({ seed: 1, count: 2.5 })).toThrow(/count/);
    expect(() => makeSynthetic({ seed: 1, testFraction: 1 })).toThrow(/testFraction/);
    expect(() => makeSynthetic({ seed: 1, labelNoise: 1 })).toThrow(/labelNoise/);
  });
});

describe('loadDataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-datasets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('dispatches synthetic with the run seed', async () => {
    const data = await loadDataset('synthetic', { seed: 5 });
    expect(sameBytes(data.train.x, makeSynthetic({ seed: 5 }).train.x)).toBe(true);
  });

  it('loads csv:PATH through the client CSV pipeline with a seeded, stratified split', async () => {
    const path = join(dir, 'iris-like.csv');
    const rows = ['a,b,species'];
    for (let i = 0; i < 100; i++) rows.push(`${i % 7},${(i * 3) % 11},${['setosa', 'virginica'][i % 2]}`);
    writeFileSync(path, rows.join('\n'));
    const data = await loadDataset(`csv:${path}`, { seed: 1, label: 'species' });
    expect(data).toMatchObject({ inputShape: [2], numFeatures: 2, numClasses: 2, featureNames: ['a', 'b'] });
    expect(data.classNames).toEqual(['setosa', 'virginica']);
    expect([data.train.count, data.test.count]).toEqual([80, 20]);
    expect(classCounts(data.test, 2)).toEqual([10, 10]);
    expect(data.train.x.buffer).toBeInstanceOf(SharedArrayBuffer);
    const again = await loadDataset(`csv:${path}`, { seed: 1, label: 'species' });
    const other = await loadDataset(`csv:${path}`, { seed: 2, label: 'species' });
    expect(sameBytes(again.test.x, data.test.x)).toBe(true);
    expect(sameBytes(other.test.x, data.test.x)).toBe(false);
  });

  it('refuses an unknown dataset, listing the valid choices', async () => {
    const error = await loadDataset('cifar10', { seed: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationError);
    expect(error).toMatchObject({ code: 'UNKNOWN_DATASET' });
    expect((error as Error).message).toMatch(/"cifar10".*mnist, synthetic, synthetic-credit, synthetic-health, csv:PATH/);
  });

  it('needs a label for csv:PATH, and wraps CSV errors with their cause', async () => {
    await expect(loadDataset(`csv:${join(dir, 'x.csv')}`, { seed: 1 })).rejects.toMatchObject({ code: 'MISSING_LABEL' });
    const error = await loadDataset(`csv:${join(dir, 'absent.csv')}`, { seed: 1, label: 'y' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_DATA', cause: { code: 'FILE_UNREADABLE' } });
    expect((error as Error).message).toContain('absent.csv');
  });
});

describe('coded features (MNIST keeps its greys as 16-bit codes)', () => {
  const levels = Float32Array.from([0, 0.25, 0.5, 1]);
  const coded: Split = {
    x: Uint16Array.from([0, 1, 2, 3, 3, 2]),
    levels,
    y: Int32Array.from([4, 5, 6]),
    count: 3,
    groups: Int32Array.from([0, 1, 0]),
  };
  const floats: Split = { x: Float32Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]), y: Int32Array.from([1, 2, 3]), count: 3 };

  it('reads codes back as their levels, and float features as a view', () => {
    expect(Array.from(featureValues(coded, 2))).toEqual([0, 0.25, 0.5, 1, 1, 0.5]);
    expect(Array.from(featureValues(coded, 2, 1, 2))).toEqual([0.5, 1]);
    const view = featureValues(floats, 2, 1, 3);
    expect(view.buffer).toBe(floats.x.buffer);
    expect(Array.from(view)).toEqual([2.5, 3.5, 4.5, 5.5]);
  });

  it('gathers rows in the order asked into buffers it reuses, with groups only when named', () => {
    const gather = new RowGather();
    const first = gather.select(coded, 2, [2, 0], ['a', 'b']);
    expect(Array.from(first.x)).toEqual([1, 0.5, 0, 0.25]);
    expect(Array.from(first.y)).toEqual([6, 4]);
    expect(Array.from(first.groups!)).toEqual([0, 0]);
    expect(first.groupNames).toEqual(['a', 'b']);
    const second = gather.select(floats, 2, [1]);
    expect(second.x.buffer).toBe(first.x.buffer); // no new allocation for a smaller job
    expect(Array.from(second.x)).toEqual([2.5, 3.5]);
    expect(second).toMatchObject({ count: 1, numFeatures: 2 });
    expect(second.groups).toBeUndefined();
  });

  it('refuses codes without their levels', () => {
    expect(() => featureValues({ ...coded, levels: undefined }, 2)).toThrow(/levels/);
  });
});
