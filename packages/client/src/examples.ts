/** Labelled examples held on the device: flat float features, row-major, and integer class labels. */
export interface Examples {
  x: Float32Array;
  y: Int32Array;
  count: number;
  numFeatures: number;
}

/** Copies the rows at `indices` into a new, compact set of examples. */
export function selectRows(examples: Examples, indices: ArrayLike<number>): Examples {
  const { numFeatures } = examples;
  const x = new Float32Array(indices.length * numFeatures);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    x.set(examples.x.subarray(row * numFeatures, (row + 1) * numFeatures), i * numFeatures);
    y[i] = examples.y[row]!;
  }
  return { x, y, count: indices.length, numFeatures };
}
