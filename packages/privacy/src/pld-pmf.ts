/**
 * A discretised privacy loss distribution (PLD): probability masses on the grid of losses
 * `(lowerIndex + i) · interval`, plus a mass at +∞. Its hockey-stick divergence gives δ(ε):
 *
 *   δ(ε) = p∞ + Σᵢ pᵢ · (1 − e^{ε − ℓᵢ})₊
 *
 * Composition is convolution. This follows dp_accounting's `DensePLDPmf` (Meiser & Mohammadi 2018,
 * "Tight on Budget? Tight Bounds for r-Fold Approximate Differential Privacy", and Koskela et al.
 * 2020): tails are truncated pessimistically — a lower tail is moved up to the first kept loss and
 * an upper tail to +∞ — so every figure computed from a pessimistic PLD remains an upper bound.
 */
import { convolve, selfConvolveWindow } from './fft-convolution';
import { logAddExp } from './special-functions';

/** Default mass that a composition may move (pessimistically) for the sake of a smaller grid. */
export const DEFAULT_TAIL_MASS_TRUNCATION = 1e-15;

export class PldPmf {
  constructor(
    /** Grid spacing of the losses, in nats. */
    readonly interval: number,
    /** Index of the first loss: probs[i] is the mass at (lowerIndex + i) · interval. */
    readonly lowerIndex: number,
    /** Masses on the grid (non-negative). */
    readonly probs: Float64Array,
    /** Mass at loss +∞ (outcomes impossible under the other distribution, plus truncated tails). */
    readonly infinityMass: number,
  ) {}

  /** The PLD of a release that reveals nothing: all mass at loss 0. */
  static identity(interval: number): PldPmf {
    return new PldPmf(interval, 0, Float64Array.of(1), 0);
  }

  get size(): number {
    return this.probs.length;
  }

  private loss(i: number): number {
    return (this.lowerIndex + i) * this.interval;
  }

  /** δ at which this PLD is (ε, δ)-DP (the ε-hockey-stick divergence). */
  deltaForEpsilon(epsilon: number): number {
    let delta = this.infinityMass;
    for (let i = this.probs.length - 1; i >= 0; i--) {
      const loss = this.loss(i);
      if (loss <= epsilon) break;
      delta += (this.probs[i] as number) * -Math.expm1(epsilon - loss);
    }
    return Math.min(1, delta);
  }

  /**
   * The smallest ε ≥ 0 with δ(ε) ≤ delta (Infinity when the mass at +∞ alone exceeds delta).
   * Σ pᵢ e^{−ℓᵢ} is accumulated in log space: with plain doubles it underflows once losses pass
   * ~745 nats, and the answer silently degrades to a loss quantile (up to ~1 nat too large).
   */
  epsilonForDelta(delta: number): number {
    if (this.infinityMass > delta) return Infinity;
    let massUpper = this.infinityMass;
    let logMassLower = -Infinity;
    for (let i = this.probs.length - 1; i >= 0; i--) {
      const loss = this.loss(i);
      if (massUpper > delta && Math.log(massUpper - delta) - logMassLower >= loss) break;
      const p = this.probs[i] as number;
      if (p > 0) {
        massUpper += p;
        logMassLower = logAddExp(logMassLower, Math.log(p) - loss);
      }
    }
    if (massUpper <= delta) return 0;
    return Math.max(0, Math.log(massUpper - delta) - logMassLower);
  }

  /** The PLD of running both mechanisms (convolution of the losses). */
  compose(other: PldPmf, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PldPmf {
    const probs = convolve(this.probs, other.probs);
    const infinity = this.infinityMass + other.infinityMass - this.infinityMass * other.infinityMass;
    return truncateTails(this.interval, this.lowerIndex + other.lowerIndex, probs, infinity, tailMassTruncation);
  }

  /**
   * The PLD of `count` independent runs. The window of the result is bounded with a Chernoff bound
   * so that at most `tailMassTruncation` lies outside it; that mass is added to +∞.
   */
  selfCompose(
    count: number,
    tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION,
    bounds: [number, number] = selfConvolveBounds(this.probs, count, tailMassTruncation),
  ): PldPmf {
    if (count === 1) return this;
    const [lo, hi] = bounds;
    const window = selfConvolveWindow(this.probs, count, lo, hi);
    for (let i = 0; i < window.length; i++) if (!((window[i] as number) > 0)) window[i] = 0; // FFT round-off
    const infinity = tailMassTruncation - Math.expm1(count * Math.log1p(-this.infinityMass));
    return new PldPmf(this.interval, this.lowerIndex * count + lo, window, Math.min(1, infinity));
  }
}

/**
 * Indices [lo, hi] of the `count`-fold self-convolution of `probs` outside which the mass is at most
 * `tail` (half on each side), from Chernoff bounds at 40 moment orders (dp_accounting's
 * `compute_self_convolve_bounds`).
 */
export function selfConvolveBounds(probs: Float64Array, count: number, tail: number): [number, number] {
  let lo = 0;
  let hi = (probs.length - 1) * count;
  if (tail === 0) return [lo, hi];
  const logTwoOverTail = Math.log(2 / tail);
  const n = probs.length;
  for (let k = -20; k <= 20; k++) {
    if (k === 0) continue;
    // |order · i| ≤ 20, so the moment generating function Σ pᵢ e^{order·i} cannot overflow; the
    // factor e^{order·i} is advanced by multiplication and refreshed every 1024 steps.
    const order = k / n;
    const step = Math.exp(order);
    let mgf = 0;
    let factor = 1;
    for (let i = 0; i < n; i++) {
      if ((i & 1023) === 0) factor = Math.exp(order * i);
      mgf += (probs[i] as number) * factor;
      factor *= step;
    }
    const bound = (count * Math.log(mgf) + logTwoOverTail) / order;
    if (!Number.isFinite(bound)) continue;
    if (order > 0) hi = Math.min(hi, Math.ceil(bound));
    else lo = Math.max(lo, Math.floor(bound));
  }
  return [lo, hi];
}

/**
 * Drops a prefix and a suffix each of mass ≤ tail/2: the prefix mass is added to the first kept
 * entry (its loss rounded up) and the suffix mass to +∞.
 */
function truncateTails(interval: number, lowerIndex: number, probs: Float64Array, infinity: number, tail: number): PldPmf {
  for (let i = 0; i < probs.length; i++) if (!((probs[i] as number) > 0)) probs[i] = 0;
  if (tail === 0) return new PldPmf(interval, lowerIndex, probs, infinity);
  let left = 0;
  let leftMass = 0;
  while (left < probs.length - 1 && leftMass + (probs[left] as number) <= tail / 2) leftMass += probs[left++] as number;
  let right = probs.length;
  let rightMass = 0;
  while (right > left + 1 && rightMass + (probs[right - 1] as number) <= tail / 2) rightMass += probs[--right] as number;
  const kept = probs.slice(left, right);
  kept[0] = (kept[0] as number) + leftMass;
  return new PldPmf(interval, lowerIndex + left, kept, Math.min(1, infinity + rightMass));
}
