/**
 * Verification of a ledger against the coordinator's public key and, optionally, its signed head.
 * Every entry is checked on its own (hash over its fields, signature over its hash), then as a link
 * of the chain (seq follows the previous entry's, prevHash equals its hash, its run is not one whose
 * entries already gave way to another run's), then the ledger's end against the head
 * (`verify-head.ts`). A ledger may hold several consecutive runs: the chain runs through all of
 * them. Each problem is a `LedgerFailure` naming the entry and the reason; the function throws only
 * on misuse (a public key that is not 32 bytes, an entry whose shape is invalid).
 */
import { PrivacyError } from '../errors';
import { ZERO_HASH } from './canonical';
import { hashLedgerEntry, ledgerSigningBytes } from './entry';
import type { LedgerEntry } from './entry';
import { nameEntry, seqRange } from './failures';
import type { LedgerFailure } from './failures';
import type { LedgerHead } from './head';
import { PUBLIC_KEY_BYTES, verifyDetached } from './keys';
import { checkEntry } from './shape';
import { checkHead } from './verify-head';

export interface LedgerVerification {
  /** true when there is no failure. */
  ok: boolean;
  /** Number of entries checked. */
  entries: number;
  /** Problems found, in line order (head problems last). */
  failures: LedgerFailure[];
}

export interface VerifyOptions {
  /** Accept a head signed while its run was still running (status 'running'). @default false */
  allowRunningHead?: boolean;
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
      const what =
        absent === e.seq - expected
          ? `${seqRange(expected, e.seq - 1)} ${absent === 1 ? 'is' : 'are'} missing`
          : `${absent} of ${seqRange(expected, e.seq - 1)} are missing`;
      return { ...at, code: 'SEQ_GAP', reason: `${name}: ${after}; ${what} from the ledger (deleted).` };
    }
    return {
      ...at,
      code: 'REORDERED',
      reason: `${name}: ${after}, but seq ${expected} is at line ${lineOf.get(expected)}: entries are out of order.`,
    };
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

/** Where each run's entries gave way to another run's, to catch a run that reappears later. */
type RunEnds = Map<string, { seq: number; line: number; next: string }>;

function checkRunContiguity(entries: readonly LedgerEntry[], i: number, ended: RunEnds): LedgerFailure | null {
  const e = entries[i] as LedgerEntry;
  const prev = entries[i - 1];
  if (!prev || prev.runId === e.runId) return null;
  if (!ended.has(prev.runId)) ended.set(prev.runId, { seq: prev.seq, line: i, next: e.runId });
  const end = ended.get(e.runId);
  if (!end) return null;
  return {
    seq: e.seq,
    line: i + 1,
    code: 'RUN_INTERLEAVED',
    reason: `${nameEntry(e.seq, i + 1)}: it is for run ${JSON.stringify(e.runId)}, whose entries gave way to run ${JSON.stringify(end.next)}'s after seq ${end.seq} (line ${end.line}): a run's entries are contiguous, so this one was moved or spliced in.`,
  };
}

/**
 * Verifies hashes, signatures and the chain of `entries` (in file order) under the coordinator's
 * 32-byte `publicKey`, and their end against `head` when given (which catches truncation; a head
 * signed while its run was 'running' counts as truncation unless `options.allowRunningHead`).
 */
export function verifyLedger(
  entries: readonly LedgerEntry[],
  publicKey: Uint8Array,
  head?: LedgerHead,
  options: VerifyOptions = {},
): LedgerVerification {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new PrivacyError('INVALID_ARGUMENT', `bad public key size: expected a Uint8Array of ${PUBLIC_KEY_BYTES} bytes.`);
  }
  entries.forEach((e, i) => {
    const problem = checkEntry(e, `entries[${i}]`);
    if (problem)
      throw new PrivacyError('INVALID_ARGUMENT', `line ${i + 1}: ${problem} (parseLedgerJsonl checks this when reading a file).`);
  });
  const seqs = [...new Set(entries.map((e) => e.seq))].sort((a, b) => a - b);
  const lineOf = new Map<number, number>();
  entries.forEach((e, i) => lineOf.has(e.seq) || lineOf.set(e.seq, i + 1));
  const failures: LedgerFailure[] = [];
  const badSignatures: LedgerFailure[] = [];
  const ended: RunEnds = new Map();
  let verified = 0;
  entries.forEach((e, i) => {
    const at = { seq: e.seq, line: i + 1 };
    const name = nameEntry(e.seq, i + 1);
    if (hashLedgerEntry(e) !== e.hash) {
      failures.push({
        ...at,
        code: 'HASH_MISMATCH',
        reason: `${name}: its fields do not match its hash: a field was changed after the entry was signed.`,
      });
    }
    if (!e.signature) {
      failures.push({ ...at, code: 'SIGNATURE_MISSING', reason: `${name}: it is not signed.` });
    } else if (verifyDetached(ledgerSigningBytes(e.hash), e.signature, publicKey)) {
      verified++;
    } else {
      const failure: LedgerFailure = {
        ...at,
        code: 'SIGNATURE_INVALID',
        reason: `${name}: its signature does not verify under the coordinator's public key (forged, or signed by another key).`,
      };
      badSignatures.push(failure);
      failures.push(failure);
    }
    const link = checkLink(entries, i, seqs, lineOf);
    if (link) failures.push(link);
    const interleaved = checkRunContiguity(entries, i, ended);
    if (interleaved) failures.push(interleaved);
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
  if (head) result.push(...checkHead(entries, head, publicKey, options.allowRunningHead ?? false));
  return { ok: result.length === 0, entries: entries.length, failures: result };
}
