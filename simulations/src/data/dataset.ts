/**
 * The in-memory form of a simulation dataset. Features and labels live on SharedArrayBuffers so
 * worker_threads can read them without a copy; treat a loaded dataset as read-only (loaders may
 * return a cached instance shared by every caller).
 */
import type { Examples } from '@cohort/client/training';

/** One split: `x` is row-major, `count × numFeatures`; `y[i]` is the class id of row `i`. */
export interface Split {
  /**
   * The features: the values themselves, or with `levels` codes standing for them (feature f of row
   * i is levels[x[i·numFeatures + f]]). MNIST's greys, three-decimal values, are kept as 16-bit codes:
   * half the memory of float32, the same float32 values. Read them with featureValues or RowGather.
   */
  x: Float32Array | Uint16Array;
  /** The value of each code, when `x` holds codes. */
  levels?: Float32Array;
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

/** A split whose features are float32 values. */
export type FloatSplit = Split & { x: Float32Array; levels?: undefined };

/** A zeroed split of `count` rows whose arrays sit on SharedArrayBuffers. */
export function allocateSplit(count: number, numFeatures: number): FloatSplit {
  return {
    x: new Float32Array(new SharedArrayBuffer(count * numFeatures * Float32Array.BYTES_PER_ELEMENT)),
    y: new Int32Array(new SharedArrayBuffer(count * Int32Array.BYTES_PER_ELEMENT)),
    count,
  };
}

/** Copies the rows `indices` (in that order) of a row-major table into a new shared split. */
export function gatherRows(x: Float32Array, y: Int32Array, numFeatures: number, indices: ArrayLike<number>): FloatSplit {
  const split = allocateSplit(indices.length, numFeatures);
  copyRows(x, y, numFeatures, indices, split);
  return split;
}

/** gatherRows for features kept as codes of `levels` (see Split.x). */
export function gatherCodedRows(
  codes: Uint16Array,
  levels: Float32Array,
  y: Int32Array,
  numFeatures: number,
  indices: ArrayLike<number>,
): Split {
  const split = {
    x: new Uint16Array(new SharedArrayBuffer(indices.length * numFeatures * Uint16Array.BYTES_PER_ELEMENT)),
    levels,
    y: new Int32Array(new SharedArrayBuffer(indices.length * Int32Array.BYTES_PER_ELEMENT)),
    count: indices.length,
  };
  copyRows(codes, y, numFeatures, indices, split);
  return split;
}

function copyRows<X extends Float32Array | Uint16Array>(
  x: X,
  y: Int32Array,
  numFeatures: number,
  indices: ArrayLike<number>,
  into: { x: X; y: Int32Array },
): void {
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i] as number;
    into.x.set(x.subarray(row * numFeatures, (row + 1) * numFeatures), i * numFeatures);
    into.y[i] = y[row] as number;
  }
}

/** Rows [start, end) of a split's features as float32 values: a view when they are floats, else decoded into a new array. */
export function featureValues(split: Split, numFeatures: number, start = 0, end = split.count): Float32Array {
  const codes = split.x.subarray(start * numFeatures, end * numFeatures);
  if (split.x instanceof Float32Array) return codes as Float32Array;
  return decode(codes, levelsOf(split), new Float32Array(codes.length));
}

/**
 * Gathers rows of splits as Examples into buffers kept from call to call and grown as needed, for a
 * thread that serves one job at a time (a simulation's worker): a job then allocates no copy of its
 * client's rows. The examples returned are valid until the next call.
 */
export class RowGather {
  private x = new Float32Array(0);
  private y = new Int32Array(0);
  private groups = new Int32Array(0);

  select(split: Split, numFeatures: number, indices: ArrayLike<number>, groupNames?: string[]): Examples {
    const n = indices.length;
    if (this.x.length < n * numFeatures) this.x = new Float32Array(n * numFeatures);
    if (this.y.length < n) this.y = new Int32Array(n);
    const withGroups = split.groups !== undefined && groupNames !== undefined;
    if (withGroups && this.groups.length < n) this.groups = new Int32Array(n);
    const x = this.x.subarray(0, n * numFeatures);
    const levels = split.x instanceof Float32Array ? undefined : levelsOf(split);
    for (let i = 0; i < n; i++) {
      const row = indices[i]!;
      const from = split.x.subarray(row * numFeatures, (row + 1) * numFeatures);
      const to = x.subarray(i * numFeatures, (i + 1) * numFeatures);
      if (levels) decode(from, levels, to);
      else to.set(from);
      this.y[i] = split.y[row]!;
      if (withGroups) this.groups[i] = split.groups![row]!;
    }
    const examples: Examples = { x, y: this.y.subarray(0, n), count: n, numFeatures };
    return withGroups ? { ...examples, groups: this.groups.subarray(0, n), groupNames } : examples;
  }
}

function levelsOf(split: Split): Float32Array {
  if (!split.levels) throw new RangeError('a split whose features are codes needs its levels');
  return split.levels;
}

function decode(codes: ArrayLike<number>, levels: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < codes.length; i++) out[i] = levels[codes[i]!]!;
  return out;
}
