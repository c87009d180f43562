/**
 * The one-shot empirical privacy estimate of G. Andrew, P. Kairouz, S. Oh, A. Oprea, H. B. McMahan
 * and V. Suriyakumar (2024), "One-shot Empirical Privacy Estimation for Federated Learning" (ICLR).
 *
 * Canary clients carry secret random unit directions in R^d. The cosine between a direction that was
 * never inserted and the model change is distributed (for large d) as N(0, 1/d), the null; the
 * inserted canaries' cosines are fitted by N(μ, σ²). The estimate ε̂ is the smallest ε ≥ 0 at which
 * the two Gaussians are (ε, δ)-indistinguishable, i.e. at which the hockey-stick divergence
 * H_{e^ε}(P‖Q) = ∫ (p − e^ε q)₊ is at most δ in both orders.
 *
 * With equal variances this is the analytic Gaussian mechanism (Balle and Wang 2018). With unequal
 * variances the privacy loss log p(x)/q(x) is quadratic in x, so the region where it exceeds ε is an
 * interval (the wider distribution in the denominator) or the complement of one (the narrower
 * distribution in the denominator); the divergence is P(region) − e^ε Q(region), taken exactly from
 * the roots of that quadratic with normal CDF tails in log space, so δ = 1e-6 and far smaller stay
 * accurate.
 */
import { PrivacyError } from '../errors';
import { analyticGaussianDelta } from '../accounting/analysis/analytic-gaussian';
import { logNormalCdf, normalCdf } from '../accounting/analysis/special-functions';
import { requireDelta, requireEpsilon, requireInteger, requirePositive } from '../validation';

/** A Gaussian N(μ, σ²) fitted to a list of statistics. */
export interface GaussianFit {
  /** Sample mean. */
  mu: number;
  /** Sample standard deviation (n − 1 in the denominator). */
  sigma: number;
}

export interface EmpiricalDeltaOptions {
  /** Mean μ of the canaries' Gaussian N(μ, σ²). */
  mu: number;
  /** Standard deviation σ of the canaries' Gaussian, > 0. */
  sigma: number;
  /** Standard deviation σ₀ of the null N(0, σ₀²), > 0 (1/√d for cosines in R^d). */
  nullSigma: number;
}

export interface EmpiricalEpsilonOptions extends EmpiricalDeltaOptions {
  /** δ at which ε is read, in (0, 1). */
  delta: number;
}

export interface CanaryEstimateOptions {
  /** The statistics (cosines) of the canaries that were inserted; at least two, not all equal. */
  insertedScores: readonly number[];
  /** Dimension d of the canary directions; the null is N(0, 1/d). */
  dimension: number;
  /** δ at which ε̂ is read, in (0, 1). */
  delta: number;
}

export interface CanaryEstimate extends GaussianFit {
  /** The estimate ε̂. */
  epsilon: number;
  /** σ₀ = 1/√d of the null. */
  nullSigma: number;
}

/** An open interval (lo, hi) of the real line; either end may be infinite. */
type Interval = readonly [number, number];

const REAL_LINE: Interval = [-Infinity, Infinity];

/** log Φ(x), with the infinite ends handled (the special functions expect finite x). */
function logCdf(x: number): number {
  if (x === -Infinity) return -Infinity;
  if (x === Infinity) return 0;
  return logNormalCdf(x);
}

/** log(e^a − e^b), −∞ when rounding leaves b ≥ a. */
function logDiff(a: number, b: number): number {
  if (b >= a) return -Infinity;
  if (b === -Infinity) return a;
  return a + Math.log(-Math.expm1(b - a));
}

