/**
 * How the training split is dealt out to simulated clients. Each scheme returns, per client, the
 * indices of its examples in the split (random order): the clients' sets are disjoint, cover every
 * index exactly once, and none is empty — or the call fails saying why.
 */
import type { Rng } from '../rng';
import { SimulationError } from '../errors';
import { dirichletPartition, type DirichletOptions } from './dirichlet';
import { iidPartition } from './iid';
import { shardPartition } from './shards';

export type PartitionSpec = { kind: 'iid' } | ({ kind: 'dirichlet' } & DirichletOptions) | { kind: 'shards'; shardsPerClient: number };

export const PARTITION_FORMS = [
  'iid',
  'dirichlet:ALPHA (ALPHA > 0, e.g. dirichlet:0.5)',
  'shards:K (integer K ≥ 1, e.g. shards:2)',
] as const;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses `iid`, `dirichlet:ALPHA` or `shards:K` (case-insensitive, surrounding spaces ignored). */
export function parsePartition(text: string): PartitionSpec {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'iid') return { kind: 'iid' };
  const [scheme, arg, ...rest] = trimmed.split(':');
  if (rest.length === 0 && arg !== undefined && NUMBER.test(arg)) {
    const value = Number(arg);
    if (scheme === 'dirichlet' && value > 0 && Number.isFinite(value)) return { kind: 'dirichlet', alpha: value };
    if (scheme === 'shards' && Number.isSafeInteger(value) && value >= 1 && /^\+?\d+$/.test(arg)) {
      return { kind: 'shards', shardsPerClient: value };
    }
  }
  throw new SimulationError('INVALID_PARTITION', `Invalid partition "${text}"; expected one of: ${PARTITION_FORMS.join(', ')}.`);
}

/** The text form of a spec, as accepted by `parsePartition` (scheme options beyond it are not shown). */
export function formatPartition(spec: PartitionSpec): string {
  switch (spec.kind) {
    case 'iid':
      return 'iid';
    case 'dirichlet':
      return `dirichlet:${spec.alpha}`;
    case 'shards':
      return `shards:${spec.shardsPerClient}`;
  }
}

/**
 * Deals the examples whose labels are `labels` (a split's `y`) out to `numClients` clients.
 * `rng` should be a stream dedicated to partitioning, e.g. `createRng(seed).fork('partition')`.
 */
export function partition(labels: Int32Array, numClients: number, spec: PartitionSpec | string, rng: Rng): Int32Array[] {
  const parsed = typeof spec === 'string' ? parsePartition(spec) : spec;
  switch (parsed.kind) {
    case 'iid':
      return iidPartition(labels.length, numClients, rng);
    case 'dirichlet':
      return dirichletPartition(labels, numClients, parsed, rng);
    case 'shards':
      return shardPartition(labels, numClients, parsed.shardsPerClient, rng);
  }
}

export { labelSkew } from './label-skew';
export { iidPartition } from './iid';
export { dirichletPartition, DEFAULT_MAX_ATTEMPTS, DEFAULT_MIN_PARTITION_SIZE } from './dirichlet';
export type { DirichletOptions } from './dirichlet';
export { shardPartition } from './shards';
