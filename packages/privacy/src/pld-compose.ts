/**
 * Composition of a history of Poisson-subsampled Gaussian releases into two pessimistic PLDs (add
 * and remove directions), from which ε(δ) = max of the two directions, as dp_accounting's
 * `PLDAccountant` does (Doroshenko et al. 2022, "Connect the Dots: Tighter Discrete Approximations
 * of Privacy Loss Distributions", for the discretisation; Koskela et al. 2020 for FFT composition).
 *
 * - Identical releases are grouped and composed by one FFT power (`selfCompose`), not one by one.
 * - Releases with q = 1 are plain Gaussians; they compose exactly into one Gaussian with
 *   1/σ² = Σ count/σ² (as dp_accounting does for `GaussianDpEvent`), discretised once — so their
 *   error does not grow with the number of steps.
 * - When a composed support would exceed `maxGridPoints`, the grid interval is widened until it
 *   fits. Coarser grids are still pessimistic (upper bounds), only looser.
 */
import type { HistoryEntry } from './accountant-history';
import { PrivacyError } from './errors';
import { gridIndices, subsampledGaussianPmf, SubsampledGaussianLoss } from './pld-gaussian';
import type { Adjacency } from './pld-gaussian';
import { PldPmf, selfConvolveBounds } from './pld-pmf';

export interface PldComposeOptions {
  /** Requested grid spacing of losses, in nats. */
  valueDiscretizationInterval: number;
  /** Largest number of grid points of a composed PLD. */
  maxGridPoints: number;
  /** Mass each composition may move pessimistically to +∞ or up to the first kept loss. */
  tailMassTruncation: number;
}

export interface ComposedPld {
  remove: PldPmf;
  add: PldPmf;
  /** Grid spacing actually used (≥ the requested one). */
  interval: number;
}

interface Part {
  pmf: PldPmf;
  bounds: [number, number];
  count: number;
}

interface Group {
  sigma: number;
  q: number;
  count: number;
}

/** Groups identical releases; merges all q = 1 releases into one Gaussian. `null` when σ = 0 somewhere. */
function groupHistory(history: readonly HistoryEntry[]): Group[] | null {
  const groups = new Map<string, Group>();
  let inverseVariance = 0;
  for (const { noiseMultiplier: sigma, sampleRate: q, count } of history) {
    if (q === 0) continue;
    if (sigma === 0) return null;
    if (q === 1) inverseVariance += count / (sigma * sigma);
    else {
      const key = `${sigma}:${q}`;
      const g = groups.get(key);
      if (g) g.count += count;
      else groups.set(key, { sigma, q, count });
    }
  }
  const list = [...groups.values()];
  if (inverseVariance > 0) list.push({ sigma: 1 / Math.sqrt(inverseVariance), q: 1, count: 1 });
  return list;
}

const DIRECTIONS: readonly Adjacency[] = ['remove', 'add'];

/** Composes the history; returns `null` when a release has σ = 0 (no privacy: ε = ∞). */
export function composeHistory(history: readonly HistoryEntry[], options: PldComposeOptions): ComposedPld | null {
  const groups = groupHistory(history);
  if (groups === null) return null;
  const { maxGridPoints, tailMassTruncation } = options;
  let interval = options.valueDiscretizationInterval;
  for (let attempt = 0; attempt < 12; attempt++) {
    // 1. Every single-release grid must fit.
    let widest = 0;
    for (const g of groups) {
      for (const dir of g.q === 1 ? DIRECTIONS.slice(0, 1) : DIRECTIONS) {
        const [lo, hi] = gridIndices(new SubsampledGaussianLoss(g.sigma, g.q, dir), interval);
        widest = Math.max(widest, hi - lo + 1);
      }
    }
    if (widest > maxGridPoints) {
      interval *= (1.05 * widest) / maxGridPoints;
      continue;
    }
    // 2. Discretise, bound each self-composition's support, and check the total fits.
    const plan = groups.map((g) => {
      const part = (dir: Adjacency): Part => {
        const pmf = subsampledGaussianPmf(g.sigma, g.q, dir, interval);
        const bounds: [number, number] =
          g.count > 1 ? selfConvolveBounds(pmf.probs, g.count, tailMassTruncation) : [0, pmf.size - 1];
        return { pmf, bounds, count: g.count };
      };
      const remove = part('remove');
      return { remove, add: g.q === 1 ? remove : part('add') }; // q = 1: the two directions coincide
    });
    const width = (dir: Adjacency): number => plan.reduce((sum, p) => sum + p[dir].bounds[1] - p[dir].bounds[0] + 1, 0);
    const total = Math.max(width('remove'), width('add'));
    if (total > maxGridPoints) {
      interval *= (1.05 * total) / maxGridPoints;
      continue;
    }
    // 3. Compose: one FFT power per group, then convolve the groups.
    const composed = DIRECTIONS.map((dir) =>
      plan
        .map((p) => p[dir].pmf.selfCompose(p[dir].count, tailMassTruncation, p[dir].bounds))
        .reduce<PldPmf | undefined>((acc, pmf) => (acc ? acc.compose(pmf, tailMassTruncation) : pmf), undefined),
    ).map((pmf) => pmf ?? PldPmf.identity(interval));
    return { remove: composed[0] as PldPmf, add: composed[1] as PldPmf, interval };
  }
  throw new PrivacyError('NUMERICAL_FAILURE', `the composed PLD does not fit in maxGridPoints (${maxGridPoints}) grid points.`);
}
