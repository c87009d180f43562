import type { Rng } from '../rng';
import { checkClientCount } from './checks';

/**
 * IID partition: a seeded shuffle of all `count` indices cut into `numClients` contiguous runs
 * whose sizes differ by at most one.
 */
export function iidPartition(count: number, numClients: number, rng: Rng): Int32Array[] {
  checkClientCount(count, numClients, 1, 'iid');
  const order = rng.shuffle(Int32Array.from({ length: count }, (_, i) => i));
  return Array.from({ length: numClients }, (_, c) =>
    order.slice(Math.floor((c * count) / numClients), Math.floor(((c + 1) * count) / numClients)),
  );
}
