/**
 * The one-run privacy audit of T. Steinke, M. Nasr and M. Jagielski (2023), "Privacy Auditing with
 * One (1) Training Run" (NeurIPS), Theorem 5.2 and Algorithm 1 (`get_eps_audit`) for (ε, δ)-DP.
 *
 * m canaries are each included independently with probability ½. After one run the auditor guesses
 * "in" for the k+ highest scores and "out" for the k− lowest (the counts fixed in advance), r =
 * k+ + k− guesses in all, v of them correct. If the run is (ε, δ)-DP then, with q = e^ε / (1 + e^ε),
 *
 *   P[V ≥ v] ≤ P[Bin(r, q) ≥ v] + 2mδ · max_{i ∈ 1..v} P[v − i ≤ Bin(r, q) < v] / i,
 *
 * so every ε at which the right-hand side is below 1 − confidence is refuted by the observation, and
 * the largest such ε is a lower bound on the run's true ε at that confidence. Binomial terms are
 * computed in log space (`binomial.ts`), so m = 10⁶ and r = 10⁵ are as exact as m = 100.
 */
import { PrivacyError } from '../errors';
import { requireEpsilon, requireInteger, requireNumberInRange } from '../validation';
import { binomialMode, logBinomialPmf, logBinomialSf, logisticProbability } from './binomial';
import type { SuccessProbability } from './binomial';

export interface OneRunLowerBoundOptions {
  /** Number of canaries m (each included with probability ½). */
  m: number;
  /** Number of guesses r = k+ + k−, 0 ≤ r ≤ m. */
  r: number;
  /** Number of correct guesses v, 0 ≤ v ≤ r. */
  v: number;
  /** δ of the (ε, δ) claim being audited, in [0, 1). */
  delta: number;
  /** Confidence of the lower bound, in (0, 1). @default 0.95 */
  confidence?: number;
}

export interface GuessFromScoresOptions {
  /** For each canary, whether it was really included in the run. */
  inserted: readonly boolean[];
  /** For each canary, the attack's score (higher means "more likely included"). */
  scores: readonly number[];
  /** Guess "in" for this many of the highest scores. */
  kPlus: number;
  /** Guess "out" for this many of the lowest scores. */
  kMinus: number;
}

export interface GuessResult {
  /** Number of guesses r = kPlus + kMinus. */
  guesses: number;
  /** Number of correct guesses v. */
  correct: number;
}

export interface OneRunAuditOptions extends GuessFromScoresOptions {
  /** δ of the (ε, δ) claim being audited, in [0, 1). */
  delta: number;
  /** Confidence of the lower bound, in (0, 1). @default 0.95 */
  confidence?: number;
}

export interface OneRunAudit extends GuessResult {
  /** Lower bound on ε at the requested confidence (0 when the guesses give no evidence). */
  epsilonLower: number;
  /** Number of canaries m. */
  m: number;
}

/**
 * log of max_{i ∈ 1..v} P[v − i ≤ Bin(r, q) < v] / i. Terms are scaled by the largest mass in
 * [0, v − 1]; the walk stops once even the whole remaining tail could not raise the maximum.
 */
function logDeltaTermFactor(r: number, v: number, prob: SuccessProbability): number {
  if (v === 0) return -Infinity;
  const mode = binomialMode(r, prob);
  const ref = logBinomialPmf(Math.min(v - 1, mode), r, prob);
  if (ref === -Infinity) return -Infinity;
  let sum = 0;
  let best = 0;
  for (let i = 1; i <= v; i++) {
    const k = v - i;
    const term = Math.exp(logBinomialPmf(k, r, prob) - ref);
    sum += term;
    best = Math.max(best, sum / i);
    if (k < mode && k > 0) {
      // Below the mode the ratio P[X = j − 1] / P[X = j] = j(1 − p) / ((r − j + 1)p) only shrinks
      // as j falls, so the rest of the tail is at most a geometric series in the current ratio.
      const ratio = (k * prob.q) / ((r - k + 1) * prob.p);
      const rest = ratio < 1 ? (term * ratio) / (1 - ratio) : Infinity;
      if ((sum + rest) / (i + 1) <= best) break;
    }
  }
  return ref + Math.log(best);
}

