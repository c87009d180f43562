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
