import { SimulationError } from '../errors';

/** Throws unless `numClients` is a positive integer and `count` examples can give each at least `minEach`. */
export function checkClientCount(count: number, numClients: number, minEach = 1, scheme = 'partition'): void {
  if (!Number.isSafeInteger(numClients) || numClients < 1) {
    throw new SimulationError('INVALID_OPTION', `numClients must be an integer ≥ 1; got ${numClients}.`);
  }
  if (count < numClients * minEach) {
    throw new SimulationError(
      'PARTITION_INFEASIBLE',
      `Too many clients for the data: ${count} examples cannot give ${numClients} clients ` +
        `${minEach === 1 ? 'one example each' : `at least ${minEach} examples each`} (${scheme}). ` +
        'Use fewer clients or more data.',
    );
  }
}

/** The number of classes (max label + 1), refusing negative or non-integer labels. */
export function countClasses(labels: Int32Array): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (label < 0) throw new SimulationError('INVALID_DATA', `Label ${label} at index ${i} is negative.`);
    if (label > max) max = label;
  }
  return max + 1;
}

/** Indices grouped by label, in index order: `groups[c]` holds every i with labels[i] === c. */
export function groupByLabel(labels: Int32Array, numClasses: number): Int32Array[] {
  const sizes = new Int32Array(numClasses);
  for (const label of labels) sizes[label] = (sizes[label] as number) + 1;
  const groups = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(numClasses);
  labels.forEach((label, i) => {
    (groups[label] as Int32Array)[filled[label]!] = i;
    filled[label] = (filled[label] as number) + 1;
  });
  return groups;
}
