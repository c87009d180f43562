/**
 * The empirical audit of one run from its canaries' scores alone: the estimate ε̂ from the inserted
 * canaries' final-model cosines, the one-run lower bound from guesses fixed in advance on the
 * largest per-round cosine, and the verdict against an upper bound. A lower bound above the upper
 * bound proves that the releases leak more than was recorded.
 */
import { estimateFromCanaries, type CanaryEstimate } from './empirical-epsilon';
import { oneRunAudit, type OneRunAudit } from './one-run';

/** One canary's statistics against the run's models. */
export interface CanaryScore {
  inserted: boolean;
  /** cos(c_i, θ_T − θ_0). */
  finalCosine: number;
  /** max over rounds t of cos(c_i, θ_t − θ_{t−1}). */
  maxRoundCosine: number;
}

export interface CanaryAuditOptions {
  scores: readonly CanaryScore[];
  /** Parameters of the model (the dimension the canary directions live in). */
  dimension: number;
  delta: number;
  /** The upper bounds the lower bound is set against; the smaller one counts. */
  upper: { rdp: number; pld: number };
  /** Who stated the upper bound, for the reason ("the accountant's", "the ledger's"). */
  upperSource: string;
  kPlus: number;
  kMinus: number;
  confidence: number;
}

export interface CanaryAudit {
  inserted: number;
  estimate: CanaryEstimate;
  lowerBound: OneRunAudit;
  /** min(upper.rdp, upper.pld). */
  epsilonUpper: number;
  verdict: 'pass' | 'fail';
  reasons: string[];
}

export function auditCanaryScores(options: CanaryAuditOptions): CanaryAudit {
  const { scores, dimension, delta, upper, upperSource, kPlus, kMinus, confidence } = options;
  const insertedScores = scores.filter((s) => s.inserted).map((s) => s.finalCosine);
  const estimate = estimateFromCanaries({ insertedScores, dimension, delta });
  const lowerBound = oneRunAudit({
    inserted: scores.map((s) => s.inserted),
    scores: scores.map((s) => s.maxRoundCosine),
    kPlus,
    kMinus,
    delta,
    confidence,
  });
  const epsilonUpper = Math.min(upper.rdp, upper.pld);
  const reasons =
    lowerBound.epsilonLower > epsilonUpper
      ? [
          `the one-run lower bound ε ≥ ${lowerBound.epsilonLower.toFixed(3)} (${Math.round(confidence * 100)} % confidence) exceeds ${upperSource} upper bound ε ≤ ${epsilonUpper.toFixed(3)} at δ ${delta}: ` +
            'the releases leak more than recorded — noise smaller than recorded, clipping skipped, or releases left unaccounted.',
        ]
      : [];
  return { inserted: insertedScores.length, estimate, lowerBound, epsilonUpper, verdict: reasons.length === 0 ? 'pass' : 'fail', reasons };
}
