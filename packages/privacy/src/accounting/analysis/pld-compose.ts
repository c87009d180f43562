/**
 * Composition of Poisson-subsampled Gaussian releases into two pessimistic PLDs (add and remove
 * directions), from which ε(δ) = max of the two directions, as dp_accounting's `PLDAccountant` does
 * (Doroshenko et al. 2022, "Connect the Dots: Tighter Discrete Approximations of Privacy Loss
 * Distributions", for the discretisation; Koskela et al. 2020 for FFT composition).
 *
 * - `composeOnto(base, groups)` composes groups of identical releases onto an already composed PLD
 *   (or onto nothing): one FFT power per group (`selfCompose`), then one convolution per group. The
 *   PLD accountant keeps its running composition and calls this with only the new releases, so a
 *   round costs one convolution whatever the number of rounds before it.
 * - Releases with q = 1 are plain Gaussians; they compose exactly into one Gaussian with
 *   1/σ² = Σ count/σ² (as dp_accounting does for `GaussianDpEvent`), discretised once — so their
 *   error does not grow with the number of steps.
 * - When a composed support would exceed `maxGridPoints`, the grid interval is widened until it
 *   fits. New releases are discretised on the wider grid; an already composed `base` is moved onto it
 *   by `PldPmf.coarsen` (by a power of two, so the grids align), which dominates its input. Coarser
 *   grids are therefore still pessimistic (upper bounds), only looser.
 */
import { PrivacyError } from '../../errors';
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

/** `count` identical releases of the subsampled Gaussian with noise multiplier σ and rate q ∈ (0, 1]. */
export interface PldGroup {
  sigma: number;
  q: number;
  count: number;
}

/** A release as the accountants record it (structurally their `HistoryEntry`). */
export interface PldRelease {
  noiseMultiplier: number;
  sampleRate: number;
  count: number;
}

/** The discretised PLD of one release; the accountant passes a cached one. */
export type PmfSource = (sigma: number, q: number, adjacency: Adjacency, interval: number) => PldPmf;

export interface GroupedReleases {
  /** Identical releases with q ∈ (0, 1) grouped, in order of first appearance. */
  groups: PldGroup[];
  /** Σ count/σ² over the releases with q = 1 (0 when there are none). */
  gaussianInverseVariance: number;
}

/** Groups identical releases, skipping q = 0, and sums the q = 1 ones. `null` when σ = 0 somewhere. */
export function groupReleases(releases: readonly PldRelease[]): GroupedReleases | null {
  const groups = new Map<string, PldGroup>();
  let gaussianInverseVariance = 0;
  for (const { noiseMultiplier: sigma, sampleRate: q, count } of releases) {
    if (q === 0) continue;
    if (sigma === 0) return null;
    if (q === 1) gaussianInverseVariance += count / (sigma * sigma);
    else {
      const key = `${sigma}:${q}`;
      const g = groups.get(key);
      if (g) g.count += count;
      else groups.set(key, { sigma, q, count });
    }
  }
  return { groups: [...groups.values()], gaussianInverseVariance };
}

/** The single group standing for every q = 1 release: one Gaussian with 1/σ² = Σ count/σ². */
export function gaussianGroup(inverseVariance: number): PldGroup[] {
  return inverseVariance > 0 ? [{ sigma: 1 / Math.sqrt(inverseVariance), q: 1, count: 1 }] : [];
}

const DIRECTIONS: readonly Adjacency[] = ['remove', 'add'];
const MAX_ATTEMPTS = 24;

interface Part {
  pmf: PldPmf;
  bounds: [number, number];
  count: number;
}

/**
 * `base` (or the identity when null) composed with every group, on `base`'s grid unless the result
 * would exceed `maxGridPoints`. `base` is not modified.
 */
export function composeOnto(
  base: ComposedPld | null,
  groups: readonly PldGroup[],
  options: PldComposeOptions,
  pmfOf: PmfSource = subsampledGaussianPmf,
): ComposedPld {
  return compose(base, groups, options, pmfOf, true) as ComposedPld;
}

