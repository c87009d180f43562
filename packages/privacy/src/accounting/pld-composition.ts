/**
 * The PLD accountant's running composition, kept in two parts on one grid so that a round costs the
 * same at round 10 as at round 10,000: `base`, the composition up to the last fold (large: its
 * support grows like √rounds), and `recent`, the composition of the releases since (small). A new
 * release is convolved into `recent` only, and ε(δ), δ(ε) of base ⊛ recent are evaluated without
 * convolving the two (`analysis/pld-split.ts`): one pass over `recent` per point of a binary search.
 *
 * Folding recent into base costs one convolution of base's size. It is done once the passes over
 * `recent` since the last fold add up to more than that (rent or buy), so its cost is spread over
 * the rounds in between and a round's cost stays flat on average. A fold also happens when base ⊛
 * recent would not fit in `maxGridPoints`; then `composeOnto` widens the grid (pessimistically, as a
 * composition in one go does once it would not fit) far enough to leave a quarter of the points
 * free, so that a long run at the cap widens its grid now and then instead of folding every round.
 */
import { composeOnGrid, composeOnto } from './analysis/pld-compose';
import type { ComposedPld, PldComposeOptions, PldGroup, PmfSource } from './analysis/pld-compose';
import type { PldPmf } from './analysis/pld-pmf';
import { composedDeltaForEpsilon, composedEpsilonForDelta, HockeyStickTables } from './analysis/pld-split';

/** Fold once the grid points visited in `recent` since the last fold exceed this many times base's size. */
const FOLD_AFTER = 3;
/** Share of maxGridPoints left free when a fold must widen the grid. */
const HEADROOM = 0.25;

const sizeOf = (pld: ComposedPld): number => pld.remove.size + (pld.add === pld.remove ? 0 : pld.add.size);

/** A composition to answer queries from: base ⊛ recent (recent null: base alone). */
export class ComposedAnswer {
  constructor(
    private readonly base: ComposedPld,
    private readonly tables: { remove: HockeyStickTables; add: HockeyStickTables } | null,
    private readonly recent: ComposedPld | null,
  ) {}

  get interval(): number {
    return this.base.interval;
  }

  /** ε(δ) for both add and remove neighbours. */
  epsilonForDelta(delta: number): number {
    const { base, tables, recent } = this;
    if (recent === null || tables === null) return Math.max(base.remove.epsilonForDelta(delta), base.add.epsilonForDelta(delta));
    return Math.max(composedEpsilonForDelta(tables.remove, recent.remove, delta), composedEpsilonForDelta(tables.add, recent.add, delta));
  }

  /** δ(ε) for both add and remove neighbours. */
  deltaForEpsilon(epsilon: number): number {
    const { base, tables, recent } = this;
    if (recent === null || tables === null) return Math.max(base.remove.deltaForEpsilon(epsilon), base.add.deltaForEpsilon(epsilon));
    return Math.max(
      composedDeltaForEpsilon(tables.remove, recent.remove, epsilon),
      composedDeltaForEpsilon(tables.add, recent.add, epsilon),
    );
  }
}

export class PldComposition {
  private base: ComposedPld | null = null;
  private tables: { remove: HockeyStickTables; add: HockeyStickTables } | null = null;
  private recent: ComposedPld | null = null;
  /** Grid points of `recent` visited by queries since the last fold. */
  private visited = 0;

  constructor(
    private readonly options: PldComposeOptions,
    private readonly pmfOf: PmfSource,
  ) {}

  /** Composes groups of releases in. */
  add(groups: readonly PldGroup[]): void {
    if (groups.length === 0) return;
    if (this.base === null) {
      this.setBase(composeOnto(null, groups, this.options, this.pmfOf));
      return;
    }
    const recent = this.onBaseGrid(this.recent, groups);
    if (recent === null) {
      // No room left on this grid: fold, widening the grid now unless a quarter of maxGridPoints
      // stays free, so that the rounds that follow find room again instead of folding every time.
      const roomy = { ...this.options, maxGridPoints: Math.floor((1 - HEADROOM) * this.options.maxGridPoints) };
      this.setBase(composeOnto(this.folded(), groups, roomy, this.pmfOf));
    } else {
      this.recent = recent;
    }
    if (this.recent !== null && this.visited >= FOLD_AFTER * (sizeOf(this.base as ComposedPld) + sizeOf(this.recent))) {
      this.setBase(this.folded());
    }
  }

  /** The composition so far with `extra` composed in (without keeping it): the q = 1 releases. */
  answer(extra: readonly PldGroup[]): ComposedAnswer {
    if (this.base === null) return new ComposedAnswer(composeOnto(null, extra, this.options, this.pmfOf), null, null);
    const recent = extra.length === 0 ? this.recent : this.onBaseGrid(this.recent, extra);
    if (recent === null) {
      return new ComposedAnswer(extra.length === 0 ? this.base : composeOnto(this.folded(), extra, this.options, this.pmfOf), null, null);
    }
    this.tables ??= { remove: new HockeyStickTables(this.base.remove), add: new HockeyStickTables(this.base.add) };
    this.visited += sizeOf(recent);
    return new ComposedAnswer(this.base, this.tables, recent);
  }

  private setBase(base: ComposedPld): void {
    this.base = base;
    this.tables = null;
    this.recent = null;
    this.visited = 0;
  }

  /** base ⊛ recent as one PLD. */
  private folded(): ComposedPld {
    const base = this.base as ComposedPld;
    const recent = this.recent;
    if (recent === null) return base;
    const { tailMassTruncation } = this.options;
    const remove = base.remove.compose(recent.remove, tailMassTruncation);
    const add: PldPmf =
      base.add === base.remove && recent.add === recent.remove ? remove : base.add.compose(recent.add, tailMassTruncation);
    return { remove, add, interval: base.interval };
  }

  /**
   * `recent` with `groups` composed in on the base's grid, or null when base ⊛ the result would not
   * fit in maxGridPoints there (the caller then folds and lets `composeOnto` widen the grid).
   */
  private onBaseGrid(recent: ComposedPld | null, groups: readonly PldGroup[]): ComposedPld | null {
    const base = this.base as ComposedPld;
    const room = this.options.maxGridPoints - Math.max(base.remove.size, base.add.size) + 1;
    if (room < 1) return null;
    return composeOnGrid(recent, groups, { ...this.options, valueDiscretizationInterval: base.interval, maxGridPoints: room }, this.pmfOf);
  }
}
