/**
 * Verification of a ledger against the coordinator's public key and, optionally, its signed head.
 * Every entry is checked on its own (hash over its fields, signature over its hash), then as a link
 * of the chain (seq follows the previous entry's, prevHash equals its hash), then the ledger's end
 * against the head. Each problem is a `LedgerFailure` naming the entry and the reason; the function
 * throws only on misuse (a public key that is not 32 bytes, an entry whose shape is invalid).
 */
import { PrivacyError } from '../errors';
import { ZERO_HASH } from './canonical';
import { hashLedgerEntry, ledgerSigningBytes } from './entry';
import type { LedgerEntry } from './entry';
import { nameEntry } from './failures';
import type { LedgerFailure } from './failures';
import type { LedgerHead } from './head';
import { verifyLedgerHeadSignature } from './head';
import { PUBLIC_KEY_BYTES, verifyDetached } from './keys';
import { checkEntry } from './shape';

export interface LedgerVerification {
  /** true when there is no failure. */
  ok: boolean;
  /** Number of entries checked. */
  entries: number;
  /** Problems found, in line order (head problems last). */
  failures: LedgerFailure[];
}

/** `seq 4`, `seq 4–6` */
function seqRange(from: number, to: number): string {
  return from === to ? `seq ${from}` : `seqs ${from}–${to}`;
}