/** log P[lo < Z < hi] for Z ~ N(0, 1), taken from whichever tail keeps it accurate. */
function logStandardMass([lo, hi]: Interval): number {
  if (!(lo < hi)) return -Infinity;
  if (lo >= 0) return logDiff(logCdf(-lo), logCdf(-hi));
  if (hi <= 0) return logDiff(logCdf(hi), logCdf(lo));
  const outside = (lo === -Infinity ? 0 : normalCdf(lo)) + (hi === Infinity ? 0 : normalCdf(-hi));
  return Math.log1p(-outside);
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log P[Z ∈ ∪ intervals] for disjoint intervals, Z ~ N(0, 1). */
function logStandardMassOf(intervals: readonly Interval[]): number {
  return intervals.reduce((acc, interval) => logAdd(acc, logStandardMass(interval)), -Infinity);
}

/**
 * The set {z : A z² + B z + C > 0} as disjoint open intervals. The roots use the cancellation-free
 * form (q/A and C/q with q = −(B + sign(B)√disc)/2), so a nearly linear quadratic (A → 0) keeps its
 * finite root accurate and sends the other to ±∞.
 */
export function quadraticPositiveRegion(A: number, B: number, C: number): Interval[] {
  if (A === 0) {
    if (B === 0) return C > 0 ? [REAL_LINE] : [];
    const t = -C / B;
    return [B < 0 ? [-Infinity, t] : [t, Infinity]];
  }
  const disc = B * B - 4 * A * C;
  if (!(disc > 0)) return A > 0 ? [REAL_LINE] : [];
  const q = -0.5 * (B + (B >= 0 ? 1 : -1) * Math.sqrt(disc));
  const r1 = q / A;
  const r2 = C / q;
  const z1 = Math.min(r1, r2);
  const z2 = Math.max(r1, r2);
  return A > 0
    ? [
        [-Infinity, z1],
        [z2, Infinity],
      ]
    : [[z1, z2]];
}

/**
 * H_{e^ε}(N(0, 1) ‖ N(m, s²)) = P(S) − e^ε Q(S) over S = {z : log p(z)/q(z) > ε}, where
 * log p/q = log s − z²/2 + (z − m)²/(2s²) = A z² + B z + (C + ε).
 */
function standardHockeyStick(m: number, s: number, epsilon: number): number {
  const A = 0.5 * (1 / (s * s) - 1);
  const B = -m / (s * s);
  const C = Math.log(s) + (m * m) / (2 * s * s) - epsilon;
  const region = quadraticPositiveRegion(A, B, C);
  if (region.length === 0) return 0;
  const logP = logStandardMassOf(region);
  const logQ = logStandardMassOf(region.map(([lo, hi]): Interval => [(lo - m) / s, (hi - m) / s]));
  const gap = epsilon + logQ - logP;
  if (!(gap < 0)) return 0;
  return Math.min(1, Math.exp(logP) * -Math.expm1(gap));
}

function validateGaussians({ mu, sigma, nullSigma }: EmpiricalDeltaOptions): void {
  if (typeof mu !== 'number' || !Number.isFinite(mu)) {
    throw new PrivacyError('INVALID_ARGUMENT', `mu must be a finite number; got ${String(mu)}.`);
  }
  requirePositive('sigma', sigma);
  requirePositive('nullSigma', nullSigma);
}

/**
 * The smallest δ for which N(0, σ₀²) and N(μ, σ²) are (ε, δ)-indistinguishable: the larger of the
 * two hockey-stick divergences H_{e^ε}(P‖Q) and H_{e^ε}(Q‖P).
 */
export function empiricalDelta({ mu, sigma, nullSigma, epsilon }: EmpiricalDeltaOptions & { epsilon: number }): number {
  validateGaussians({ mu, sigma, nullSigma });
  requireEpsilon('epsilon', epsilon);
  if (sigma === nullSigma) return mu === 0 ? 0 : analyticGaussianDelta({ sigma, epsilon, sensitivity: Math.abs(mu) });
  // Standardise each order so that its first distribution is N(0, 1); the divergence is invariant.
  const nullFirst = standardHockeyStick(mu / nullSigma, sigma / nullSigma, epsilon);
  const canaryFirst = standardHockeyStick(-mu / sigma, nullSigma / sigma, epsilon);
  return Math.max(nullFirst, canaryFirst);
}

/**
 * ε̂ of Andrew et al.: the smallest ε ≥ 0 at which the null N(0, σ₀²) and the canaries' N(μ, σ²)
 * are (ε, δ)-indistinguishable, by bisection to 1e-12 relative, returned from the indistinguishable
 * side. Finite for every δ in (0, 1), with equal or unequal variances.
 */
export function empiricalEpsilon({ mu, sigma, nullSigma, delta }: EmpiricalEpsilonOptions): number {
  validateGaussians({ mu, sigma, nullSigma });
  requireDelta('delta', delta);
  const ok = (epsilon: number): boolean => empiricalDelta({ mu, sigma, nullSigma, epsilon }) <= delta;
  if (ok(0)) return 0;
  let lo = 0;
  let hi = 1;
  while (!ok(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) throw new PrivacyError('UNREACHABLE_TARGET', `no finite epsilon reaches delta = ${delta}.`);
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Fits N(μ, σ²) to statistics: the sample mean and the sample standard deviation (n − 1). */
export function fitGaussian(statistics: readonly number[]): GaussianFit {
  const n = statistics.length;
  if (n < 2) throw new PrivacyError('INVALID_ARGUMENT', `statistics must hold at least 2 values; got ${n}.`);
  statistics.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new PrivacyError('NON_FINITE_INPUT', `statistics must be finite numbers; statistics[${i}] is ${x}.`);
  });
  const mu = statistics.reduce((acc, x) => acc + x, 0) / n;
  const squares = statistics.reduce((acc, x) => acc + (x - mu) * (x - mu), 0);
  return { mu, sigma: Math.sqrt(squares / (n - 1)) };
}

/**
 * ε̂ from the inserted canaries' cosines: fits N(μ, σ²) to them and reads ε against the null
 * N(0, 1/d) of the cosine between a random unit direction in R^d and a fixed vector.
 */
export function estimateFromCanaries({ insertedScores, dimension, delta }: CanaryEstimateOptions): CanaryEstimate {
  requireInteger('dimension', dimension, 1);
  const { mu, sigma } = fitGaussian(insertedScores);
  if (!(sigma > 0)) {
    throw new PrivacyError('INVALID_ARGUMENT', 'insertedScores must not all be equal (their sample standard deviation is 0).');
  }
  const nullSigma = 1 / Math.sqrt(dimension);
  const epsilon = empiricalEpsilon({ mu, sigma, nullSigma, delta });
  return { epsilon, mu, sigma, nullSigma };
}
