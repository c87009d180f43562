/**
 * The shared frame of the robust aggregation rules (coordinate-wise median, trimmed mean, Krum and
 * Multi-Krum): sampling, evaluation and `applyDelta` are FedAvg's (delegated to a FedAvg instance);
 * only the combination of the deltas differs, and each rule's file holds that pure maths.
 *
 * Robust rules are unweighted: every update counts once, whatever `numExamples` it claims (a claim
 * the coordinator cannot check is exactly what a robust rule must not trust), and the training
 * metrics are plain means over the clients that reported them.
 *
 * Each rule is defined only for enough results (`minResults`; e.g. Krum needs n > 2f + 2). With
 * fewer, `aggregateFit` throws: that is misuse. Without DP the round engine calls `aggregateFit` only
 * with at least `minClients` results and otherwise retries the round, so a coordinator using a robust
 * rule must set minClients ≥ minResults (`resolveStrategy` refuses anything less). Under DP the
 * wrappers never call `aggregateFit` — a robust rule has no effect there and must not be chosen.
 */
import { CoordinatorError } from '../errors';
import {
  FedAvg,
  averageFitMetrics,
  checkClipNorm,
  checkSamplingOptions,
  clipDeltas,
  refuseArrivalOrder,
  type SamplingOptions,
} from './fed-avg';
import type { Failure, FitAggregate, FitResult } from './strategy';
import { StrategyWrapper } from './strategy-wrapper';

export interface RobustOptions extends SamplingOptions {
  /** Clip each delta to L2 norm ≤ C (all tensors together) before the rule; without DP only. @default no clip */
  clipNorm?: number;
}

/** One client's update: its delta per tensor. */
export type Update = readonly Float32Array[];

export abstract class RobustStrategy extends StrategyWrapper {
  /** Fewest results the rule is defined for; the coordinator's minClients must be at least this. */
  abstract readonly minResults: number;
  private readonly clipNorm: number | undefined;

  protected constructor(owner: string, options: RobustOptions) {
    checkSamplingOptions(owner, options);
    checkClipNorm(owner, options.clipNorm);
    refuseArrivalOrder(owner, options);
    const { clipNorm, ...sampling } = options;
    super(new FedAvg(sampling));
    this.clipNorm = clipNorm;
  }

  /** The rule: the aggregated delta per tensor, in float64, from at least `minResults` updates. */
  protected abstract combine(updates: readonly Update[]): Float64Array[];

  override aggregateFit(
    _round: number,
    results: readonly FitResult[],
    _failures: readonly Failure[],
    global: readonly Float32Array[],
  ): FitAggregate {
    if (results.length < this.minResults) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `${this.name} needs at least ${this.minResults} results to aggregate, got ${results.length}; ` +
          `set the coordinator's minClients to at least ${this.minResults} so that rounds with fewer answers are retried.`,
      );
    }
    // Sorted by client id, so that ties (and float64 summation order) do not depend on arrival order.
    const sorted = [...results].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
    const updates = this.clipNorm === undefined ? sorted.map((r) => r.delta) : clipDeltas(sorted, this.clipNorm);
    const delta = this.combine(updates);
    return { ...averageFitMetrics(results, () => 1), weights: addDelta(global, delta) };
  }
}

/** global + delta, added in float64 and rounded to float32 once. */
export function addDelta(global: readonly Float32Array[], delta: readonly Float64Array[]): Float32Array[] {
  return global.map((tensor, t) => {
    const d = delta[t]!;
    return Float32Array.from(tensor, (w, i) => w + d[i]!);
  });
}

/**
 * Applies `rule` to each coordinate: `column` holds the n updates' values at that coordinate
 * (reused between coordinates, so the rule must not keep it) and the rule returns their aggregate.
 */
export function coordinateWise(updates: readonly Update[], rule: (column: Float64Array) => number): Float64Array[] {
  if (updates.length === 0) throw new CoordinatorError('INVALID_OPTION', 'a coordinate-wise rule needs at least one update.');
  const column = new Float64Array(updates.length);
  return updates[0]!.map((tensor, t) => {
    const out = new Float64Array(tensor.length);
    for (let i = 0; i < out.length; i++) {
      for (let k = 0; k < updates.length; k++) column[k] = updates[k]![t]![i]!;
      out[i] = rule(column);
    }
    return out;
  });
}
