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
 *
 * One ledger holds the releases of every run of one coordinator data directory, since the privacy
 * budget belongs to the federation, not to a run: seq and the chain continue from one run to the
 * next, each entry names its run, and a run's entries are contiguous.
 *
 * What `modelSha256` names depends on the mechanism:
 * - 'gaussian-central': the model that round released (the noisy aggregate applied), written once
 *   the round has committed. Each release adds fresh noise, so the
 *   same hash twice in a run is a replay.
 * - 'gaussian-local' / 'gaussian-distributed': the entry is written BEFORE the round is broadcast
 *   (account, then release: in distributed DP the coordinator learns the noisy sum before anything
 *   commits), and names the model the clients were sent, the starting point of their noisy updates.
 *   A round re-attempted after a coordinator crash gets another entry with the same round and a
 *   higher `attempt`: each attempt may have released, whether or not the round committed.
 *
 * Entries carry no participant ids and no realised cohort size: pseudonyms of guessable ids are
 * recovered by hashing and link a client across rounds, and the realised Poisson sample size is
 * itself a release that no accountant covers. `population` and `expectedCohortSize` are what the
 * sampling aimed at, fixed before anyone was sampled.
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
  /** The attempt of the round this release belongs to, an integer ≥ 1 (see the module comment). */
  attempt: number;
  /** When the entry was written, ISO 8601 (e.g. `2025-01-31T12:00:00.000Z`). */
  time: string;
  /** 'gaussian-central' (coordinator adds the noise), 'gaussian-distributed' (shares summed under
   * secure aggregation), 'gaussian-local' (each client adds full noise: per-client releases). */
  mechanism: LedgerMechanism;
  /** q: Poisson sampling probability of a client, in (0, 1]; 1 for 'gaussian-local' (no amplification). */
  sampleRate: number;
  /** σ: noise standard deviation divided by `clipNorm`, > 0. */
  noiseMultiplier: number;
  /** C: L2 bound of one client's update (the sensitivity), > 0. */
  clipNorm: number;
  /** δ at which `epsilonClaimed` is stated, in (0, 1). */
  delta: number;
  /** Clients eligible (connected) when the round was sampled, an integer ≥ 1. */
  population: number;
  /** The cohort size sampling aimed at (may be fractional): q × population for central/distributed;
   * for 'gaussian-local' the coordinator's own expected sample, in (0, population]. */
  expectedCohortSize: number;
  /** Lowercase hex SHA-256 of the released model, or for 'gaussian-local' of the model sent out
   * (see the module comment). */
  modelSha256: string;
  /** ε after this release, at `delta`, as claimed by the coordinator; the auditor recomputes it. */
  epsilonClaimed: number;
  /** false when the noise came from a seeded stream (simulations): AES-256-CTR keyed by SHA-256 of a
   * seed is a cryptographic stream, but anyone who knows the seed can regenerate the noise and
   * subtract it, so such a release gives no privacy. */
  private: boolean;
  /**
   * How the updates behind this release were authenticated: 'enrolled-keys' — the coordinator admitted
   * enrolled devices only, and every update was signed by its device's enrolled key and verified
   * before it was accepted; 'open' — any client could join (signatures were verified for clients that
   * proved a key). Absent in entries written before it was recorded; hashed only when present.
   */
  updateAuthentication?: 'enrolled-keys' | 'open';
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
  'attempt',
  'clipNorm',
  'delta',
  'epsilonClaimed',
  'expectedCohortSize',
  'mechanism',
  'modelSha256',
  'noiseMultiplier',
  'population',
  'prevHash',
  'private',
  'round',
  'runId',
  'sampleRate',
  'seq',
  'time',
] as const satisfies readonly (keyof LedgerEntry)[];

/** Keys covered by `hash` when the entry carries them. */
export const LEDGER_OPTIONAL_HASHED_KEYS = ['updateAuthentication'] as const satisfies readonly (keyof LedgerEntry)[];

/** Recomputes an entry's hash from its fields (ignores the stored `hash` and `signature`). */
export function hashLedgerEntry(entry: Omit<LedgerEntry, 'hash' | 'signature'>): string {
  const hashed: Record<string, unknown> = {};
  for (const key of LEDGER_HASHED_KEYS) hashed[key] = entry[key];
  for (const key of LEDGER_OPTIONAL_HASHED_KEYS) if (entry[key] !== undefined) hashed[key] = entry[key];
  return sha256Hex(canonicalJson(hashed));
}

/** The bytes a ledger entry's signature covers: the 32 bytes of its hash. */
export function ledgerSigningBytes(hash: string): Uint8Array {
  return hexToBytes(hash);
}

/**
 * Appends a release after `prev` (or starts a ledger when undefined): assigns seq and prevHash,
 * hashes and signs with the coordinator's 64-byte secret key. `prev` may belong to an earlier run
 * (the chain continues across runs). Fields of the wrong shape throw INVALID_ARGUMENT; whether they
 * make sense is the auditor's to judge (`semantics.ts`).
 */
export function createLedgerEntry(fields: LedgerFields, prev: LedgerEntry | undefined, secretKey: Uint8Array): LedgerEntry {
  const problem = checkFields(fields, 'fields');
  if (problem) throw new PrivacyError('INVALID_ARGUMENT', problem);
  const unsigned = {
    seq: prev ? prev.seq + 1 : 1,
    runId: fields.runId,
    round: fields.round,
    attempt: fields.attempt,
    time: fields.time,
    mechanism: fields.mechanism,
    sampleRate: fields.sampleRate,
    noiseMultiplier: fields.noiseMultiplier,
    clipNorm: fields.clipNorm,
    delta: fields.delta,
    population: fields.population,
    expectedCohortSize: fields.expectedCohortSize,
    modelSha256: fields.modelSha256,
    epsilonClaimed: fields.epsilonClaimed,
    private: fields.private,
    ...(fields.updateAuthentication !== undefined ? { updateAuthentication: fields.updateAuthentication } : {}),
    prevHash: prev ? prev.hash : ZERO_HASH,
  };
  const hash = hashLedgerEntry(unsigned);
  return { ...unsigned, hash, signature: signDetached(ledgerSigningBytes(hash), secretKey) };
}
