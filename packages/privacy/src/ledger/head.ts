/**
 * The signed head of a ledger: where the ledger ends (`lastSeq`, `lastHash`), which run wrote it,
 * in what state, and which model that run holds. Since each entry's hash commits to every entry
 * before it, a head signed over the last hash pins the whole ledger, so entries removed from its
 * end (truncation) or appended after it show up against the head.
 *
 * The coordinator writes a head with status 'running' after every committed round and a final one
 * (any other status) when the run ends. A 'running' head says nothing about what came after it, so
 * the auditor treats it as truncation unless told otherwise: an earlier, genuine head handed over
 * with a ledger cut back to it would otherwise pass.
 *
 * One ledger holds the releases of several consecutive runs of one coordinator (the federation's
 * budget spans them), so `lastSeq` may be an earlier run's entry, or 0 with `lastHash` 64 zeros
 * when nothing has been released yet.
 *
 * The signature is a base64 ed25519 detached signature of the UTF-8 canonical JSON (`canonical.ts`)
 * of every field but `signature`, `format` included — a different message from an entry's 32 hash
 * bytes, so neither signature can be passed off as the other.
 */
import { PrivacyError } from '../errors';
import { canonicalJson, ZERO_HASH } from './canonical';
import type { LedgerEntry } from './entry';
import { signDetached, verifyDetached } from './keys';
import { hexHash, integerAtLeast, isoTime, nonEmptyString, runChecks } from './shape';
import type { Check } from './shape';

export const LEDGER_HEAD_FORMAT = 'cohort-ledger-head/2';

export const LEDGER_RUN_STATUSES = ['running', 'finished', 'budget-exhausted', 'failed', 'stopped'] as const;
export type LedgerRunStatus = (typeof LEDGER_RUN_STATUSES)[number];

export interface LedgerHead {
  format: typeof LEDGER_HEAD_FORMAT;
  /** The run that signed this head (not necessarily the run of the last entry). */
  runId: string;
  /** seq of the last entry, ≥ 0; 0 when the ledger has no entries yet. */
  lastSeq: number;
  /** hash of the last entry; ZERO_HASH when the ledger is empty. */
  lastHash: string;
  /** 'running' after a committed round; any other status once the run has ended. */
  status: LedgerRunStatus;
  /** When the head was signed, ISO 8601. */
  time: string;
  /** sha256 hex of the model the run holds at this point (its weights.bin bytes). */
  modelSha256: string;
  /** The federation's ε budget the coordinator ran under, or null when it had none. */
  budgetEpsilon: number | null;
  /** base64 ed25519 signature of the head message (see the module comment). */
  signature: string;
}

/** What the coordinator states about its run when it signs a head. */
export interface LedgerHeadFacts {
  runId: string;
  status: LedgerRunStatus;
  time: string;
  modelSha256: string;
  budgetEpsilon: number | null;
}

const HEAD_CHECKS = {
  format: (v) => (v === LEDGER_HEAD_FORMAT ? null : JSON.stringify(LEDGER_HEAD_FORMAT)),
  runId: nonEmptyString,
  lastSeq: integerAtLeast(0),
  lastHash: hexHash,
  status: (v) => (LEDGER_RUN_STATUSES.includes(v as LedgerRunStatus) ? null : `one of ${LEDGER_RUN_STATUSES.join(', ')}`),
  time: isoTime,
  modelSha256: hexHash,
  budgetEpsilon: (v) => (v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0) ? null : 'null or a finite number > 0'),
  signature: (v) => (typeof v === 'string' ? null : 'a base64 string'),
} satisfies Record<keyof LedgerHead, Check>;
const HEAD_KEYS = new Set(Object.keys(HEAD_CHECKS));

/** Problem with a head's shape, or null. */
function checkHead(value: unknown, where: string): string | null {
  const problem = runChecks(value, where, HEAD_CHECKS, HEAD_KEYS);
  if (problem) return problem;
  const head = value as LedgerHead;
  return head.lastSeq === 0 && head.lastHash !== ZERO_HASH ? `${where}.lastHash must be 64 zeros when lastSeq is 0.` : null;
}

/** The bytes a head's signature covers: the canonical JSON of every field but `signature`. */
export function ledgerHeadSigningBytes(head: Omit<LedgerHead, 'signature'>): Uint8Array {
  const { format, runId, lastSeq, lastHash, status, time, modelSha256, budgetEpsilon } = head;
  return new TextEncoder().encode(canonicalJson({ format, runId, lastSeq, lastHash, status, time, modelSha256, budgetEpsilon }));
}

/**
 * Signs a head with the coordinator's 64-byte secret key. `last` is the ledger's last entry (of any
 * run), or undefined when the ledger is empty. Facts of the wrong shape throw INVALID_ARGUMENT.
 */
export function createLedgerHead(last: LedgerEntry | undefined, facts: LedgerHeadFacts, secretKey: Uint8Array): LedgerHead {
  const unsigned: Omit<LedgerHead, 'signature'> = {
    format: LEDGER_HEAD_FORMAT,
    runId: facts?.runId,
    lastSeq: last ? last.seq : 0,
    lastHash: last ? last.hash : ZERO_HASH,
    status: facts?.status,
    time: facts?.time,
    modelSha256: facts?.modelSha256,
    budgetEpsilon: facts?.budgetEpsilon,
  };
  const problem = checkHead({ ...unsigned, signature: '' }, 'head');
  if (problem) throw new PrivacyError('INVALID_ARGUMENT', problem);
  return { ...unsigned, signature: signDetached(ledgerHeadSigningBytes(unsigned), secretKey) };
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
  const problem = checkHead(value, 'ledger head');
  if (problem) throw new PrivacyError('INVALID_STATE', problem);
  const h = value as LedgerHead;
  return {
    format: h.format,
    runId: h.runId,
    lastSeq: h.lastSeq,
    lastHash: h.lastHash,
    status: h.status,
    time: h.time,
    modelSha256: h.modelSha256,
    budgetEpsilon: h.budgetEpsilon,
    signature: h.signature,
  };
}
