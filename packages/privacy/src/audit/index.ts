/**
 * `@cohort/privacy/audit`: the statistics of an empirical privacy audit — the one-shot ε̂ of canary
 * clients (Andrew et al., ICLR 2024) and the one-run ε lower bound (Steinke, Nasr, Jagielski,
 * NeurIPS 2023), with the log-space binomial probabilities under the latter.
 */
export { empiricalDelta, empiricalEpsilon, estimateFromCanaries, fitGaussian, quadraticPositiveRegion } from './empirical-epsilon';
export type {
  CanaryEstimate,
  CanaryEstimateOptions,
  EmpiricalDeltaOptions,
  EmpiricalEpsilonOptions,
  GaussianFit,
} from './empirical-epsilon';
export { guessFromScores, oneRunAudit, oneRunLowerBound, oneRunPValue } from './one-run';
export type {
  GuessFromScoresOptions,
  GuessResult,
  OneRunAudit,
  OneRunAuditOptions,
  OneRunLowerBoundOptions,
  OneRunPValueOptions,
} from './one-run';
export { auditCanaryScores } from './canary-audit';
export type { CanaryAudit, CanaryAuditOptions, CanaryScore } from './canary-audit';
export { binomialDeviance, logBinomialPmf, logBinomialSf, logisticProbability, stirlingError } from './binomial';
export type { SuccessProbability } from './binomial';
