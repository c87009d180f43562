/**
 * The neighbourhood graph of SecAgg+ (Bell et al. 2020): a Harary graph H(k, n) — the clients on a ring,
 * each joined to its ⌊k/2⌋ nearest on either side, plus the opposite client when k is odd — laid over a
 * permutation of the clients drawn from a 32-byte seed. With k = n − 1 it is the full graph of Bonawitz
 * et al. 2017.
 *
 * The permutation is public and reproducible by anyone holding the seed (an AES-256-CTR stream, not a
 * secret); what makes it safe is that the seed comes from the coordinator's CSPRNG after the clients are
 * selected. Not guaranteed: a coordinator that picks the seed to place corrupt clients around a victim
 * defeats the planner's probabilities; the graph does not protect against that.
 */
import { createHash } from 'node:crypto';
import { PrivacyError } from '../errors';
import { seededRandomSource, uniformInt } from '../mechanisms/random-source';
import { requireInteger } from '../validation';

const GRAPH_SEED_TAG = 'cohort/secagg/graph/v1\0';

/**
 * The neighbourhood graph over `ids` (sorted input): each client's neighbour list (symmetric; k neighbours each, or n−1 for the
 * full graph). SecAgg+: a Harary graph H(k, n) over a permutation of the ids derived from `seed` (32 bytes, from the
 * coordinator's CSPRNG). Deterministic given (ids, k, seed). Neighbour lists are sorted.
 *
 * @throws PrivacyError('INVALID_ARGUMENT') for unsorted or repeated ids, a seed that is not 32 bytes, k outside [1, n − 1],
 *   or k odd with n odd (no k-regular graph exists).
 */
export function neighbourGraph(ids: readonly string[], neighbours: number, seed: Uint8Array): Map<string, string[]> {
  if (!Array.isArray(ids)) throw new PrivacyError('INVALID_ARGUMENT', 'ids must be an array of client ids.');
  const n = ids.length;
  if (n < 2) throw new PrivacyError('INVALID_ARGUMENT', `a neighbourhood graph needs at least 2 clients; got ${n}.`);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (typeof id !== 'string' || id.length === 0) throw new PrivacyError('INVALID_ARGUMENT', `ids[${i}] must be a non-empty string.`);
    if (i > 0 && !((ids[i - 1] as string) < id))
      throw new PrivacyError(
        'INVALID_ARGUMENT',
        `ids must be sorted and distinct; ids[${i - 1}] = ${ids[i - 1]} is not before ids[${i}] = ${id}.`,
      );
  }
  const k = requireInteger('neighbours', neighbours, 1, n - 1);
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new PrivacyError('INVALID_ARGUMENT', 'bad seed size: expected 32 bytes.');
  if (k % 2 === 1 && n % 2 === 1)
    throw new PrivacyError('INVALID_ARGUMENT', `no graph gives each of ${n} clients ${k} neighbours (k and n both odd); use an even k.`);

  const graph = new Map<string, string[]>();
  if (k === n - 1) {
    for (const id of ids)
      graph.set(
        id,
        ids.filter((other) => other !== id),
      );
    return graph;
  }
  const ring = permute(ids, seed);
  const half = Math.floor(k / 2);
  for (let p = 0; p < n; p++) {
    const list: string[] = [];
    for (let j = 1; j <= half; j++) list.push(ring[(p + j) % n] as string, ring[(p - j + n) % n] as string);
    if (k % 2 === 1) list.push(ring[(p + n / 2) % n] as string);
    graph.set(ring[p] as string, list.sort());
  }
  return graph;
}

/** Fisher–Yates over a copy of `ids`, with uniform integers (by rejection) from a stream keyed by the seed. */
function permute(ids: readonly string[], seed: Uint8Array): string[] {
  const key = createHash('sha256').update(GRAPH_SEED_TAG).update(seed).digest();
  const source = seededRandomSource(new Uint8Array(key));
  key.fill(0);
  const out = ids.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = uniformInt(source, i + 1);
    const swap = out[i] as string;
    out[i] = out[j] as string;
    out[j] = swap;
  }
  return out;
}