/** How many of the sorted distinct seqs lie strictly between a and b. */
function countBetween(sorted: readonly number[], a: number, b: number): number {
  const lowerBound = (x: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return lowerBound(b) - lowerBound(a + 1);
}

function checkLink(entries: readonly LedgerEntry[], i: number, seqs: readonly number[], lineOf: Map<number, number>): LedgerFailure | null {
  const e = entries[i] as LedgerEntry;
  const at = { seq: e.seq, line: i + 1 };
  const name = nameEntry(e.seq, i + 1);
  const prev = entries[i - 1];
  const expected = prev ? prev.seq + 1 : 1;
  const after = prev ? `follows seq ${prev.seq} (line ${i})` : 'is the first entry';
  if (e.seq > expected) {
    const absent = e.seq - expected - countBetween(seqs, expected - 1, e.seq);
    if (absent > 0) {
      const what = absent === e.seq - expected ? `${seqRange(expected, e.seq - 1)} ${absent === 1 ? 'is' : 'are'} missing` : `${absent} of ${seqRange(expected, e.seq - 1)} are missing`;
      return { ...at, code: 'SEQ_GAP', reason: `${name}: ${after}; ${what} from the ledger (deleted).` };
    }
    return { ...at, code: 'REORDERED', reason: `${name}: ${after}, but seq ${expected} is at line ${lineOf.get(expected)}: entries are out of order.` };
  }
  if (prev && e.seq === prev.seq) {
    return { ...at, code: 'DUPLICATE_SEQ', reason: `${name}: repeats the seq of line ${i}: one of the two was inserted.` };
  }
  if (e.seq < expected) {
    return { ...at, code: 'REORDERED', reason: `${name}: ${after}: entries are out of order.` };
  }
  if (e.prevHash !== (prev ? prev.hash : ZERO_HASH)) {
    const target = prev ? `the hash of seq ${prev.seq} (line ${i})` : '64 zeros, as the first entry';
    return { ...at, code: 'CHAIN_BROKEN', reason: `${name}: its prevHash is not ${target}: the chain is broken here.` };
  }
  return null;
}

function checkHead(entries: readonly LedgerEntry[], head: LedgerHead, publicKey: Uint8Array): LedgerFailure[] {
  const failures: LedgerFailure[] = [];
  const at = { seq: head.lastSeq, line: null };
  if (!verifyLedgerHeadSignature(head, publicKey)) {
    failures.push({ ...at, code: 'HEAD_SIGNATURE_INVALID', reason: `signed head (last seq ${head.lastSeq}): its signature does not verify under the coordinator's public key.` });
  }
  const first = entries[0];
  if (first && head.runId !== first.runId) {
    failures.push({ ...at, code: 'HEAD_MISMATCH', reason: `signed head (last seq ${head.lastSeq}): it is for run ${JSON.stringify(head.runId)}, but the ledger is for run ${JSON.stringify(first.runId)}.` });
  }
  const lastLine = entries.length;
  const last = entries[lastLine - 1];
  if (!last) {
    failures.push({ ...at, code: 'TRUNCATED', reason: `the ledger is empty, but the signed head says it ends at seq ${head.lastSeq} (truncated).` });
  } else if (last.seq < head.lastSeq) {
    const lost = head.lastSeq - last.seq;
    failures.push({
      seq: last.seq,
      line: lastLine,
      code: 'TRUNCATED',
      reason: `${nameEntry(last.seq, lastLine)}: the ledger ends here, but the signed head says it ends at seq ${head.lastSeq}: ${seqRange(last.seq + 1, head.lastSeq)} (${lost} entr${lost === 1 ? 'y' : 'ies'}) removed from the end (truncated).`,
    });
  } else if (last.seq > head.lastSeq) {
    const index = entries.findIndex((e) => e.seq > head.lastSeq);
    const extra = entries[index] as LedgerEntry;
    failures.push({ seq: extra.seq, line: index + 1, code: 'EXTENDED', reason: `${nameEntry(extra.seq, index + 1)}: comes after the signed head's last seq ${head.lastSeq}: entries were appended after the head was signed.` });
  } else if (last.hash !== head.lastHash) {
    failures.push({ seq: last.seq, line: lastLine, code: 'HEAD_MISMATCH', reason: `${nameEntry(last.seq, lastLine)}: its hash differs from the signed head's lastHash for seq ${head.lastSeq}.` });
  }
  return failures;
}

/**
 * Verifies hashes, signatures and the chain of `entries` (in file order) under the coordinator's
 * 32-byte `publicKey`, and their end against `head` when given (which catches truncation).
 */
export function verifyLedger(entries: readonly LedgerEntry[], publicKey: Uint8Array, head?: LedgerHead): LedgerVerification {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new PrivacyError('INVALID_ARGUMENT', `bad public key size: expected a Uint8Array of ${PUBLIC_KEY_BYTES} bytes.`);
  }
  entries.forEach((e, i) => {
    const problem = checkEntry(e, `entries[${i}]`);
    if (problem) throw new PrivacyError('INVALID_ARGUMENT', `line ${i + 1}: ${problem} (parseLedgerJsonl checks this when reading a file).`);
  });
  const seqs = [...new Set(entries.map((e) => e.seq))].sort((a, b) => a - b);
  const lineOf = new Map<number, number>();
  entries.forEach((e, i) => lineOf.has(e.seq) || lineOf.set(e.seq, i + 1));
  const failures: LedgerFailure[] = [];
  const badSignatures: LedgerFailure[] = [];
  let verified = 0;
  entries.forEach((e, i) => {
    const at = { seq: e.seq, line: i + 1 };
    const name = nameEntry(e.seq, i + 1);
    if (hashLedgerEntry(e) !== e.hash) {
      failures.push({ ...at, code: 'HASH_MISMATCH', reason: `${name}: its fields do not match its hash: a field was changed after the entry was signed.` });
    }
    if (!e.signature) {
      failures.push({ ...at, code: 'SIGNATURE_MISSING', reason: `${name}: it is not signed.` });
    } else if (verifyDetached(ledgerSigningBytes(e.hash), e.signature, publicKey)) {
      verified++;
    } else {
      const failure: LedgerFailure = { ...at, code: 'SIGNATURE_INVALID', reason: `${name}: its signature does not verify under the coordinator's public key (forged, or signed by another key).` };
      badSignatures.push(failure);
      failures.push(failure);
    }
    const link = checkLink(entries, i, seqs, lineOf);
    if (link) failures.push(link);
    const first = entries[0] as LedgerEntry;
    if (e.runId !== first.runId) {
      failures.push({ ...at, code: 'RUN_MISMATCH', reason: `${name}: it is for run ${JSON.stringify(e.runId)}, but line 1 is for run ${JSON.stringify(first.runId)}.` });
    }
  });
  let result = failures;
  if (verified === 0 && badSignatures.length >= 2) {
    const first = badSignatures[0] as LedgerFailure;
    result = failures.filter((f) => f.code !== 'SIGNATURE_INVALID');
    result.unshift({
      seq: first.seq,
      line: first.line,
      code: 'WRONG_PUBLIC_KEY',
      reason: `${nameEntry(first.seq as number, first.line as number)} and every other signed entry (${badSignatures.length} in all): no signature verifies under the given public key: it is not the key that signed this ledger, or every entry was re-signed.`,
    });
  }
  if (head) result.push(...checkHead(entries, head, publicKey));
  return { ok: result.length === 0, entries: entries.length, failures: result };
}
