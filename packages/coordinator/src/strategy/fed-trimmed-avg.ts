/**
 * FedTrimmedAvg: the coordinate-wise β-trimmed mean of the clients' deltas (Yin, Chen, Ramchandran,
 * Bartlett, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", ICML 2018).
 * At each coordinate the k = ⌊β·n⌋ largest and k smallest of the n values are removed and the rest
 * averaged. While at most k updates are Byzantine, every coordinate stays within the honest values'
 * range.
 *
 * Unweighted (every update counts once, whatever it claims), sampling and evaluation as FedAvg; see
 * robust-strategy.ts. With β > 0 the rule needs n ≥ minResults, the fewest n for which ⌊β·n⌋ ≥ 1
 * (with fewer, nothing would be trimmed and one client could move the mean arbitrarily).
 */
import { CoordinatorError } from '../errors';
import { RobustStrategy, coordinateWise, type RobustOptions, type Update } from './robust-strategy';

export interface FedTrimmedAvgOptions extends RobustOptions {
  /** β: the fraction of values trimmed at each end of every coordinate, in [0, 0.5). @default 0.1 */
  beta?: number;
}

export class FedTrimmedAvg extends RobustStrategy {
  readonly name: string;
  readonly minResults: number;
  readonly beta: number;

  constructor(options: FedTrimmedAvgOptions = {}) {
    super('FedTrimmedAvg', options);
    this.beta = options.beta ?? 0.1;
    if (!(this.beta >= 0 && this.beta < 0.5))
      throw new CoordinatorError('INVALID_OPTION', `FedTrimmedAvg option beta must be in [0, 0.5), got ${this.beta}.`);
    this.name = `FedTrimmedAvg(beta=${this.beta})`;
    let n = 1;
    while (this.beta > 0 && trimCount(this.beta, n) < 1) n++;
    this.minResults = n;
  }

  protected combine(updates: readonly Update[]): Float64Array[] {
    return trimmedMean(updates, trimCount(this.beta, updates.length));
  }
}

/** k = ⌊β·n⌋, the values trimmed at each end (a tolerance of 1e-9 keeps 0.29 × 100 at 29). */
export function trimCount(beta: number, n: number): number {
  return Math.floor(beta * n + 1e-9);
}

/** The coordinate-wise mean after removing the `trim` largest and `trim` smallest values, in float64. */
export function trimmedMean(updates: readonly Update[], trim: number): Float64Array[] {
  const n = updates.length;
  if (!(Number.isInteger(trim) && trim >= 0 && n - 2 * trim >= 1)) {
    throw new CoordinatorError('INVALID_OPTION', `a trimmed mean of ${n} updates cannot trim ${trim} at each end.`);
  }
  return coordinateWise(updates, (column) => {
    column.sort();
    let sum = 0;
    for (let k = trim; k < n - trim; k++) sum += column[k]!;
    return sum / (n - 2 * trim);
  });
}
