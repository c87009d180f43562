/**
 * Privacy-loss-distribution accountant for the Poisson-subsampled Gaussian, the tighter companion
 * of `RdpAccountant`, after dp_accounting's `PLDAccountant` (add-or-remove-one neighbouring,
 * pessimistic connect-the-dots discretisation at 1e-4 nats, FFT composition): Doroshenko, Ghazi,
 * Kamath, Kumar, Manurangsi (2022), "Connect the Dots: Tighter Discrete Approximations of Privacy
 * Loss Distributions". ε(δ) is the larger of the add and remove directions.
 *
 * The composition is incremental. `step()` only records; the next `getEpsilon`/`getDelta` composes
 * the releases stepped since the last query into the kept composition (`PldComposition`): identical
 * ones grouped and composed by one FFT power, then convolved into the small part of the composition
 * that holds the rounds since its last fold, and ε(δ) of the whole is evaluated without convolving
 * the large part (`analysis/pld-split.ts`). A round's `step` + `getEpsilon` therefore costs about the
 * same at round 10 as at round 10,000; 10,000 identical steps followed by one query still cost one
 * FFT power. Releases with q = 1 compose exactly into one Gaussian, composed in at query time.
 * Stepping k releases one query at a time gives the same ε as stepping them at once, up to
 * floating-point round-off (within 1e-8 relative in the tests), as long as the grid need not widen.
 */
import type { Accountant } from './accountant';
import { appendEntry, parseState, validateStep } from './accountant-history';
import type { AccountantState, GaussianStep, HistoryEntry } from './accountant-history';
import { PrivacyError } from '../errors';
import { gaussianGroup, groupReleases } from './analysis/pld-compose';
import type { PmfSource } from './analysis/pld-compose';
import { subsampledGaussianPmf } from './analysis/pld-gaussian';
import { DEFAULT_TAIL_MASS_TRUNCATION } from './analysis/pld-pmf';
import type { PldPmf } from './analysis/pld-pmf';
import { type ComposedAnswer, PldComposition } from './pld-composition';
import { requireDelta, requireEpsilon, requireInteger, requireNumberInRange } from '../validation';

export interface PldAccountantOptions {
  /**
   * Grid spacing of privacy losses, in nats. Smaller is tighter and slower.
   * @default 1e-4 (dp_accounting's PLDAccountant)
   */
  valueDiscretizationInterval?: number;
  /**
   * Largest number of grid points of a composed PLD (memory ≈ 60 bytes per point during an FFT). It
   * also bounds the cost of a round: once the composed PLD would need more points, the interval is
   * widened (the kept composition is moved onto the coarser grid pessimistically) and a round's
   * convolution stops growing. Results stay upper bounds. See `effectiveInterval`.
   * @default 2 ** 21
   */
  maxGridPoints?: number;
  /**
   * Probability mass each composition may move pessimistically (to +∞) to keep the grid finite.
   * @default 1e-15
   */
  tailMassTruncation?: number;
}

type ResolvedOptions = Required<PldAccountantOptions>;
export type PldAccountantState = AccountantState<'pld', ResolvedOptions>;

function resolveOptions(options: PldAccountantOptions): ResolvedOptions {
  return {
    valueDiscretizationInterval: requireNumberInRange('valueDiscretizationInterval', options.valueDiscretizationInterval ?? 1e-4, 1e-8, 1),
    maxGridPoints: requireInteger('maxGridPoints', options.maxGridPoints ?? 2 ** 21, 2 ** 10, 2 ** 25),
    tailMassTruncation: requireNumberInRange('tailMassTruncation', options.tailMassTruncation ?? DEFAULT_TAIL_MASS_TRUNCATION, 0, 1e-6),
  };
}

/** Discretised single-release PLDs kept per (σ, q, direction, interval): a discretisation costs ~0.1 s. */
const PMF_CACHE_SIZE = 4;