/** Arguments of `oneRunPValue`: the counts, δ, and the ε being tested. */
export interface OneRunPValueOptions {
  m: number;
  r: number;
  v: number;
  delta: number;
  epsilon: number;
}

function pValue({ m, r, v, delta, epsilon }: OneRunPValueOptions): number {
  const prob = logisticProbability(epsilon);
  const beta = Math.exp(logBinomialSf(v, r, prob));
  const slack = delta > 0 ? 2 * m * delta * Math.exp(logDeltaTermFactor(r, v, prob)) : 0;
  return Math.min(1, beta + slack);
}

function validateArguments(m: number, r: number, v: number, delta: number): void {
  requireInteger('m', m, 0);
  requireInteger('r', r, 0, m);
  requireInteger('v', v, 0, r);
  requireNumberInRange('delta', delta, 0, 1, { maxExclusive: true });
}

/** The right-hand side of the audit inequality: a p-value for "the run is (ε, δ)-DP" given v of r. */
export function oneRunPValue(args: OneRunPValueOptions): number {
  validateArguments(args.m, args.r, args.v, args.delta);
  requireEpsilon('epsilon', args.epsilon);
  return pValue(args);
}

/**
 * The largest ε refuted at `confidence` by v correct guesses out of r on m canaries, for an
 * (ε, δ) claim: the supremum of the ε with p-value < 1 − confidence, found by bisection to about
 * 1e-12 and returned from the refuted side. 0 when even ε = 0 is not refuted (no evidence).
 */
export function oneRunLowerBound({ m, r, v, delta, confidence = 0.95 }: OneRunLowerBoundOptions): number {
  validateArguments(m, r, v, delta);
  requireNumberInRange('confidence', confidence, 0, 1, { minExclusive: true, maxExclusive: true });
  const alpha = 1 - confidence;
  const refuted = (epsilon: number): boolean => pValue({ m, r, v, delta, epsilon }) < alpha;
  if (!refuted(0)) return 0;
  let lo = 0;
  let hi = 1;
  while (refuted(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) throw new PrivacyError('NUMERICAL_FAILURE', `the p-value stays below ${alpha} for every epsilon up to 1e6.`);
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (refuted(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function requireLength(field: string, length: number, expected: number): void {
  if (length !== expected) {
    throw new PrivacyError('INVALID_ARGUMENT', `${field} must have one entry per canary (${expected}); got ${length}.`);
  }
}

/**
 * Guesses "in" for the kPlus highest scores and "out" for the kMinus lowest, and counts the
 * correct guesses. Canaries are ranked by score, equal scores by index (a lower index ranks lower),
 * so the guesses are a deterministic function of the scores.
 */
export function guessFromScores({ inserted, scores, kPlus, kMinus }: GuessFromScoresOptions): GuessResult {
  const m = inserted.length;
  requireLength('scores', scores.length, m);
  requireInteger('kPlus', kPlus, 0, m);
  requireInteger('kMinus', kMinus, 0, m - kPlus);
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new PrivacyError('NON_FINITE_INPUT', `scores must be finite numbers; scores[${i}] is ${s}.`);
  });
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
  let correct = 0;
  for (let j = 0; j < kMinus; j++) if (!inserted[order[j]!]) correct++;
  for (let j = m - kPlus; j < m; j++) if (inserted[order[j]!]) correct++;
  return { guesses: kPlus + kMinus, correct };
}

/** Guesses from the scores, then the ε lower bound of those guesses (Steinke, Nasr, Jagielski). */
export function oneRunAudit({ inserted, scores, kPlus, kMinus, delta, confidence = 0.95 }: OneRunAuditOptions): OneRunAudit {
  const { guesses, correct } = guessFromScores({ inserted, scores, kPlus, kMinus });
  const m = inserted.length;
  const epsilonLower = oneRunLowerBound({ m, r: guesses, v: correct, delta, confidence });
  return { epsilonLower, guesses, correct, m };
}
