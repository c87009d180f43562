/** Small numeric helpers shared by tests (pure, no I/O). */
import type { Split } from '@cohort/simulations';

/** Sample mean and sample standard deviation (n − 1). */
export function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(sq / (values.length - 1)) };
}

/** Byte-wise equality of two typed arrays (vitest's deep equality is slow on millions of elements). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** How many examples of each class a split holds. */
export function classCounts(split: Split, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of split.y) counts[label]!++;
  return counts;
}
