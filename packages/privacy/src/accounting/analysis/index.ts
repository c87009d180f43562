/**
 * `@cohort/privacy/accounting/analysis`: the analysis under the accountants — Rényi DP of the
 * sampled Gaussian and its conversion to (ε, δ), discretised privacy loss distributions and their
 * FFT composition, the analytic Gaussian mechanism, and the special functions they need.
 */
export { computeRdp, DEFAULT_RDP_ORDERS, OPACUS_RDP_ORDERS } from './rdp';
export type { FractionalSeries, RdpOptions } from './rdp';
export { rdpToDelta, rdpToEpsilon } from './rdp-conversion';
export type { DeltaAtOrder, EpsilonAtOrder } from './rdp-conversion';
export { PldPmf } from './pld-pmf';
export { subsampledGaussianPmf, SubsampledGaussianLoss } from './pld-gaussian';
export type { Adjacency } from './pld-gaussian';
export { composeHistory, composeOnGrid, composeOnto } from './pld-compose';
export { composedDeltaForEpsilon, composedEpsilonForDelta, HockeyStickTables } from './pld-split';
export type { ComposedPld, PldComposeOptions, PldGroup, PldRelease } from './pld-compose';
export { analyticGaussianDelta, analyticGaussianEpsilon, analyticGaussianSigma } from './analytic-gaussian';
export type { AnalyticGaussianOptions } from './analytic-gaussian';
export { erfc, logErfc, logNormalCdf, normalCdf } from './special-functions';
