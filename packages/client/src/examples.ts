import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

type RandomGenerator = ReturnType<typeof xoroshiro128plus>;

/** Labelled examples held on the device: flat float features, row-major, and integer class labels. */
export interface Examples {
  x: Float32Array;
  y: Int32Array;
  count: number;
  numFeatures: number;
  /** Sensitive group of each row (an index into groupNames), for fairness evaluation only. */
  groups?: Int32Array;
  groupNames?: string[];
}

/** Copies the rows at `indices` into a new, compact set of examples. */
export function selectRows(examples: Examples, indices: ArrayLike<number>): Examples {
  const { numFeatures } = examples;
  const x = new Float32Array(indices.length * numFeatures);
  const y = new Int32Array(indices.length);
  const groups = examples.groups ? new Int32Array(indices.length) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    x.set(examples.x.subarray(row * numFeatures, (row + 1) * numFeatures), i * numFeatures);
    y[i] = examples.y[row]!;
    if (groups) groups[i] = examples.groups![row]!;
  }
  return {
    x,
    y,
    count: indices.length,
    numFeatures,
    ...(groups && examples.groupNames ? { groups, groupNames: examples.groupNames } : {}),
  };
}

/**
 * Splits local examples into training rows and rows held out for federated evaluation only, by a
 * seeded shuffle so that the split is stable across restarts.
 */
export function holdOut(examples: Examples, evalFraction: number, seed: number): { train: Examples; evaluation: Examples } {
  const order = Int32Array.from({ length: examples.count }, (_, i) => i);
  shuffle(order, xoroshiro128plus(seed));
  const held = Math.round(examples.count * evalFraction);
  return { train: selectRows(examples, order.subarray(held)), evaluation: selectRows(examples, order.subarray(0, held)) };
}

/** Fisher–Yates shuffle in place with a seeded generator. */
export function shuffle(order: Int32Array, rng: RandomGenerator): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
}

/** One minibatch as flat arrays: features row by row, one-hot labels and integer labels. */
export interface Batch {
  size: number;
  x: Float32Array;
  oneHot: Float32Array;
  labels: Int32Array;
}

/**
 * Assembles minibatches into buffers allocated once per round: row copies in JavaScript cost less
 * than gathering rows on the tensor backend, and the buffers are reused from batch to batch.
 */
export class BatchBuffers {
  private readonly x: Float32Array;
  private readonly oneHot: Float32Array;
  private readonly labels: Int32Array;

  constructor(
    private readonly examples: Examples,
    maxBatchSize: number,
    private readonly numClasses: number,
  ) {
    this.x = new Float32Array(maxBatchSize * examples.numFeatures);
    this.oneHot = new Float32Array(maxBatchSize * numClasses);
    this.labels = new Int32Array(maxBatchSize);
  }

  /** Fills the buffers with the rows at `indices`; the returned views are valid until the next call. */
  fill(indices: ArrayLike<number>): Batch {
    const { numFeatures, x, y } = this.examples;
    const size = indices.length;
    this.oneHot.fill(0, 0, size * this.numClasses);
    for (let i = 0; i < size; i++) {
      const row = indices[i]!;
      this.x.set(x.subarray(row * numFeatures, (row + 1) * numFeatures), i * numFeatures);
      const label = y[row]!;
      this.labels[i] = label;
      if (label >= 0 && label < this.numClasses) this.oneHot[i * this.numClasses + label] = 1; // else all zeros, as tf.oneHot
    }
    return {
      size,
      x: this.x.subarray(0, size * numFeatures),
      oneHot: this.oneHot.subarray(0, size * this.numClasses),
      labels: this.labels.subarray(0, size),
    };
  }
}
