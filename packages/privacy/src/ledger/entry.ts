/**
 * One ledger entry: the record of one noisy release, hash-chained to the entry before it and signed
 * by the coordinator.
 *
 * - `hash` = lowercase hex SHA-256 of the UTF-8 canonical JSON (see `canonical.ts`: keys sorted, no
 *   whitespace) of the entry's fields except `hash` and `signature`, i.e. of exactly the keys in
 *   `LEDGER_HASHED_KEYS`, `prevHash` included — so each hash commits to the whole chain before it.
 * - `prevHash` = the previous entry's `hash`, or 64 zeros for seq 1.
 * - `signature` = base64 detached ed25519 signature, by the coordinator's key, of the 32 bytes
 *   whose hex is `hash`.
 */
import { PrivacyError } from '../errors';
import { canonicalJson, hexToBytes, sha256Hex, ZERO_HASH } from './canonical';
import { signDetached } from './keys';
import { checkFields } from './shape';

/** Known mechanisms; any other string is recorded as is but cannot be accounted by the auditor. */
export type LedgerMechanism = 'gaussian-central' | 'gaussian-distributed' | 'gaussian-local' | (string & {});

export interface LedgerEntry {
  /** Position in the ledger, 1-based, consecutive. */
  seq: number;
  /** The run this release belongs to. */
  runId: string;
  /** Training round of the release (an integer ≥ 0). */
  round: number;
  /** When the release was committed, ISO 8601 (e.g. `2025-01-31T12:00:00.000Z`). */
  time: string;
  /** 'gaussian-central' (coordinator adds the noise), 'gaussian-distributed' (shares summed under
   * secure aggregation), 'gaussian-local' (each client adds full noise: per-client releases). */
  mechanism: LedgerMechanism;
  /** q: Poisson sampling probability of a client, in [0, 1]. */
  sampleRate: number;
  /** σ: noise standard deviation divided by `clipNorm`, ≥ 0. */
  noiseMultiplier: number;
  /** C: L2 bound of one client's update (the sensitivity), > 0. */
  clipNorm: number;
  /** δ at which `epsilonClaimed` is stated, in (0, 1). */
  delta: number;
  /** q × population: the cohort size sampling aimed at (may be fractional), ≥ 0. */
  expectedCohortSize: number;
  /** Number of clients actually sampled, an integer ≥ 0. */
  actualCohortSize: number;
  /** Pseudonymous ids of the participants (never raw client ids). */
  participants: string[];
  /** Lowercase hex SHA-256 of the released model (or aggregate). */
  modelSha256: string;
  /** ε after this release, at `delta`, as claimed by the coordinator; the auditor recomputes it. */
  epsilonClaimed: number;
  /** false when the noise came from a seeded, non-cryptographic generator (simulations): no privacy. */
  private: boolean;
  /** `hash` of the previous entry, or 64 zeros for seq 1. */
  prevHash: string;
  /** Lowercase hex SHA-256 of the canonical JSON of the fields above. */
  hash: string;
  /** base64 ed25519 signature of the hash bytes; '' when unsigned (which verification reports). */
  signature: string;
}

/** What the coordinator supplies for a new entry; seq, prevHash, hash and signature are derived. */
export type LedgerFields = Omit<LedgerEntry, 'seq' | 'prevHash' | 'hash' | 'signature'>;

/** The keys covered by `hash`, in canonical (sorted) order. */
export const LEDGER_HASHED_KEYS = [
  'actualCohortSize', 'clipNorm', 'delta', 'epsilonClaimed', 'expectedCohortSize', 'mechanism', 'modelSha256',
  'noiseMultiplier', 'participants', 'prevHash', 'private', 'round', 'runId', 'sampleRate', 'seq', 'time',
] as const satisfies readonly (keyof LedgerEntry)[];

/** Recomputes an entry's hash from its fields (ignores the stored `hash` and `signature`). */
export function hashLedgerEntry(entry: Omit<LedgerEntry, 'hash' | 'signature'>): string {
  const hashed: Record<string, unknown> = {};
  for (const key of LEDGER_HASHED_KEYS) hashed[key] = entry[key];
  return sha256Hex(canonicalJson(hashed));
}

/** The bytes a ledger entry's signature covers: the 32 bytes of its hash. */
export function ledgerSigningBytes(hash: string): Uint8Array {
  return hexToBytes(hash);
}

/**
 * Appends a release after `prev` (or starts a ledger when undefined): assigns seq and prevHash,
 * hashes and signs with the coordinator's 64-byte secret key. Fields are validated; a run id that
 * differs from `prev`'s is refused (one ledger per run).
 */
export function createLedgerEntry(fields: LedgerFields, prev: LedgerEntry | undefined, secretKey: Uint8Array): LedgerEntry {
  if (prev !== undefined && prev.runId !== fields?.runId) {
    throw new PrivacyError('INVALID_ARGUMENT', `runId must equal the previous entry's (${JSON.stringify(prev.runId)}); got ${JSON.stringify(fields?.runId)}.`);
  }
  const problem = checkFields(fields, 'fields');
  if (problem) throw new PrivacyError('INVALID_ARGUMENT', problem);
  const unsigned = {
    seq: prev ? prev.seq + 1 : 1,
    runId: fields.runId,
    round: fields.round,
    time: fields.time,
    mechanism: fields.mechanism,
    sampleRate: fields.sampleRate,
    noiseMultiplier: fields.noiseMultiplier,
    clipNorm: fields.clipNorm,
    delta: fields.delta,
    expectedCohortSize: fields.expectedCohortSize,
    actualCohortSize: fields.actualCohortSize,
    participants: [...fields.participants],
    modelSha256: fields.modelSha256,
    epsilonClaimed: fields.epsilonClaimed,
    private: fields.private,
    prevHash: prev ? prev.hash : ZERO_HASH,
  };
  const hash = hashLedgerEntry(unsigned);
  return { ...unsigned, hash, signature: signDetached(ledgerSigningBytes(hash), secretKey) };
}
