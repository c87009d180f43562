/**
 * The signed head of a ledger: `{ runId, lastSeq, lastHash, signature }`, published by the
 * coordinator with the run. Since each entry's hash commits to every entry before it, a head signed
 * over the last hash pins the whole ledger, so removing entries from its end (truncation) or
 * appending after it shows up against the head.
 *
 * The head signature is a base64 ed25519 detached signature of the UTF-8 canonical JSON of
 * `{ "format": "cohort-ledger-head/1", "lastHash", "lastSeq", "runId" }` — a different message from
 * an entry's 32 hash bytes, so neither signature can be passed off as the other.
 */
import { PrivacyError } from '../errors';
import { canonicalJson, HEX_SHA256 } from './canonical';
import type { LedgerEntry } from './entry';
import { signDetached, verifyDetached } from './keys';

export interface LedgerHead {
  /** The run of every entry in the ledger. */
  runId: string;
  /** seq of the last entry. */
  lastSeq: number;
  /** hash of the last entry. */
  lastHash: string;
  /** base64 ed25519 signature of the head message (see the module comment). */
  signature: string;
}

export const LEDGER_HEAD_FORMAT = 'cohort-ledger-head/1';

/** The bytes a head's signature covers. */
export function ledgerHeadSigningBytes(head: Pick<LedgerHead, 'runId' | 'lastSeq' | 'lastHash'>): Uint8Array {
  const message = canonicalJson({ format: LEDGER_HEAD_FORMAT, lastHash: head.lastHash, lastSeq: head.lastSeq, runId: head.runId });
  return new TextEncoder().encode(message);
}

/** Signs the head of a non-empty ledger with the coordinator's 64-byte secret key. */
export function createLedgerHead(entries: readonly LedgerEntry[], secretKey: Uint8Array): LedgerHead {
  const last = entries[entries.length - 1];
  if (!last) throw new PrivacyError('INVALID_ARGUMENT', 'entries must hold at least one entry to sign a ledger head.');
  const head = { runId: last.runId, lastSeq: last.seq, lastHash: last.hash };
  return { ...head, signature: signDetached(ledgerHeadSigningBytes(head), secretKey) };
}

/** Whether the head's signature verifies under `publicKey` (32 bytes). */
export function verifyLedgerHeadSignature(head: LedgerHead, publicKey: Uint8Array): boolean {
  return verifyDetached(ledgerHeadSigningBytes(head), head.signature, publicKey);
}

/** Parses and shape-checks a head (JSON text); a malformed head throws INVALID_STATE naming the field. */
export function parseLedgerHead(text: string): LedgerHead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new PrivacyError('INVALID_STATE', `ledger head: not valid JSON (${(cause as Error).message}).`, { cause });
  }
  const fail = (why: string): never => {
    throw new PrivacyError('INVALID_STATE', `ledger head: ${why}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be a JSON object.');
  const h = value as Record<string, unknown>;
  for (const key of Object.keys(h)) {
    if (!['runId', 'lastSeq', 'lastHash', 'signature'].includes(key)) fail(`unknown field "${key}".`);
  }
  if (typeof h['runId'] !== 'string' || h['runId'] === '') fail('runId must be a non-empty string.');
  if (typeof h['lastSeq'] !== 'number' || !Number.isSafeInteger(h['lastSeq']) || h['lastSeq'] < 1) fail('lastSeq must be an integer ≥ 1.');
  if (typeof h['lastHash'] !== 'string' || !HEX_SHA256.test(h['lastHash'])) fail('lastHash must be 64 lowercase hex digits.');
  if (typeof h['signature'] !== 'string') fail('signature must be a base64 string.');
  return { runId: h['runId'] as string, lastSeq: h['lastSeq'] as number, lastHash: h['lastHash'] as string, signature: h['signature'] as string };
}
