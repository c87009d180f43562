/**
 * FedMedian: the coordinate-wise median of the clients' deltas (Yin, Chen, Ramchandran, Bartlett,
 * "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", ICML 2018). Each
 * coordinate of the new model is the global one plus the median of the n updates at that
 * coordinate (for even n, the mean of the two middle values). While fewer than half the updates are
 * Byzantine, every coordinate stays between honest values, however large the others are.
 *
 * Unweighted (every update counts once, whatever it claims), sampling and evaluation as FedAvg; see
 * robust-strategy.ts. Defined for n ≥ 1.
 */
import { RobustStrategy, coordinateWise, type RobustOptions, type Update } from './robust-strategy';

export type FedMedianOptions = RobustOptions;

export class FedMedian extends RobustStrategy {
  readonly name = 'FedMedian';
  readonly minResults = 1;

  constructor(options: FedMedianOptions = {}) {
    super('FedMedian', options);
  }

  protected combine(updates: readonly Update[]): Float64Array[] {
    return coordinateMedian(updates);
  }
}

/** The coordinate-wise median of the updates, in float64. */
export function coordinateMedian(updates: readonly Update[]): Float64Array[] {
  return coordinateWise(updates, (column) => {
    column.sort();
    const n = column.length;
    const mid = n >> 1;
    return n % 2 === 1 ? column[mid]! : (column[mid - 1]! + column[mid]!) / 2;
  });
}
