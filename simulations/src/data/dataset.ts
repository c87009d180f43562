/**
 * The in-memory form of a simulation dataset. Features and labels live on SharedArrayBuffers so
 * worker_threads can read them without a copy; treat a loaded dataset as read-only (loaders may
 * return a cached instance shared by every caller).
 */

/** One split: `x` is row-major, `count × numFeatures`; `y[i]` is the class id of row `i`. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
  /** Sensitive group of each row (index into Dataset.groupNames), when the data declares one. */
  groups?: Int32Array;
}

export interface Dataset {
  name: string;
  /** The model input shape of one example, e.g. [784]. Its product is `numFeatures`. */
  inputShape: number[];
  numFeatures: number;
  numClasses: number;
  /** `classNames[id]` names class `id`. */
  classNames: string[];
  featureNames?: string[];
  /** Names of the sensitive groups, for fairness metrics. */
  groupNames?: string[];
  train: Split;
  test: Split;
}

/** A zeroed split of `count` rows whose arrays sit on SharedArrayBuffers. */
export function allocateSplit(count: number, numFeatures: number): Split {
  return {
    x: new Float32Array(new SharedArrayBuffer(count * numFeatures * Float32Array.BYTES_PER_ELEMENT)),
    y: new Int32Array(new SharedArrayBuffer(count * Int32Array.BYTES_PER_ELEMENT)),
    count,
  };
}

/** Copies the rows `indices` (in that order) of a row-major table into a new shared split. */
export function gatherRows(x: Float32Array, y: Int32Array, numFeatures: number, indices: ArrayLike<number>): Split {
  const split = allocateSplit(indices.length, numFeatures);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i] as number;
    split.x.set(x.subarray(row * numFeatures, (row + 1) * numFeatures), i * numFeatures);
    split.y[i] = y[row] as number;
  }
  return split;
}
