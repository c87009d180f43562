/**
 * Krum and Multi-Krum (Blanchard, El Mhamdi, Guerraoui, Stainer, "Machine Learning with Adversaries:
 * Byzantine Tolerant Gradient Descent", NeurIPS 2017). Of n updates, up to f of them Byzantine, each
 * update i is scored by the sum of its squared L2 distances (all tensors together, in float64) to
 * its n − f − 2 nearest other updates. Krum takes the update with the lowest score; Multi-Krum takes
 * the m lowest-scored updates and averages them. Both need n > 2f + 2 (Multi-Krum also m ≤ n − f, so
 * that at least f updates are always left out). Ties go to the lower client id.
 *
 * Unweighted (every update counts once, whatever it claims), sampling and evaluation as FedAvg; see
 * robust-strategy.ts.
 */
import { CoordinatorError } from '../errors';
import { RobustStrategy, type RobustOptions, type Update } from './robust-strategy';

export interface KrumOptions extends RobustOptions {
  /** f: the most Byzantine updates tolerated among a round's results, an integer ≥ 0. @default 1 */
  byzantine?: number;
}

export interface MultiKrumOptions extends KrumOptions {
  /** m: the lowest-scored updates averaged, an integer ≥ 1. @default n − f of each round */
  keep?: number;
}

function checkByzantine(owner: string, f: number): void {
  if (!(Number.isInteger(f) && f >= 0))
    throw new CoordinatorError('INVALID_OPTION', `${owner} option byzantine must be an integer of at least 0, got ${f}.`);
}

export class Krum extends RobustStrategy {
  readonly name: string;
  readonly minResults: number;
  readonly byzantine: number;

  constructor(options: KrumOptions = {}) {
    super('Krum', options);
    this.byzantine = options.byzantine ?? 1;
    checkByzantine('Krum', this.byzantine);
    this.name = `Krum(f=${this.byzantine})`;
    this.minResults = 2 * this.byzantine + 3;
  }

  protected combine(updates: readonly Update[]): Float64Array[] {
    return meanOf(updates, krumSelect(updates, this.byzantine, 1));
  }
}

export class MultiKrum extends RobustStrategy {
  readonly name: string;
  readonly minResults: number;
  readonly byzantine: number;
  readonly keep: number | undefined;

  constructor(options: MultiKrumOptions = {}) {
    super('MultiKrum', options);
    this.byzantine = options.byzantine ?? 1;
    checkByzantine('MultiKrum', this.byzantine);
    this.keep = options.keep;
    if (this.keep !== undefined && !(Number.isInteger(this.keep) && this.keep >= 1))
      throw new CoordinatorError('INVALID_OPTION', `MultiKrum option keep must be an integer of at least 1, got ${this.keep}.`);
    this.name = `MultiKrum(f=${this.byzantine}${this.keep === undefined ? '' : `,m=${this.keep}`})`;
    this.minResults = Math.max(2 * this.byzantine + 3, (this.keep ?? 0) + this.byzantine);
  }

  protected combine(updates: readonly Update[]): Float64Array[] {
    return meanOf(updates, krumSelect(updates, this.byzantine, this.keep ?? updates.length - this.byzantine));
  }
}

/** Squared L2 distance between two updates over all their tensors, in float64. */
export function squaredDistance(a: Update, b: Update): number {
  let sum = 0;
  for (let t = 0; t < a.length; t++) {
    const x = a[t]!;
    const y = b[t]!;
    for (let i = 0; i < x.length; i++) {
      const d = x[i]! - y[i]!;
      sum += d * d;
    }
  }
  return sum;
}

/** Each update's Krum score: the sum of its squared distances to its n − f − 2 nearest other updates. */
export function krumScores(updates: readonly Update[], byzantine: number): number[] {
  const n = updates.length;
  if (!(n > 2 * byzantine + 2))
    throw new CoordinatorError(
      'INVALID_OPTION',
      `Krum with byzantine = ${byzantine} needs more than ${2 * byzantine + 2} updates, got ${n}.`,
    );
  const distances = updates.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) distances[i]![j] = distances[j]![i] = squaredDistance(updates[i]!, updates[j]!);
  }
  const neighbours = n - byzantine - 2;
  return distances.map((row, i) => {
    const others = row.filter((_, j) => j !== i).sort();
    let score = 0;
    for (let k = 0; k < neighbours; k++) score += others[k]!;
    return score;
  });
}

/** Indices of the `keep` lowest-scored updates, lowest first (ties to the lower index), 1 ≤ keep ≤ n − f. */
export function krumSelect(updates: readonly Update[], byzantine: number, keep: number): number[] {
  const scores = krumScores(updates, byzantine);
  if (!(Number.isInteger(keep) && keep >= 1 && keep <= updates.length - byzantine))
    throw new CoordinatorError(
      'INVALID_OPTION',
      `Multi-Krum can keep 1 to n − f = ${updates.length - byzantine} of ${updates.length} updates, not ${keep}.`,
    );
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .slice(0, keep)
    .map((s) => s.index);
}

/** The unweighted mean of the chosen updates, in float64. */
export function meanOf(updates: readonly Update[], chosen: readonly number[]): Float64Array[] {
  return updates[0]!.map((tensor, t) => {
    const out = new Float64Array(tensor.length);
    for (const k of chosen) {
      const d = updates[k]![t]!;
      for (let i = 0; i < out.length; i++) out[i]! += d[i]!;
    }
    for (let i = 0; i < out.length; i++) out[i]! /= chosen.length;
    return out;
  });
}
