import type { Rng } from '../rng';
import { SimulationError } from '../errors';

export interface TrainTestIndices {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Seeded stratified train/test split. The test set holds `round(n × testFraction)` rows, shared out
 * among classes by largest remainder, so each class's test count is within one of
 * `classCount × testFraction`. Which rows go to test is random, and both index lists come back
 * shuffled (not grouped by class).
 */
export function stratifiedSplit(labels: Int32Array, numClasses: number, testFraction: number, rng: Rng): TrainTestIndices {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new SimulationError('INVALID_OPTION', `testFraction must be in (0, 1); got ${testFraction}.`);
  }
  const n = labels.length;
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < n; i++) {
    const label = labels[i] as number;
    const group = byClass[label];
    if (group === undefined) {
      throw new SimulationError('INVALID_DATA', `Row ${i} has label ${label}, outside [0, ${numClasses}).`);
    }
    group.push(i);
  }

  const quotas = largestRemainder(
    byClass.map((g) => g.length * testFraction),
    Math.round(n * testFraction),
  );
  const testCount = quotas.reduce((a, b) => a + b, 0);
  if (testCount === 0 || testCount === n) {
    throw new SimulationError(
      'INVALID_OPTION',
      `testFraction ${testFraction} of ${n} rows leaves an empty ${testCount === 0 ? 'test' : 'train'} set.`,
    );
  }

  const train = new Int32Array(n - testCount);
  const test = new Int32Array(testCount);
  let tr = 0;
  let te = 0;
  byClass.forEach((group, c) => {
    rng.shuffle(group);
    const q = quotas[c] as number;
    for (let j = 0; j < group.length; j++) {
      if (j < q) test[te++] = group[j] as number;
      else train[tr++] = group[j] as number;
    }
  });
  rng.shuffle(train);
  rng.shuffle(test);
  return { train, test };
}

/** Integer shares summing to `total`: floors of `exact`, +1 for the largest fractional parts. */
function largestRemainder(exact: number[], total: number): number[] {
  const snapped = exact.map((e) => (Math.abs(e - Math.round(e)) < 1e-9 ? Math.round(e) : e));
  const shares = snapped.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = snapped.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] as number) + 1;
    left--;
  }
  return shares;
}
