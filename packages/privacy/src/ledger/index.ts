/**
 * `@cohort/privacy/ledger`: the signed, hash-chained ledger of noisy releases — entries, heads,
 * signing keys, JSONL, verification, recomputation of ε from what the ledger records, and the audit.
 */
export { canonicalJson, ZERO_HASH } from './canonical';
export { createLedgerEntry, hashLedgerEntry, LEDGER_HASHED_KEYS, ledgerSigningBytes } from './entry';
export type { LedgerEntry, LedgerFields, LedgerMechanism } from './entry';
export {
  generateSigningKeyPair,
  PUBLIC_KEY_FILE,
  publicKeyFingerprint,
  publicKeyFromText,
  publicKeyToText,
  readOrCreateKeyPair,
  SECRET_KEY_FILE,
  writeKeyPair,
} from './keys';
export type { SigningKeyPair } from './keys';
export {
  createLedgerHead,
  LEDGER_HEAD_FORMAT,
  LEDGER_RUN_STATUSES,
  ledgerHeadSigningBytes,
  parseLedgerHead,
  verifyLedgerHeadSignature,
} from './head';
export type { LedgerHead, LedgerHeadFacts, LedgerRunStatus } from './head';
export { parseLedgerJsonl, toJsonl } from './jsonl';
export { LEDGER_FAILURE_CODES } from './failures';
export type { LedgerFailure, LedgerFailureCode } from './failures';
export { verifyLedger } from './verify';
export type { LedgerVerification, VerifyOptions } from './verify';
export { recomputeLedgerEpsilon } from './epsilon';
export type { LedgerStream, RecomputedEpsilon, RecomputeOptions, RoundEpsilon, StreamEpsilon } from './epsilon';
export { AUDITABLE_MECHANISMS, auditLedger } from './audit';
export type { AuditOptions, LedgerAudit } from './audit';