export class PldAccountant implements Accountant {
  readonly kind = 'pld' as const;
  readonly options: Readonly<ResolvedOptions>;
  private readonly entries: HistoryEntry[] = [];
  /** Subsampled releases (0 < q < 1) stepped since the last query. */
  private pending: HistoryEntry[] = [];
  /** A release with σ = 0 and q > 0 was stepped: nothing is private any more. */
  private unbounded = false;
  /** The composition with the q = 1 releases composed in, valid until the next `step()`. */
  private answer: ComposedAnswer | undefined;
  private lastInterval: number | undefined;
  private readonly pmfs = new Map<string, PldPmf>();
  private readonly pmfOf: PmfSource = (sigma, q, adjacency, interval) => {
    if (q === 1) return subsampledGaussianPmf(sigma, q, adjacency, interval); // σ changes with every q = 1 step
    const key = `${sigma}:${q}:${adjacency}:${interval}`;
    let pmf = this.pmfs.get(key);
    if (!pmf) {
      pmf = subsampledGaussianPmf(sigma, q, adjacency, interval);
      if (this.pmfs.size >= PMF_CACHE_SIZE) this.pmfs.delete(this.pmfs.keys().next().value as string);
      this.pmfs.set(key, pmf);
    }
    return pmf;
  };

  /** Composition of every subsampled release before `pending`. */
  private readonly running: PldComposition;

  constructor(options: PldAccountantOptions = {}) {
    this.options = Object.freeze(resolveOptions(options));
    this.running = new PldComposition(this.options, this.pmfOf);
  }

  /** Records `count` releases of the Poisson-subsampled Gaussian; they are composed at the next query. */
  step(step: GaussianStep, count = 1): this {
    const entry = validateStep(step, count);
    appendEntry(this.entries, entry);
    if (entry.sampleRate === 0) return this; // nobody took part: nothing was released about anyone
    this.answer = undefined;
    if (entry.noiseMultiplier === 0) {
      this.unbounded = true;
      this.pending = [];
    } else if (entry.sampleRate < 1 && !this.unbounded) {
      appendEntry(this.pending, entry);
    }
    return this;
  }

  /** The releases composed so far (consecutive identical releases merged). */
  get history(): readonly Readonly<HistoryEntry>[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** The grid spacing used by the last computation (≥ the configured one), or undefined before any. */
  get effectiveInterval(): number | undefined {
    return this.lastInterval;
  }

  private composed(): ComposedAnswer | null {
    if (this.unbounded) return null;
    if (this.answer === undefined) {
      const grouped = groupReleases(this.pending);
      if (grouped) this.running.add(grouped.groups);
      this.pending = [];
      // The q = 1 releases are summed from the whole history, in its order, so that an accountant
      // restored from its JSON adds them up exactly as the original did.
      let inverseVariance = 0;
      for (const e of this.entries) if (e.sampleRate === 1) inverseVariance += e.count / (e.noiseMultiplier * e.noiseMultiplier);
      const gaussian = gaussianGroup(inverseVariance);
      this.answer = this.running.answer(gaussian);
      this.lastInterval = this.answer.interval;
    }
    return this.answer;
  }

  /** The smallest ε such that the composition is (ε, δ)-DP for both add and remove neighbours. */
  getEpsilon(delta: number): number {
    requireDelta('delta', delta);
    const pld = this.composed();
    if (pld === null) return Infinity;
    return pld.epsilonForDelta(delta);
  }

  /** The smallest δ such that the composition is (ε, δ)-DP for both add and remove neighbours. */
  getDelta(epsilon: number): number {
    requireEpsilon('epsilon', epsilon);
    const pld = this.composed();
    if (pld === null) return 1;
    return pld.deltaForEpsilon(epsilon);
  }

  toJSON(): PldAccountantState {
    return { kind: 'pld', version: 1, options: { ...this.options }, history: this.entries.map((e) => ({ ...e })) };
  }

  /**
   * Rebuilds an accountant from a state produced by `toJSON()`. The history is composed afresh at
   * the first query, identical releases grouped (a one-off FFT power per distinct release), so the
   * restored ε equals the original up to round-off — exactly when the original was queried only
   * after stepping the same runs.
   */
  static fromJSON(state: unknown): PldAccountant {
    const { options, history } = parseState(state, 'pld');
    let accountant: PldAccountant;
    try {
      accountant = new PldAccountant(options as PldAccountantOptions);
    } catch (cause) {
      throw new PrivacyError('INVALID_STATE', `cannot restore a pld accountant: ${(cause as Error).message}`, { cause });
    }
    for (const { count, ...step } of history) accountant.step(step, count);
    return accountant;
  }
}
