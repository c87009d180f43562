/**
 * ε(δ) and δ(ε) of the composition of two PLDs on one grid, `base` ⊛ `recent`, without convolving
 * them. Conditioning on the recent loss ℓⱼ,
 *
 *   δ_Z(a·h) = p∞ + Σⱼ Qⱼ · G(a − j),   G(m) = Σ_{i>m} Pᵢ (1 − e^{−(i−m)h})
 *
 * where Z = base ⊛ recent, P and Q their masses and p∞ the composition's mass at +∞. With G (and
 * H(m) = Σ_{i>m} Pᵢ e^{−(i−m)h}) tabulated once per base, δ at a grid point costs one pass over the
 * recent PLD, and ε(δ) a binary search of those (δ_Z falls with the loss). The answers are those of
 * `PldPmf.epsilonForDelta` / `deltaForEpsilon` on the convolved PLD — the same formulas, every term
 * non-negative — up to round-off and the tail mass a convolution would truncate (≤ 1e-15).
 *
 * The PLD accountant keeps its composition in two parts: a large `base`, folded rarely, and the
 * small composition of the releases since; a round then costs a pass over the small part only.
 */
import { PrivacyError } from '../../errors';
import type { PldPmf } from './pld-pmf';

/** The tables of `base` that the evaluations need. */
export class HockeyStickTables {
  /** G(lower + k) for k = 0 … n − 1: the δ-curve of `base` at its own grid points, minus its mass at +∞. */
  private readonly g: Float64Array;
  /** H(lower + k): Σ_{i>k} Pᵢ e^{−(i−k)h}. */
  private readonly h: Float64Array;
  /** Σ Pᵢ e^{−(i−lower+1)h}, for thresholds below the support. */
  private readonly belowH: number;
  private readonly total: number;

  constructor(readonly base: PldPmf) {
    const { probs, interval } = base;
    const n = probs.length;
    const decay = Math.exp(-interval);
    const gain = -Math.expm1(-interval);
    this.g = new Float64Array(n);
    this.h = new Float64Array(n);
    let above = 0;
    for (let k = n - 2; k >= 0; k--) {
      const next = probs[k + 1] as number;
      above += next;
      this.h[k] = decay * ((this.h[k + 1] as number) + next);
      this.g[k] = gain * above + decay * (this.g[k + 1] as number);
    }
    this.total = above + (probs[0] as number);
    this.belowH = decay * ((this.h[0] as number) + (probs[0] as number));
  }

  /**
   * Σⱼ Qⱼ G(a − j) and Σⱼ Qⱼ H(a − j) over the recent PLD's finite losses: the δ-curve of the
   * composition at the grid point `a` (minus its mass at +∞) and the weight that turns it into ε.
   */
  sums(recent: PldPmf, a: number): { g: number; h: number } {
    const { probs } = recent;
    const n = this.g.length;
    const lower = this.base.lowerIndex;
    const interval = this.base.interval;
    let g = 0;
    let h = 0;
    // Base index k = a − (recent.lowerIndex + j) − lower, falling as j rises.
    const k0 = a - recent.lowerIndex - lower;
    const jStart = Math.max(0, k0 - (n - 2)); // k ≥ n − 1: nothing above, G = H = 0
    const jInside = Math.min(probs.length, k0 + 1); // j < jInside: 0 ≤ k ≤ n − 2
    for (let j = jStart; j < jInside; j++) {
      const q = probs[j] as number;
      if (q === 0) continue;
      g += q * (this.g[k0 - j] as number);
      h += q * (this.h[k0 - j] as number);
    }
    // Below the support (k < 0): H = e^{−(−k−1)h}·belowH and G = total − H. The factor is advanced
    // by multiplication and refreshed every 1024 steps.
    const decay = Math.exp(-interval);
    const first = Math.max(jInside, jStart);
    let factor = 0;
    for (let j = first; j < probs.length; j++) {
      factor = (j - first) % 1024 === 0 ? Math.exp(-(j - k0 - 1) * interval) : factor * decay;
      const q = probs[j] as number;
      if (q === 0) continue;
      const hj = factor * this.belowH;
      g += q * (this.total - hj);
      h += q * hj;
    }
    return { g, h };
  }
}

/** Mass at +∞ of the composition. */
function infinityOf(base: PldPmf, recent: PldPmf): number {
  return base.infinityMass + recent.infinityMass - base.infinityMass * recent.infinityMass;
}

function requireSameGrid(base: PldPmf, recent: PldPmf): void {
  if (base.interval !== recent.interval) {
    throw new PrivacyError('NUMERICAL_FAILURE', `cannot compose PLDs on different grids (${base.interval} and ${recent.interval}).`);
  }
}

/** The smallest ε ≥ 0 with δ(ε) ≤ delta for `tables.base` ⊛ `recent` (as `PldPmf.epsilonForDelta` of the convolution). */
export function composedEpsilonForDelta(tables: HockeyStickTables, recent: PldPmf, delta: number): number {
  const base = tables.base;
  requireSameGrid(base, recent);
  const infinity = infinityOf(base, recent);
  if (infinity > delta) return Infinity;
  // The largest threshold a (losses above a counted) with δ_Z(a·h) ≥ δ, in [bottom, top].
  const bottom = base.lowerIndex + recent.lowerIndex - 1;
  const top = bottom + base.size + recent.size - 2;
  const reaches = (a: number): boolean => {
    const { g, h } = tables.sums(recent, a);
    return infinity + g + h > delta && infinity + g >= delta;
  };
  let a = bottom;
  if (reaches(bottom)) {
    let lo = bottom; // reaches(lo)
    let hi = top + 1; // !reaches(hi): above the top loss nothing is left but the mass at +∞
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (reaches(mid)) lo = mid;
      else hi = mid;
    }
    a = lo;
  }
  const { g, h } = tables.sums(recent, a);
  const upper = infinity + g + h; // mass above a
  if (upper <= delta) return 0;
  return Math.max(0, a * base.interval + Math.log(upper - delta) - Math.log(h));
}

/** δ at which `tables.base` ⊛ `recent` is (ε, δ)-DP (as `PldPmf.deltaForEpsilon` of the convolution). */
export function composedDeltaForEpsilon(tables: HockeyStickTables, recent: PldPmf, epsilon: number): number {
  const base = tables.base;
  requireSameGrid(base, recent);
  const a = Math.floor(epsilon / base.interval);
  const { g, h } = tables.sums(recent, a);
  return Math.min(1, infinityOf(base, recent) + g - Math.expm1(epsilon - a * base.interval) * h);
}
