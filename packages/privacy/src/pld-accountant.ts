/**
 * Privacy-loss-distribution accountant for the Poisson-subsampled Gaussian, the tighter companion
 * of `RdpAccountant`, after dp_accounting's `PLDAccountant` (add-or-remove-one neighbouring,
 * pessimistic connect-the-dots discretisation at 1e-4 nats, FFT composition): Doroshenko, Ghazi,
 * Kamath, Kumar, Manurangsi (2022), "Connect the Dots: Tighter Discrete Approximations of Privacy
 * Loss Distributions". ε(δ) is the larger of the add and remove directions.
 *
 * The composed PLD is computed on demand from the history and cached until the next `step()`;
 * 10,000 identical steps cost one FFT power per direction.
 */
import { appendEntry, parseState, validateStep } from './accountant-history';
import type { AccountantState, GaussianStep, HistoryEntry } from './accountant-history';
import { PrivacyError } from './errors';
import { composeHistory } from './pld-compose';
import type { ComposedPld } from './pld-compose';
import { DEFAULT_TAIL_MASS_TRUNCATION } from './pld-pmf';
import { requireDelta, requireEpsilon, requireInteger, requireNumberInRange } from './validation';

export interface PldAccountantOptions {
  /**
   * Grid spacing of privacy losses, in nats. Smaller is tighter and slower.
   * @default 1e-4 (dp_accounting's PLDAccountant)
   */
  valueDiscretizationInterval?: number;
  /**
   * Largest number of grid points of a composed PLD (memory ≈ 60 bytes per point during an FFT).
   * When a composition would need more, the interval is widened until it fits; results stay upper
   * bounds. See `effectiveInterval`.
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
    valueDiscretizationInterval: requireNumberInRange(
      'valueDiscretizationInterval',
      options.valueDiscretizationInterval ?? 1e-4,
      1e-8,
      1,
    ),
    maxGridPoints: requireInteger('maxGridPoints', options.maxGridPoints ?? 2 ** 21, 2 ** 10, 2 ** 25),
    tailMassTruncation: requireNumberInRange('tailMassTruncation', options.tailMassTruncation ?? DEFAULT_TAIL_MASS_TRUNCATION, 0, 1e-6),
  };
}

export class PldAccountant {
  readonly options: Readonly<ResolvedOptions>;
  private readonly entries: HistoryEntry[] = [];
  private cache: ComposedPld | null | undefined;

  constructor(options: PldAccountantOptions = {}) {
    this.options = Object.freeze(resolveOptions(options));
  }

  /** Composes `count` releases of the Poisson-subsampled Gaussian. */
  step(step: GaussianStep, count = 1): this {
    appendEntry(this.entries, validateStep(step, count));
    this.cache = undefined;
    return this;
  }

  /** The releases composed so far (consecutive identical releases merged). */
  get history(): readonly Readonly<HistoryEntry>[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** The grid spacing used by the last computation (≥ the configured one), or undefined before any. */
  get effectiveInterval(): number | undefined {
    return this.cache ? this.cache.interval : undefined;
  }

  private composed(): ComposedPld | null {
    if (this.cache === undefined) this.cache = composeHistory(this.entries, this.options);
    return this.cache;
  }

  /** The smallest ε such that the composition is (ε, δ)-DP for both add and remove neighbours. */
  getEpsilon(delta: number): number {
    requireDelta('delta', delta);
    const pld = this.composed();
    if (pld === null) return Infinity;
    return Math.max(pld.remove.epsilonForDelta(delta), pld.add.epsilonForDelta(delta));
  }

  /** The smallest δ such that the composition is (ε, δ)-DP for both add and remove neighbours. */
  getDelta(epsilon: number): number {
    requireEpsilon('epsilon', epsilon);
    const pld = this.composed();
    if (pld === null) return 1;
    return Math.max(pld.remove.deltaForEpsilon(epsilon), pld.add.deltaForEpsilon(epsilon));
  }

  toJSON(): PldAccountantState {
    return { kind: 'pld', version: 1, options: { ...this.options }, history: this.entries.map((e) => ({ ...e })) };
  }

  /** Rebuilds an accountant by replaying a state produced by `toJSON()`. */
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
