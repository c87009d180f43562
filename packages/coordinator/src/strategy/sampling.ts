import { createHash } from 'node:crypto';

/**
 * Seeded choice of k clients: each client is ranked by sha256(seed, round, id) and the k lowest
 * ranks are taken. The same seed, round and set of connected clients always give the same cohort,
 * and a client's chance does not depend on the order in which clients connected.
 */
export function sampleClients(available: readonly string[], count: number, seed: number, round: number): string[] {
  const k = Math.min(Math.max(count, 0), available.length);
  return available
    .map((id) => ({ id, rank: createHash('sha256').update(`${seed}:${round}:${id}`).digest('hex') }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, k)
    .map((entry) => entry.id)
    .sort();
}
