/**
 * `@cohort/privacy`: the names the rest of Cohort uses. Each layer has its own entry point with
 * everything it offers:
 *
 * - `@cohort/privacy/mechanisms` — clipping, Gaussian and discrete Gaussian noise, random sources;
 * - `@cohort/privacy/accounting` — the `Accountant` interface, RDP and PLD accountants, calibration;
 * - `@cohort/privacy/accounting/analysis` — RDP, PLD, analytic-Gaussian and special-function maths;
 * - `@cohort/privacy/ledger` — the signed ledger of noisy releases and its audit;
 * - `@cohort/privacy/masking` — masking personal data on the device;
 * - `@cohort/privacy/identity` — device identities, their signatures, payloads sealed to a key;
 * - `@cohort/privacy/audit` — empirical privacy audits: canary ε̂ and the one-run ε lower bound.
 */
export { PrivacyError } from './errors';
export type { PrivacyErrorCode, PrivacyErrorWire } from './errors';

// Mechanisms
export { addGaussianNoise, clipByL2Norm, createGaussianSource, cryptoRandomSource, l2Norm } from './mechanisms/index';
export type { ClipResult, GaussianSource, GaussianSourceOptions, RandomSource } from './mechanisms/index';

// Accounting
export { accountantFromJSON, calibrateNoiseMultiplier, createAccountant, PldAccountant, RdpAccountant } from './accounting/index';
export type {
  Accountant,
  AccountantKind,
  Calibration,
  CalibrateOptions,
  GaussianStep,
  HistoryEntry,
  PldAccountantOptions,
  RdpAccountantOptions,
} from './accounting/index';

// Ledger of noisy releases
export {
  auditLedger,
  createLedgerEntry,
  createLedgerHead,
  generateSigningKeyPair,
  parseLedgerHead,
  parseLedgerJsonl,
  PUBLIC_KEY_FILE,
  publicKeyFingerprint,
  publicKeyFromText,
  publicKeyToText,
  readOrCreateKeyPair,
  toJsonl,
} from './ledger/index';
export type {
  AuditOptions,
  LedgerAudit,
  LedgerEntry,
  LedgerFailure,
  LedgerFields,
  LedgerHead,
  LedgerHeadFacts,
  LedgerRunStatus,
  SigningKeyPair,
} from './ledger/index';

// Device identities, signatures, sealed payloads
export {
  generateDeviceIdentity,
  openPayload,
  publicIdentity,
  readDeviceIdentity,
  readOrCreateDeviceIdentity,
  sealPayload,
  SignatureVerifier,
  signMessage,
  writeDeviceIdentity,
} from './identity/index';
export type { DeviceIdentity, PublicIdentity, SealedPayload } from './identity/index';

// Data masking
export { maskRecords, parseMaskingPolicy, readOrCreateMaskingKey } from './masking/index';
export type { MaskingPolicy, MaskingReport, MaskRecordsOptions, MaskRecordsResult } from './masking/index';

// Empirical privacy audit
export { auditCanaryScores, empiricalEpsilon, estimateFromCanaries, oneRunAudit, oneRunLowerBound } from './audit/index';
export type {
  CanaryAudit,
  CanaryAuditOptions,
  CanaryScore,
  CanaryEstimate,
  CanaryEstimateOptions,
  EmpiricalEpsilonOptions,
  OneRunAudit,
  OneRunAuditOptions,
  OneRunLowerBoundOptions,
} from './audit/index';
