/**
 * Label-skewed partition of Hsu, Qi & Brown 2019, "Measuring the Effects of Non-Identical Data
 * Distribution for Federated Visual Classification": for each class, draw the shares of the clients
 * from Dir(alpha · 1) and cut that class's (shuffled) examples accordingly. Small alpha → each client
 * holds few classes; large alpha → close to IID.
 *
 * As in Flower's `DirichletPartitioner`, the whole draw is repeated while some client gets fewer than
 * `minPartitionSize` examples, up to `maxAttempts` times, after which it fails and says why.
 */
import type { Rng } from '../rng';
import { SimulationError } from '../errors';
import { checkClientCount, countClasses, groupByLabel } from './checks';

export interface DirichletOptions {
  /** Concentration, > 0. */
  alpha: number;
  /** Fewest examples any client may get; a draw below it is repeated. @default 10 (as Flower) */
  minPartitionSize?: number;
  /** Draws to try before giving up. @default 10 */
  maxAttempts?: number;
  /**
   * Flower's `self_balancing`: while dealing out a class, a client already holding more than the
   * average partition size gets no share. Not in the paper; evens out sizes. @default false
   */
  selfBalancing?: boolean;
}

export const DEFAULT_MIN_PARTITION_SIZE = 10;
export const DEFAULT_MAX_ATTEMPTS = 10;

export function dirichletPartition(labels: Int32Array, numClients: number, options: DirichletOptions, rng: Rng): Int32Array[] {
  const { alpha, minPartitionSize = DEFAULT_MIN_PARTITION_SIZE, maxAttempts = DEFAULT_MAX_ATTEMPTS, selfBalancing = false } = options;
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new SimulationError('INVALID_PARTITION', `dirichlet:ALPHA needs a finite ALPHA > 0; got ${alpha}.`);
  }
  if (!Number.isSafeInteger(minPartitionSize) || minPartitionSize < 1) {
    throw new SimulationError('INVALID_OPTION', `minPartitionSize must be an integer ≥ 1; got ${minPartitionSize}.`);
  }
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new SimulationError('INVALID_OPTION', `maxAttempts must be an integer ≥ 1; got ${maxAttempts}.`);
  }
  const n = labels.length;
  checkClientCount(n, numClients, minPartitionSize, `dirichlet:${alpha}`);

  const groups = groupByLabel(labels, countClasses(labels)).map((g) => rng.shuffle(g));
  let smallest = 0;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const parts = drawOnce(groups, numClients, alpha, selfBalancing ? n / numClients : Infinity, rng);
    smallest = parts.reduce((m, p) => Math.min(m, p.length), Infinity);
    if (smallest >= minPartitionSize) return parts.map((p) => rng.shuffle(Int32Array.from(p)));
  }
  throw new SimulationError(
    'PARTITION_INFEASIBLE',
    `dirichlet:${alpha} over ${numClients} clients left a client with ${smallest} examples ` +
      `(minPartitionSize ${minPartitionSize}) in all ${maxAttempts} attempts. Raise alpha, use fewer clients, ` +
      'lower minPartitionSize or turn on selfBalancing.',
  );
}

function drawOnce(groups: Int32Array[], numClients: number, alpha: number, cap: number, rng: Rng): number[][] {
  const parts: number[][] = Array.from({ length: numClients }, () => []);
  for (const group of groups) {
    if (group.length === 0) continue;
    const shares = rng.dirichlet(alpha, numClients);
    if (cap < Infinity) {
      let kept = 0;
      for (let c = 0; c < numClients; c++) {
        if ((parts[c] as number[]).length > cap) shares[c] = 0;
        kept += shares[c] as number;
      }
      if (kept > 0) for (let c = 0; c < numClients; c++) shares[c] = (shares[c] as number) / kept;
      else shares.set(rng.dirichlet(alpha, numClients)); // open clients' shares underflowed to 0: deal unbalanced
    }
    // Cut points at the rounded cumulative shares: client c gets within one of shares[c] × |group|.
    let cumulative = 0;
    let start = 0;
    for (let c = 0; c < numClients; c++) {
      cumulative += shares[c] as number;
      const end = c === numClients - 1 ? group.length : Math.min(group.length, Math.round(cumulative * group.length));
      const part = parts[c] as number[];
      for (let i = start; i < end; i++) part.push(group[i] as number);
      start = Math.max(start, end);
    }
  }
  return parts;
}
