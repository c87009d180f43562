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
 *
 * `coarsen` moves a PLD to a coarser grid by connect-the-dots on its own hockey-stick curve
 * (Doroshenko et al. 2022, Algorithm 1, applied to a discrete PLD): the result dominates the input,
 * so it is still an upper bound, and its error is second order in the interval.
 */
import { PrivacyError } from '../../errors';
import { convolve, selfConvolveWindow } from './fft-convolution';

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
   * Σ pᵢ e^{−ℓᵢ} underflows with plain doubles once losses pass ~745 nats (and the answer would
   * silently degrade to a loss quantile, up to ~1 nat too large), so it is kept as
   * `scaled`·e^{−ref}, rescaled as the walk down the losses makes e^{ref − ℓ} large.
   */
  epsilonForDelta(delta: number): number {
    if (this.infinityMass > delta) return Infinity;
    const probs = this.probs;
    const stepUp = Math.exp(this.interval);
    let massUpper = this.infinityMass;
    let ref = this.loss(probs.length - 1);
    let scaled = 0; // Σ pᵢ e^{ref − ℓᵢ} over the losses passed
    let factor = 1; // e^{ref − ℓᵢ} at the current index i
    for (let i = probs.length - 1; i >= 0; i--) {
      // Stop once ε = log(massUpper − δ) − log Σ pᵢ e^{−ℓᵢ} is at least this loss.
      if (massUpper > delta && (massUpper - delta) * factor >= scaled) break;
      const p = probs[i] as number;
      if (p > 0) {
        massUpper += p;
        scaled += p * factor;
      }
      if (((probs.length - i) & 1023) === 0) factor = Math.exp(ref - this.loss(i - 1));
      else factor *= stepUp;
      if (factor > 1e200) {
        scaled /= factor;
        ref = this.loss(i - 1);
        factor = 1;
      }
    }
    if (massUpper <= delta) return 0;
    return Math.max(0, Math.log(massUpper - delta) - Math.log(scaled) + ref);
  }

  /** The PLD of running both mechanisms (convolution of the losses). Both must be on the same grid. */
  compose(other: PldPmf, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PldPmf {
    if (other.interval !== this.interval) {
      throw new PrivacyError('NUMERICAL_FAILURE', `cannot compose PLDs on different grids (${this.interval} and ${other.interval}).`);
    }
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

  /**
   * The same PLD on the grid `factor` (an integer ≥ 2) times coarser, pessimistically. Its δ(ε) is
   * computed exactly at the coarse grid points, which are fine grid points too, and the dots are
   * connected: δ is convex in e^ε, so the chords lie above the fine curve between grid points; above
   * the top point both curves equal the mass at +∞; below the bottom point (under every loss) both
   * are straight lines in e^ε through the same point, the coarse one ending at total mass 1. The
   * coarse PLD therefore dominates this one (δ(ε) at least as large for every ε), which composition
   * preserves: figures computed after coarsening remain upper bounds.
   */
  coarsen(factor: number): PldPmf {
    if (!Number.isSafeInteger(factor) || factor < 2) {
      throw new PrivacyError('NUMERICAL_FAILURE', `a PLD grid can only be coarsened by an integer factor ≥ 2; got ${factor}.`);
    }
    const n = this.probs.length;
    const low = Math.floor(this.lowerIndex / factor);
    const high = Math.ceil((this.lowerIndex + n - 1) / factor);
    const deltas = new Float64Array(high - low + 1);
    // Walking down the fine grid from its top index t: above = Σ_{i>t} pᵢ and
    // hinge = Σ_{i>t} pᵢ (1 − e^{−(i−t)·h}), so that δ(ℓ_t) = p∞ + hinge. Every term is ≥ 0.
    const decay = Math.exp(-this.interval);
    const gain = -Math.expm1(-this.interval);
    let above = 0;
    let hinge = 0;
    let t = n - 1;
    for (let j = high; j >= low; j--) {
      const target = j * factor - this.lowerIndex; // fine index of the coarse point (may lie off the array)
      for (; t > target; t--) {
        above += t < n && t >= 0 ? (this.probs[t] as number) : 0;
        hinge = gain * above + decay * hinge;
      }
      deltas[j - low] = this.infinityMass + hinge;
    }
    return connectTheDots(this.interval * factor, low, deltas);
  }
}

/**
 * The pessimistic connect-the-dots PMF on the losses k·interval, k = lower … lower + n − 1, from the
 * δ of the privacy curve at those losses (dp_accounting
 * `create_pmf_pessimistic_connect_dots_fixed_gap`). `deltas` is overwritten.
 */
export function connectTheDots(interval: number, lower: number, deltas: Float64Array): PldPmf {
  const n = deltas.length;
  for (let i = 1; i < n; i++) deltas[i] = Math.min(deltas[i] as number, deltas[i - 1] as number);
  if (n === 1) return new PldPmf(interval, lower, Float64Array.of(1 - (deltas[0] as number)), deltas[0] as number);
  const em1 = Math.expm1(interval);
  const e = Math.exp(interval);
  const probs = new Float64Array(n);
  const diff = (i: number): number => (deltas[i + 1] as number) - (deltas[i] as number);
  probs[0] = 1 - (deltas[0] as number) + diff(0) / em1;
  for (let i = 1; i < n - 1; i++) probs[i] = (diff(i) - diff(i - 1) * e) / em1;
  probs[n - 1] = diff(n - 2) / Math.expm1(-interval);
  for (let i = 0; i < n; i++) if (!((probs[i] as number) > 0)) probs[i] = 0;
  return new PldPmf(interval, lower, probs, deltas[n - 1] as number);
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