/**
 * `base` (or the identity when null) composed with every group on the grid `options` starts from
 * (`base`'s, or `valueDiscretizationInterval`), or null when the result would not fit in
 * `maxGridPoints` there. Nothing is discretised on another grid.
 */
export function composeOnGrid(
  base: ComposedPld | null,
  groups: readonly PldGroup[],
  options: PldComposeOptions,
  pmfOf: PmfSource = subsampledGaussianPmf,
): ComposedPld | null {
  return compose(base, groups, options, pmfOf, false);
}

function compose(
  base: ComposedPld | null,
  groups: readonly PldGroup[],
  options: PldComposeOptions,
  pmfOf: PmfSource,
  mayWiden: boolean,
): ComposedPld | null {
  const { maxGridPoints, tailMassTruncation } = options;
  let current = base;
  let interval = base?.interval ?? options.valueDiscretizationInterval;
  const widen = (needed: number): void => {
    const factor = (1.05 * needed) / maxGridPoints;
    if (current === null) {
      interval *= factor;
      return;
    }
    const m = 2 ** Math.max(1, Math.ceil(Math.log2(factor)));
    const remove = current.remove.coarsen(m);
    current = { remove, add: current.add === current.remove ? remove : current.add.coarsen(m), interval: remove.interval };
    interval = remove.interval;
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // 1. Every single-release grid must fit.
    let widest = 0;
    for (const g of groups) {
      for (const dir of g.q === 1 ? DIRECTIONS.slice(0, 1) : DIRECTIONS) {
        const [lo, hi] = gridIndices(new SubsampledGaussianLoss(g.sigma, g.q, dir), interval);
        widest = Math.max(widest, hi - lo + 1);
      }
    }
    if (widest > maxGridPoints) {
      if (!mayWiden) return null;
      widen(widest);
      continue;
    }
    // 2. Discretise, bound each self-composition's support, and check the total fits.
    const plan = groups.map((g) => {
      const part = (dir: Adjacency): Part => {
        const pmf = pmfOf(g.sigma, g.q, dir, interval);
        const bounds: [number, number] = g.count > 1 ? selfConvolveBounds(pmf.probs, g.count, tailMassTruncation) : [0, pmf.size - 1];
        return { pmf, bounds, count: g.count };
      };
      const remove = part('remove');
      return { remove, add: g.q === 1 ? remove : part('add') }; // q = 1: the two directions coincide
    });
    const width = (dir: Adjacency): number =>
      plan.reduce((sum, p) => sum + p[dir].bounds[1] - p[dir].bounds[0] + 1, current ? current[dir].size : 0);
    const total = Math.max(width('remove'), width('add'));
    if (total > maxGridPoints) {
      if (!mayWiden) return null;
      widen(total);
      continue;
    }
    // 3. Compose: one FFT power per group, then one convolution per group onto the base.
    const start = current;
    const [remove, add] = DIRECTIONS.map((dir) =>
      plan
        .map((p) => p[dir].pmf.selfCompose(p[dir].count, tailMassTruncation, p[dir].bounds))
        .reduce<PldPmf | undefined>((acc, pmf) => (acc ? acc.compose(pmf, tailMassTruncation) : pmf), start?.[dir]),
    ).map((pmf) => pmf ?? PldPmf.identity(interval)) as [PldPmf, PldPmf];
    return { remove, add, interval };
  }
  throw new PrivacyError('NUMERICAL_FAILURE', `the composed PLD does not fit in maxGridPoints (${maxGridPoints}) grid points.`);
}

/** Composes a whole history in one go; returns `null` when a release has σ = 0 (no privacy: ε = ∞). */
export function composeHistory(history: readonly PldRelease[], options: PldComposeOptions, pmfOf?: PmfSource): ComposedPld | null {
  const grouped = groupReleases(history);
  if (grouped === null) return null;
  return composeOnto(null, [...grouped.groups, ...gaussianGroup(grouped.gaussianInverseVariance)], options, pmfOf);
}
