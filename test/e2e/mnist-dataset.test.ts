/** The MNIST digits the default simulation trains on (loads and splits 10,000 images: e2e tier). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Split } from '@cohort/simulations';
import { featureValues, loadDataset, loadMnist } from '@cohort/simulations';
import { classCounts, sameBytes } from '../helpers/arrays';

/** Examples per digit in the `mnist` package's files (0.json … 9.json). */
const MNIST_CLASS_TOTALS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe('loadMnist', () => {
  it('splits the 10,000 digits 8,000 / 2,000, stratified, on shared memory', async () => {
    const mnist = await loadMnist();
    expect(mnist).toMatchObject({ name: 'mnist', inputShape: [784], numFeatures: 784, numClasses: 10 });
    expect(mnist.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect([mnist.train.count, mnist.test.count]).toEqual([8000, 2000]);
    expect(mnist.train.x.length).toBe(8000 * 784);
    expect(mnist.test.y.length).toBe(2000);
    for (const array of [mnist.train.x, mnist.train.y, mnist.test.x, mnist.test.y]) {
      expect(array.buffer).toBeInstanceOf(SharedArrayBuffer);
    }

    const train = classCounts(mnist.train, 10);
    const test = classCounts(mnist.test, 10);
    MNIST_CLASS_TOTALS.forEach((total, digit) => {
      expect(train[digit]! + test[digit]!).toBe(total);
      expect(Math.abs(test[digit]! - 0.2 * total)).toBeLessThanOrEqual(1);
    });
  });

  it('has pixels in [0, 1], no image in both splits, and labels not grouped by class', async () => {
    const mnist = await loadMnist();
    for (const split of [mnist.train, mnist.test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of featureValues(split, 784)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.9);
    }
    const key = (split: Split, i: number) => Array.from(featureValues(split, 784, i, i + 1)).join();
    const trainImages = new Set(Array.from({ length: 8000 }, (_, i) => key(mnist.train, i)));
    for (let i = 0; i < 2000; i++) expect(trainImages.has(key(mnist.test, i))).toBe(false);
    expect(new Set(mnist.train.y.subarray(0, 100)).size).toBe(10);
  });

  it("keeps the pixels as codes that give back the files' float32 values exactly", async () => {
    const mnist = await loadMnist();
    expect(mnist.train.x).toBeInstanceOf(Uint16Array); // half the memory of float32
    const digit = mnist.train.y[0]!;
    const file = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits', `${digit}.json`);
    const { data } = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    const images = new Set(
      Array.from({ length: data.length / 784 }, (_, i) => Array.from(Float32Array.from(data.slice(i * 784, (i + 1) * 784))).join()),
    );
    for (const i of [0, 1, 2]) {
      if (mnist.train.y[i] !== digit) continue;
      expect(images.has(Array.from(featureValues(mnist.train, 784, i, i + 1)).join())).toBe(true);
    }
  });

  it('returns the cached instance, and re-reading gives the same fixed split', async () => {
    const first = await loadMnist();
    expect((await loadMnist()) === first).toBe(true);
    expect((await loadDataset('mnist', { seed: 99 })) === first).toBe(true); // the run seed does not move the split
    // The split is pinned: a change here changes every MNIST result, so it must be deliberate.
    expect(Array.from(first.train.y.subarray(0, 10))).toEqual([2, 2, 7, 0, 0, 4, 3, 5, 9, 3]);
    expect(Array.from(first.test.y.subarray(0, 10))).toEqual([6, 8, 4, 8, 5, 8, 1, 8, 2, 9]);

    vi.resetModules();
    const fresh = await (await import('../../simulations/src/data/mnist')).loadMnist();
    expect(fresh === first).toBe(false); // not toBe: on failure vitest deep-compares 6M floats
    expect(sameBytes(fresh.train.y, first.train.y)).toBe(true);
    expect(sameBytes(fresh.test.y, first.test.y)).toBe(true);
    expect(sameBytes(fresh.train.x, first.train.x)).toBe(true);
    expect(sameBytes(fresh.test.x, first.test.x)).toBe(true);
  });
});
