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
  /** seq jumps past values found nowhere in the ledger: entries were deleted. */
  'SEQ_GAP',
  /** Two consecutive entries share a seq: an entry was inserted (or duplicated). */
  'DUPLICATE_SEQ',
  /** Entries are present but out of seq order. */
  'REORDERED',
  /** seq follows on but prevHash does not match the previous entry's hash. */
  'CHAIN_BROKEN',
  /** An entry belongs to another run than the first entry. */
  'RUN_MISMATCH',
  /** The ledger ends before the signed head's last entry. */
  'TRUNCATED',
  /** The ledger goes on past the signed head's last entry. */
  'EXTENDED',
  /** The last entry or the run differs from what the signed head says. */
  'HEAD_MISMATCH',
  /** The head's signature does not verify under the coordinator's public key. */
  'HEAD_SIGNATURE_INVALID',
  /** Audit: the claimed ε is below the ε recomputed by RDP from the recorded q and σ. */
  'UNDER_CLAIMED',
  /** Audit: the recomputed ε exceeds the budget. */
  'BUDGET_EXCEEDED',
  /** Audit: the noise came from a seeded, non-cryptographic generator. */
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
  /** 1-based line of the entry in the JSONL file, or null when the failure is about the head. */
  line: number | null;
  code: LedgerFailureCode;
  /** A full sentence that starts by naming the entry, e.g. `entry seq 3 (line 3): …`. */
  reason: string;
}

/** `entry seq S (line L)` */
export function nameEntry(seq: number, line: number): string {
  return `entry seq ${seq} (line ${line})`;
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
