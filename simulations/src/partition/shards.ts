/**
 * Pathological non-IID partition of McMahan et al. 2017, "Communication-Efficient Learning of Deep
 * Networks from Decentralized Data" (FedAvg): sort the examples by label, cut them into
 * `numClients × shardsPerClient` shards of (near-)equal size, and give each client
 * `shardsPerClient` shards chosen at random. With single-label shards a client sees at most
 * `shardsPerClient` classes; a shard that straddles a class boundary carries two.
 */
import type { Rng } from '../rng';
import { checkClientCount, countClasses, groupByLabel } from './checks';
import { SimulationError } from '../errors';

export function shardPartition(labels: Int32Array, numClients: number, shardsPerClient: number, rng: Rng): Int32Array[] {
  if (!Number.isSafeInteger(shardsPerClient) || shardsPerClient < 1) {
    throw new SimulationError('INVALID_PARTITION', `shards:K needs an integer K ≥ 1; got ${shardsPerClient}.`);
  }
  const n = labels.length;
  checkClientCount(n, numClients, 1, `shards:${shardsPerClient}`);
  const numShards = numClients * shardsPerClient;
  if (n < numShards) {
    throw new SimulationError(
      'PARTITION_INFEASIBLE',
      `shards:${shardsPerClient} with ${numClients} clients needs ${numShards} non-empty shards, but there are ` +
        `only ${n} examples. Use fewer clients or fewer shards per client.`,
    );
  }

  // Sorted by label; within a label the order is random, so which examples share a shard is too.
  const sorted = new Int32Array(n);
  let at = 0;
  for (const group of groupByLabel(labels, countClasses(labels))) {
    sorted.set(rng.shuffle(group), at);
    at += group.length;
  }

  const shardOrder = rng.shuffle(Int32Array.from({ length: numShards }, (_, s) => s));
  return Array.from({ length: numClients }, (_, c) => {
    const pieces: Int32Array[] = [];
    for (let k = 0; k < shardsPerClient; k++) {
      const s = shardOrder[c * shardsPerClient + k] as number;
      pieces.push(sorted.subarray(Math.floor((s * n) / numShards), Math.floor(((s + 1) * n) / numShards)));
    }
    const out = new Int32Array(pieces.reduce((total, p) => total + p.length, 0));
    let offset = 0;
    for (const p of pieces) {
      out.set(p, offset);
      offset += p.length;
    }
    return rng.shuffle(out);
  });
}
