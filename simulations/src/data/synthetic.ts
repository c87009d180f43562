/**
 * A seeded tabular classification set with a known, learnable rule: features x ~ N(0, I), and the
 * label is argmax_c (w_c · x) with unit-norm class directions w_c fixed by the seed, then replaced
 * by a uniformly random class with probability `labelNoise`. A linear model (and so a small MLP) can
 * reach about 1 − labelNoise · (1 − 1/numClasses) accuracy (≈ 0.975 with the defaults).
 */
import { createRng } from '../rng';
import { gatherRows, type Dataset } from './dataset';
import { SimulationError } from '../errors';
import { stratifiedSplit } from './split';

export interface SyntheticOptions {
  /** Seeds the rule, the examples and the split. */
  seed: number;
  /** Total examples before the split. @default 6000 */
  count?: number;
  /** @default 10 */
  numFeatures?: number;
  /** @default 2 */
  numClasses?: number;
  /** Fraction of the examples held out for test, stratified. @default 0.2 */
  testFraction?: number;
  /** Probability that an example's label is redrawn uniformly at random, in [0, 1). @default 0.05 */
  labelNoise?: number;
}

export function makeSynthetic(options: SyntheticOptions): Dataset {
  const { seed, count = 6000, numFeatures = 10, numClasses = 2, testFraction = 0.2, labelNoise = 0.05 } = options;
  checkInt('count', count, 2);
  checkInt('numFeatures', numFeatures, 1);
  checkInt('numClasses', numClasses, 2);
  if (!(labelNoise >= 0 && labelNoise < 1)) {
    throw new SimulationError('INVALID_OPTION', `labelNoise must be in [0, 1); got ${labelNoise}.`);
  }
  const root = createRng(seed);

  const rule = root.fork('rule');
  const w = new Float64Array(numClasses * numFeatures);
  for (let c = 0; c < numClasses; c++) {
    let norm = 0;
    for (let f = 0; f < numFeatures; f++) {
      const v = rule.normal();
      w[c * numFeatures + f] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let f = 0; f < numFeatures; f++) w[c * numFeatures + f] = (w[c * numFeatures + f] as number) / norm;
  }

  const draw = root.fork('examples');
  const x = new Float32Array(count * numFeatures);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    for (let f = 0; f < numFeatures; f++) x[i * numFeatures + f] = draw.normal();
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      let score = 0;
      for (let f = 0; f < numFeatures; f++) score += (w[c * numFeatures + f] as number) * (x[i * numFeatures + f] as number);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    y[i] = draw.next() < labelNoise ? draw.int(numClasses) : best;
  }

  const { train, test } = stratifiedSplit(y, numClasses, testFraction, root.fork('split'));
  return {
    name: 'synthetic',
    inputShape: [numFeatures],
    numFeatures,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, c) => String(c)),
    featureNames: Array.from({ length: numFeatures }, (_, f) => `x${f}`),
    train: gatherRows(x, y, numFeatures, train),
    test: gatherRows(x, y, numFeatures, test),
  };
}

function checkInt(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new SimulationError('INVALID_OPTION', `${name} must be an integer ≥ ${min}; got ${value}.`);
  }
}
