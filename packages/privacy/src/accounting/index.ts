/**
 * `@cohort/privacy/accounting`: privacy accountants for the Poisson-subsampled Gaussian behind one
 * `Accountant` interface (RDP and PLD), and σ calibration against any of them. The maths they rest
 * on is in `@cohort/privacy/accounting/analysis`.
 */
export { ACCOUNTANT_KINDS, accountantFromJSON, createAccountant } from './accountant';
export type { Accountant, AccountantKind, AccountantOptionsByKind } from './accountant';
export type { AccountantState, GaussianStep, HistoryEntry } from './accountant-history';
export { RdpAccountant } from './rdp-accountant';
export type { RdpAccountantOptions, RdpAccountantState } from './rdp-accountant';
export type { FractionalSeries } from './analysis/rdp';
export { PldAccountant } from './pld-accountant';
export type { PldAccountantOptions, PldAccountantState } from './pld-accountant';
export { calibrateNoiseMultiplier } from './calibrate';
export type { Calibration, CalibrateOptions } from './calibrate';
