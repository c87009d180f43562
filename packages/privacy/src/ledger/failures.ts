/**
 * What verification and audit report: failures as data, each naming the entry (seq and line of the
 * JSONL file, both 1-based) and the reason in a full sentence, with a `code` from an `as const` list.
 */

export const LEDGER_FAILURE_CODES = [
  /** An entry's fields do not hash to its stored hash: a field was changed after signing. */
  'HASH_MISMATCH',
  /** An entry's signature does not verify under the coordinator's public key. */
  'SIGNATURE_INVALID',
  /** An entry carries no signature. */
  'SIGNATURE_MISSING',
  /** No entry verifies under the given public key: wrong key, or everything re-signed. */
  'WRONG_PUBLIC_KEY',
  /** The public key is not the one whose fingerprint the auditor was told to expect. */
  'KEY_FINGERPRINT_MISMATCH',
  /** seq jumps past values found nowhere in the ledger: entries were deleted. */
  'SEQ_GAP',
  /** Two consecutive entries share a seq: an entry was inserted (or duplicated). */
  'DUPLICATE_SEQ',
  /** Entries are present but out of seq order. */
  'REORDERED',
  /** seq follows on but prevHash does not match the previous entry's hash. */
  'CHAIN_BROKEN',
  /** A run's entries reappear after another run's began: a run's entries are contiguous. */
  'RUN_INTERLEAVED',
  /** The ledger ends before the signed head's last entry, or the head was signed mid-run. */
  'TRUNCATED',
  /** The ledger goes on past the signed head's last entry. */
  'EXTENDED',
  /** The last entry or the run differs from what the signed head says. */
  'HEAD_MISMATCH',
  /** The head's signature does not verify under the coordinator's public key. */
  'HEAD_SIGNATURE_INVALID',
  /** A check the auditor asked for (the released model) needs a signed head, and none was given. */
  'HEAD_REQUIRED',
  /** The ledger's run (the head's, or the last entry's) is not the run the auditor expected. */
  'UNEXPECTED_RUN',
  /** The model the auditor was handed, or the run's last release, is not the model the head names. */
  'MODEL_MISMATCH',
  /** Semantics: a round (central/distributed) or a (round, attempt) (local) does not increase within its run. */
  'ROUND_NOT_INCREASING',
  /** Semantics: the sampling rate q is not in (0, 1]. */
  'SAMPLE_RATE_INVALID',
  /** Semantics: a 'gaussian-local' release records q ≠ 1 (local releases are not amplified by sampling). */
  'LOCAL_SAMPLE_RATE',
  /** Semantics: the noise multiplier σ is not > 0. */
  'NOISE_INVALID',
  /** Semantics: the population is not an integer ≥ 1. */
  'POPULATION_INVALID',
  /** Semantics: the expected cohort size is not q × population (central/distributed) or not in (0, population] (local). */
  'COHORT_SIZE_MISMATCH',
  /** Semantics: a central/distributed release repeats a model hash earlier in its run: a replay. */
  'MODEL_REPLAYED',
  /** Audit: the claimed ε is below the ε recomputed by RDP from the recorded q and σ. */
  'UNDER_CLAIMED',
  /** Audit: the recomputed combined ε exceeds the budget. */
  'BUDGET_EXCEEDED',
  /** With requireEnrolledKeys: a release whose updates the ledger does not record as signed by enrolled keys. */
  'UNAUTHENTICATED_UPDATES',
  /** Audit: the noise came from a seeded stream, AES-256-CTR keyed by SHA-256 of a seed: a cryptographic
   * stream, but reproducible by anyone who knows the seed, so the noise can be regenerated and subtracted. */
  'NOT_PRIVATE',
  /** Audit: a mechanism the auditor cannot account (not a Gaussian mechanism it knows). */
  'UNKNOWN_MECHANISM',
  /** Audit: there is nothing to audit. */
  'EMPTY_LEDGER',
] as const;

export type LedgerFailureCode = (typeof LEDGER_FAILURE_CODES)[number];

export interface LedgerFailure {
  /** seq of the entry concerned (as stored), or null when no entry is (e.g. an empty ledger). */
  seq: number | null;
  /** 1-based line of the entry in the JSONL file, or null when the failure is about the head or the
   * key rather than an entry. */
  line: number | null;
  code: LedgerFailureCode;
  /** A full sentence that starts by naming the entry, e.g. `entry seq 3 (line 3): …`. */
  reason: string;
}

/** `entry seq S (line L)` */
export function nameEntry(seq: number, line: number): string {
  return `entry seq ${seq} (line ${line})`;
}

/** `seq 4`, `seqs 4–6` */
export function seqRange(from: number, to: number): string {
  return from === to ? `seq ${from}` : `seqs ${from}–${to}`;
}

/** The first 12 hex digits of a hash, enough to tell two apart in a sentence. */
export function shortHash(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** One sentence per code: the first failure's reason, with how many more share the code. */
export function summariseFailures(failures: readonly LedgerFailure[]): string[] {
  const byCode = new Map<LedgerFailureCode, LedgerFailure[]>();
  for (const f of failures) {
    const list = byCode.get(f.code);
    if (list) list.push(f);
    else byCode.set(f.code, [f]);
  }
  return [...byCode.entries()].map(([code, list]) => {
    const first = list[0] as LedgerFailure;
    return `${code}: ${first.reason}${list.length > 1 ? ` (and ${list.length - 1} more ${code} failure${list.length > 2 ? 's' : ''})` : ''}`;
  });
}
