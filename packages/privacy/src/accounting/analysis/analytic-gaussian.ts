/**
 * The analytic Gaussian mechanism of Balle and Wang (2018), "Improving the Gaussian Mechanism for
 * Differential Privacy: Analytical Calibration and Optimal Denoising" (ICML), Theorem 8: a Gaussian
 * release with L2 sensitivity Δ and noise standard deviation σ is (ε, δ)-DP exactly when
 *
 *   δ ≥ Φ(Δ/(2σ) − εσ/Δ) − e^ε · Φ(−Δ/(2σ) − εσ/Δ).
 *
 * This curve is tight (it is the hockey-stick divergence of two shifted Gaussians), so the ε and σ
 * computed here are exact, not bounds. The second term is evaluated in log space, so the formula
 * stays accurate when ε is large (thousands) and Φ underflows. Bisection is run to full float64
 * precision and returns the conservative end of the final bracket.
 */
import { PrivacyError } from '../../errors';
import { logNormalCdf, normalCdf } from './special-functions';
import { requireDelta, requireEpsilon, requirePositive } from '../../validation';

export interface AnalyticGaussianOptions {
  /** L2 sensitivity Δ of the released quantity. @default 1 */
  sensitivity?: number;
}

/** δ(ε) of one Gaussian release with std `sigma` and sensitivity Δ. */
export function analyticGaussianDelta({
  sigma,
  epsilon,
  sensitivity = 1,
}: { sigma: number; epsilon: number } & AnalyticGaussianOptions): number {
  requirePositive('sigma', sigma);
  requireEpsilon('epsilon', epsilon);
  requirePositive('sensitivity', sensitivity);
  const a = sensitivity / (2 * sigma);
  const b = (epsilon * sigma) / sensitivity;
  const d = normalCdf(a - b) - Math.exp(epsilon + logNormalCdf(-a - b));
  return Math.min(1, Math.max(0, d));
}

/** Bisection on a monotone predicate over [lo, hi]; returns the end where `ok` holds. */
function bisect(ok: (x: number) => boolean, lo: number, hi: number, geometric: boolean): number {
  for (let i = 0; i < 2000; i++) {
    const mid = geometric ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The exact (smallest) ε for which one Gaussian release with std `sigma` is (ε, δ)-DP. */
export function analyticGaussianEpsilon({
  sigma,
  delta,
  sensitivity = 1,
}: { sigma: number; delta: number } & AnalyticGaussianOptions): number {
  requireDelta('delta', delta);
  const deltaAt = (epsilon: number): number => analyticGaussianDelta({ sigma, epsilon, sensitivity });
  if (deltaAt(0) <= delta) return 0;
  let hi = 1;
  while (deltaAt(hi) > delta) {
    hi *= 2;
    if (hi > 1e12) throw new PrivacyError('UNREACHABLE_TARGET', `no finite epsilon reaches delta = ${delta}.`);
  }
  return bisect((eps) => deltaAt(eps) <= delta, hi === 1 ? 0 : hi / 2, hi, false);
}

/** The smallest noise std σ for which one Gaussian release is (ε, δ)-DP (calibration). */
export function analyticGaussianSigma({
  epsilon,
  delta,
  sensitivity = 1,
}: { epsilon: number; delta: number } & AnalyticGaussianOptions): number {
  requireEpsilon('epsilon', epsilon);
  requireDelta('delta', delta);
  requirePositive('sensitivity', sensitivity);
  const ok = (sigma: number): boolean => analyticGaussianDelta({ sigma, epsilon, sensitivity }) <= delta;
  let lo = sensitivity;
  let hi = sensitivity;
  while (!ok(hi)) hi *= 2;
  while (ok(lo) && lo > 1e-300) lo /= 2;
  return bisect(ok, lo, hi, true);
}
