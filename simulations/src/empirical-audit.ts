/**
 * The empirical privacy audit of a simulated run: canary scores from the run's own models, an
 * estimate ε̂ (Andrew et al. 2024) from the final model, and a one-run lower bound (Steinke, Nasr,
 * Jagielski 2023) from every iterate, set beside the accountant's upper bound. A lower bound above
 * the upper bound proves the implementation leaks more than it claims: the audit then fails.
 */
import { auditCanaryScores } from '@cohort/privacy/audit';
import type { EpsilonReport } from '@cohort/coordinator';
import type { Canary, CanaryScores } from './canaries';
import { scoreCanaries } from './canaries';

export interface EmpiricalAuditOptions {
  delta: number;
  /** The accountant's figures for the same run. */
  accountant: EpsilonReport;
  /** Guesses "in" for this many highest scores. @default ⌈m / 10⌉ */
  kPlus?: number;
  /** Guesses "out" for this many lowest scores. @default ⌈m / 10⌉ */
  kMinus?: number;
  /** @default 0.95 */
  confidence?: number;
}

export interface PrivacyAuditReport {
  canaries: number;
  inserted: number;
  /** Parameters of the model (the dimension the canary directions live in). */
  dimension: number;
  delta: number;
  accountant: { rdp: number; pld: number };
  /** ε̂ from the final model: N(0, 1/d) against a Gaussian fitted to the inserted canaries' cosines. */
  estimate: { epsilon: number; mu: number; sigma: number; nullSigma: number; statistic: 'final-model cosine' };
  /** A lower bound at `confidence`, from guesses fixed in advance on the canaries' largest per-round cosine. */
  lowerBound: {
    epsilon: number;
    guesses: number;
    correct: number;
    kPlus: number;
    kMinus: number;
    confidence: number;
    statistic: 'max per-round cosine';
  };
  verdict: 'pass' | 'fail';
  reasons: string[];
  scores: (CanaryScores & { inserted: boolean })[];
}

export function auditCanaries(
  canaries: readonly Canary[],
  models: readonly Float64Array[],
  options: EmpiricalAuditOptions,
): PrivacyAuditReport {
  const { delta, accountant } = options;
  const m = canaries.length;
  const kPlus = options.kPlus ?? Math.ceil(m / 10);
  const kMinus = options.kMinus ?? Math.ceil(m / 10);
  const confidence = options.confidence ?? 0.95;
  const dimension = canaries[0]?.direction.length ?? 0;
  const scores = scoreCanaries(canaries, models).map((s, i) => ({ ...s, inserted: canaries[i]!.inserted }));
  const audit = auditCanaryScores({
    scores,
    dimension,
    delta,
    upper: accountant,
    upperSource: "the accountant's",
    kPlus,
    kMinus,
    confidence,
  });
  const { estimate, lowerBound: bound, reasons } = audit;
  return {
    canaries: m,
    inserted: audit.inserted,
    dimension,
    delta,
    accountant: { rdp: accountant.rdp, pld: accountant.pld },
    estimate: {
      epsilon: estimate.epsilon,
      mu: estimate.mu,
      sigma: estimate.sigma,
      nullSigma: estimate.nullSigma,
      statistic: 'final-model cosine',
    },
    lowerBound: {
      epsilon: bound.epsilonLower,
      guesses: bound.guesses,
      correct: bound.correct,
      kPlus,
      kMinus,
      confidence,
      statistic: 'max per-round cosine',
    },
    verdict: audit.verdict,
    reasons,
    scores,
  };
}
