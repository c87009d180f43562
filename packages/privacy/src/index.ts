export { PRIVACY_ERROR_CODES, PrivacyError } from './errors';
export type { PrivacyErrorCode, PrivacyErrorWire } from './errors';

// Mechanisms
export { clipByL2Norm, l2Norm } from './clip';
export type { ClipResult } from './clip';
export { addGaussianNoise, createGaussianSource } from './gaussian-noise';
export type { GaussianSource, GaussianSourceOptions } from './gaussian-noise';
export { MAX_DISCRETE_GAUSSIAN_VARIANCE, sampleDiscreteGaussian } from './discrete-gaussian';
export type { DiscreteGaussianOptions } from './discrete-gaussian';
export { cryptoRandomSource, seededRandomSource } from './random-source';
export type { RandomSeed, RandomSource } from './random-source';
export { rational, rationalFromNumber } from './rational';
export type { Rational } from './rational';

// Accounting
export type { GaussianStep, HistoryEntry } from './accountant-history';
export { computeRdp, DEFAULT_RDP_ORDERS, OPACUS_RDP_ORDERS } from './rdp';
export type { FractionalSeries, RdpOptions } from './rdp';
export { rdpToDelta, rdpToEpsilon } from './rdp-conversion';
export type { DeltaAtOrder, EpsilonAtOrder } from './rdp-conversion';
export { RdpAccountant } from './rdp-accountant';
export type { RdpAccountantOptions, RdpAccountantState } from './rdp-accountant';
export { PldAccountant } from './pld-accountant';
export type { PldAccountantOptions, PldAccountantState } from './pld-accountant';
export { calibrateNoiseMultiplier } from './calibrate';
export type { Calibration, CalibrateOptions } from './calibrate';
export { analyticGaussianDelta, analyticGaussianEpsilon, analyticGaussianSigma } from './analytic-gaussian';
export type { AnalyticGaussianOptions } from './analytic-gaussian';
export { erfc, logErfc, logNormalCdf, normalCdf } from './special-functions';

// Ledger of noisy releases
export { canonicalJson, ZERO_HASH } from './ledger/canonical';
export { createLedgerEntry, hashLedgerEntry, LEDGER_HASHED_KEYS, ledgerSigningBytes } from './ledger/entry';
export type { LedgerEntry, LedgerFields, LedgerMechanism } from './ledger/entry';
export {
  generateSigningKeyPair,
  PUBLIC_KEY_FILE,
  publicKeyFingerprint,
  publicKeyFromText,
  publicKeyToText,
  readOrCreateKeyPair,
  SECRET_KEY_FILE,
  writeKeyPair,
} from './ledger/keys';
export type { SigningKeyPair } from './ledger/keys';
export { createLedgerHead, LEDGER_HEAD_FORMAT, LEDGER_RUN_STATUSES, ledgerHeadSigningBytes, parseLedgerHead, verifyLedgerHeadSignature } from './ledger/head';
export type { LedgerHead, LedgerHeadFacts, LedgerRunStatus } from './ledger/head';
export { parseLedgerJsonl, toJsonl } from './ledger/jsonl';
export { LEDGER_FAILURE_CODES } from './ledger/failures';
export type { LedgerFailure, LedgerFailureCode } from './ledger/failures';
export { verifyLedger } from './ledger/verify';
export type { LedgerVerification, VerifyOptions } from './ledger/verify';
export { recomputeLedgerEpsilon } from './ledger/epsilon';
export type { LedgerStream, RecomputedEpsilon, RecomputeOptions, RoundEpsilon, StreamEpsilon } from './ledger/epsilon';
export { AUDITABLE_MECHANISMS, auditLedger } from './ledger/audit';
export type { AuditOptions, LedgerAudit } from './ledger/audit';

// Data masking (on the device, before anything else touches the records)
export { maskRecords } from './masking/mask-records';
export type { InputCell, MaskRecordsOptions, MaskRecordsResult } from './masking/mask-records';
export { MASKING_OPERATORS, parseMaskingPolicy } from './masking/policy';
export type { ColumnRule, MaskingOperator, MaskingPolicy } from './masking/policy';
export type { ColumnReport, KAnonymityReport, MaskingReport } from './masking/report';
export { detectEntities, scanText } from './masking/detect';
export type { DetectOptions } from './masking/detect';
export { ENTITY_TYPES, entityTag } from './masking/entities';
export type { EntitySpan, EntityType } from './masking/entities';
export { detectEmails, detectPhones } from './masking/detect-contact';
export { detectCreditCards, detectIbans } from './masking/detect-financial';
export { detectIpv4, detectIpv6 } from './masking/detect-network';
export { detectDates, parseDate } from './masking/detect-dates';
export type { DateParts } from './masking/detect-dates';
export { detectUkNinos, detectUsSsns } from './masking/detect-national-id';
export { detectPersons } from './masking/detect-names';
export type { ExtraNames } from './masking/detect-names';
export { resolveOverlaps } from './masking/overlaps';
export { ibanValid, luhnValid } from './masking/checksums';
export { generalise } from './masking/generalise';
export { MIN_SECRET_KEY_BYTES, pseudonymise, TokenVault } from './masking/keyed';
export { maskCharacters } from './masking/operators';
export { enforceKAnonymity, equivalenceClasses } from './masking/k-anonymity';
export type { KAnonymityResult } from './masking/k-anonymity';
export { MASKING_KEY_BYTES, readMaskingKey, readOrCreateMaskingKey } from './masking/device-key';
