/**
 * Privacy loss distributions of the Poisson-subsampled Gaussian mechanism (noise N(0, σ²),
 * sensitivity 1, sampling rate q) under add-or-remove-one neighbouring, in dp_accounting's
 * conventions (its `GaussianPrivacyLoss`):
 *
 * - remove: μ_upper = (1 − q)·N(0, σ²) + q·N(−1, σ²), μ_lower = N(0, σ²);
 * - add:    μ_upper = N(0, σ²), μ_lower = (1 − q)·N(0, σ²) + q·N(1, σ²).
 *
 * Each is discretised pessimistically with "Connect the Dots" (Doroshenko, Ghazi, Kamath, Kumar,
 * Manurangsi 2022, "Connect the Dots: Tighter Discrete Approximations of Privacy Loss
 * Distributions", Algorithm 1): the exact hockey-stick curve δ(ε) is evaluated on the grid
 * ε = k·interval and the discrete PLD whose curve interpolates those points is built; its δ(ε) is at
 * least the true one everywhere. Noise tails of mass below e^{logMassTruncation} are sent to +∞.
 */
import { connectTheDots } from './pld-pmf';
import type { PldPmf } from './pld-pmf';
import { logAddExp, logNormalCdf, normalCdf, normalQuantileFromLog } from './special-functions';

export type Adjacency = 'add' | 'remove';

/** dp_accounting's default: noise tails of mass below e^-50 are treated pessimistically. */
export const DEFAULT_LOG_MASS_TRUNCATION = -50;

/** The subsampled Gaussian's privacy loss ℓ(x) and hockey-stick divergence, for one direction. */
export class SubsampledGaussianLoss {
  private readonly logQ: number;
  private readonly log1mQ: number;

  constructor(
    readonly sigma: number,
    readonly q: number,
    readonly adjacency: Adjacency,
  ) {
    this.logQ = Math.log(q);
    this.log1mQ = Math.log1p(-q);
  }

  /** Loss without subsampling: log(μ(x ∓ 1)/μ(x)). */
  private baseLoss(x: number): number {
    const s2 = this.sigma * this.sigma;
    return this.adjacency === 'add' ? (0.5 - x) / s2 : (-0.5 - x) / s2;
  }

  /** ℓ(x), non-increasing in x. */
  loss(x: number): number {
    const l0 = this.baseLoss(x);
    if (this.q === 1) return l0;
    return this.adjacency === 'add' ? -logAddExp(this.logQ - l0, this.log1mQ) : logAddExp(this.logQ + l0, this.log1mQ);
  }

  /** The largest x with ℓ(x) ≥ loss. */
  private inverseLoss(loss: number): number {
    const s2 = this.sigma * this.sigma;
    let l0 = loss;
    if (this.q !== 1) {
      l0 = this.adjacency === 'add' ? -Math.log1p(Math.expm1(-loss) / this.q) : Math.log1p(Math.expm1(loss) / this.q);
    }
    return this.adjacency === 'add' ? 0.5 - l0 * s2 : -0.5 - l0 * s2;
  }

  private upperCdf(x: number): number {
    const s = this.sigma;
    if (this.adjacency === 'add') return normalCdf(x / s);
    if (this.q === 1) return normalCdf((x + 1) / s);
    return (1 - this.q) * normalCdf(x / s) + this.q * normalCdf((x + 1) / s);
  }

  private lowerLogCdf(x: number): number {
    const s = this.sigma;
    if (this.adjacency === 'remove') return logNormalCdf(x / s);
    if (this.q === 1) return logNormalCdf((x - 1) / s);
    return logAddExp(this.log1mQ + logNormalCdf(x / s), this.logQ + logNormalCdf((x - 1) / s));
  }

  /** δ(ε) = sup_S μ_upper(S) − e^ε μ_lower(S), exactly (up to float64 rounding). */
  delta(epsilon: number): number {
    if (this.q !== 1) {
      if (this.adjacency === 'add' && epsilon >= -this.log1mQ) return 0;
      if (this.adjacency === 'remove' && epsilon <= this.log1mQ) return -Math.expm1(epsilon);
    }
    const x = this.inverseLoss(epsilon);
    const d = this.upperCdf(x) - Math.exp(epsilon + this.lowerLogCdf(x));
    return Math.min(1, Math.max(0, d));
  }

  /** [ε_lower, ε_upper]: the losses at the ends of the x-range holding all but e^{logMassTruncation} of the noise. */
  lossRange(logMassTruncation = DEFAULT_LOG_MASS_TRUNCATION): [number, number] {
    const base = this.sigma * normalQuantileFromLog(Math.log(0.5) + logMassTruncation); // < 0
    let lowerX = base;
    let upperX = -base;
    if (this.adjacency === 'add') upperX += 1;
    else {
      lowerX -= 1;
      // Without subsampling μ_upper = N(−1, σ²) has no mass near +|base|: stop at its own tail.
      if (this.q === 1) upperX -= 1;
    }
    return [this.loss(upperX), this.loss(lowerX)];
  }
}

/** Grid indices [⌊ε_lower/interval⌋, ⌈ε_upper/interval⌉] of the discretised PLD. */
export function gridIndices(loss: SubsampledGaussianLoss, interval: number): [number, number] {
  const [epsLower, epsUpper] = loss.lossRange();
  return [Math.floor(epsLower / interval), Math.ceil(epsUpper / interval)];
}

/** The pessimistic discretised PLD of one release, for one adjacency direction. */
export function subsampledGaussianPmf(sigma: number, q: number, adjacency: Adjacency, interval: number): PldPmf {
  const loss = new SubsampledGaussianLoss(sigma, q, adjacency);
  const [lower, upper] = gridIndices(loss, interval);
  const deltas = new Float64Array(upper - lower + 1);
  for (let k = lower; k <= upper; k++) deltas[k - lower] = loss.delta(k * interval);
  return connectTheDots(interval, lower, deltas);
}
